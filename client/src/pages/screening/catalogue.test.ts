import { describe as group, expect, it } from "vitest";
import words from "../../i18n/en/screening";
import { comparisonValue, describe, readCatalogue } from "./catalogue";

group("readCatalogue", () => {
  it("keeps the well-formed entries of the API's catalogue", () => {
    const c = readCatalogue({
      fields: [{ field: "enterprises_count", type: "count", operators: ["=", ">="], label: "enterprises" }, { nope: 1 }],
      presence: ["website", 3], cluster_kinds: ["cluster"],
    });
    expect(c.fields).toEqual([{ field: "enterprises_count", type: "count", operators: ["=", ">="], label: "enterprises" }]);
    expect(c.presence).toEqual(["website"]);
    expect(readCatalogue(null).fields).toEqual([]);
  });
});

group("comparisonValue", () => {
  it("reads numbers for counts and lists for in / not in", () => {
    expect(comparisonValue("count", ">=", "1.200")).toBe(1200);
    expect(comparisonValue("count", "in", "1, 2 3")).toEqual([1, 2, 3]);
    expect(comparisonValue("count", ">=", "fifty")).toBe("invalid");
    expect(comparisonValue("nuts", "starts_with", " iti1 ")).toBe("ITI1");
    expect(comparisonValue("country", "=", "")).toBe("invalid");
  });
});

group("describe", () => {
  it("tells a definition in one line", () => {
    const w = words.words;
    expect(describe({ type: "nace", prefixes: ["13", "14"], label: "fashion" }, w)).toBe("NACE 13, 14 (fashion)");
    expect(describe({ type: "field", field: "enterprises_count", op: ">=", value: 50 }, w)).toBe("enterprises at least 50");
    expect(describe({ type: "any", of: [{ type: "has", what: "coordinating_body" }, { type: "has", what: "members" }] }, w))
      .toBe("(has: a coordinating body or has: recorded members)");
    expect(describe({ type: "has", what: "epd" }, w)).toBe("has: a typical product with an EPD in force");
  });
});
