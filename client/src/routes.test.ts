import { describe, expect, it } from "vitest";
import { match } from "./lib/router";
import { isCurrent, routes } from "./routes";

const entry = (nav: string) => routes.find((r) => r.nav === nav)!;
const current = (path: string) => routes.filter((r) => r.nav && isCurrent(r, path)).map((r) => r.nav);

describe("the routes", () => {
  it("open the product comparison, not a product called «comparison»", () => {
    const first = routes.find((r) => match(r.path, "/products/comparison"));
    expect(first?.path).toBe("/products/comparison");
    expect(routes.find((r) => match(r.path, "/products/7"))?.path).toBe("/products/:id");
  });
});

describe("the current navigation entry", () => {
  it("is the registry on the home page and on a cluster's screens, and nothing else there", () => {
    expect(current("/")).toEqual(["registry"]);
    expect(current("/clusters/19/edit")).toEqual(["registry"]);
    expect(current("/products/1")).toEqual(["registry"]);
    expect(current("/products/comparison")).toEqual(["registry"]);
  });
  it("follows a list into the screens reached from it", () => {
    expect(current("/calls/3")).toEqual(["calls"]);
    expect(current("/applications/12")).toEqual(["calls"]);
    expect(current("/emas/resources/4")).toEqual(["resources"]);
    expect(current("/events/7/check-in")).toEqual(["events"]);
    expect(current("/territory")).toEqual(["territory"]);
  });
  it("does not take an address that only starts with the same letters", () => {
    expect(isCurrent(entry("calls"), "/callsign")).toBe(false);
    expect(current("/login")).toEqual([]);
  });
});
