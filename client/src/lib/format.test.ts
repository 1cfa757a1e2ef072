import { describe, expect, it } from "vitest";
import { date, euro, number, splitList } from "./format";

describe("format", () => {
  it("writes numbers the Italian and the English way", () => {
    expect(number(47680, "it")).toBe("47.680");
    expect(number(47680, "en")).toBe("47,680");
    expect(number(null, "it")).toBe("–");
  });
  it("writes euros", () => {
    expect(euro(2000000, "it")).toMatch(/2\.000\.000,00\s€/);
  });
  it("keeps a plain date on its day in Rome", () => {
    expect(date("2019-06-03", "en")).toBe("3 Jun 2019");
  });
});

describe("splitList", () => {
  it("splits a list box on commas, semicolons and spaces, dropping empty items", () => {
    expect(splitList(" 13, 14.1;15  ")).toEqual(["13", "14.1", "15"]);
    expect(splitList("a b, c d", /\s*,\s*/)).toEqual(["a b", "c d"]);
    expect(splitList("")).toEqual([]);
  });
});
