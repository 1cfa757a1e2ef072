import { describe, expect, it } from "vitest";
import { match } from "./router";

describe("match", () => {
  it("reads parameters", () => {
    expect(match("/clusters/:id", "/clusters/42")).toEqual({ id: "42" });
    expect(match("/events/:id/check-in", "/events/7/check-in")).toEqual({ id: "7" });
  });
  it("decodes them", () => {
    expect(match("/datasets/:name", "/datasets/a%20b")).toEqual({ name: "a b" });
  });
  it("needs every segment", () => {
    expect(match("/clusters/:id", "/clusters")).toBeNull();
    expect(match("/clusters/:id", "/clusters/1/edit")).toBeNull();
    expect(match("/clusters", "/calls")).toBeNull();
  });
  it("ignores trailing slashes", () => {
    expect(match("/map", "/map/")).toEqual({});
  });
});
