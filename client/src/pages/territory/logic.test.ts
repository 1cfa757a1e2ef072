import { describe, expect, it } from "vitest";
import type { Problem } from "../../lib/problem";
import { badRows, chartable, ewcCode, figureKind, groupLabel, readFilters, territoryQuery,
         type WasteGroup } from "./logic";

const group = (key: string, suppressed: boolean, label: string | null = null): WasteGroup => ({
  key, label, suppressed, declaring_firms: suppressed ? null : 5, tonnes_produced: suppressed ? null : 12.5,
  tonnes_managed: suppressed ? null : 0, hazardous_share: suppressed ? null : 0.1, top_streams: [],
});

describe("filters", () => {
  it("reads the address, grouping by province unless told otherwise", () => {
    expect(readFilters(new URLSearchParams("group_by=ateco&province=so&year=2023")))
      .toEqual({ group_by: "ateco", year: "2023", province: "so", ateco: "", cluster: "" });
    expect(readFilters(new URLSearchParams("group_by=nonsense")).group_by).toBe("province");
  });
  it("sends what is given, the province in capitals", () => {
    expect(territoryQuery(readFilters(new URLSearchParams("province=so&year=2023&ateco=13.2"))))
      .toEqual({ year: 2023, province: "SO", ateco: "13.2" });
    expect(territoryQuery(readFilters(new URLSearchParams("")))).toEqual({ year: undefined, province: undefined, ateco: undefined });
  });
});

describe("waste groups", () => {
  it("write EWC codes in pairs, with the asterisk of hazardous codes", () => {
    expect(ewcCode("030105")).toBe("03 01 05");
    expect(ewcCode("110105", true)).toBe("11 01 05*");
    expect(ewcCode("03")).toBe("03");
  });
  it("are named by the API's label, the division's name or the key", () => {
    const divisions = { "13": "Industrie tessili" };
    expect(groupLabel(group("13", false), "ateco", divisions, "?")).toBe("13 Industrie tessili");
    expect(groupLabel(group("99", false), "ateco", divisions, "?")).toBe("ATECO 99");
    expect(groupLabel(group("04", false, "Wastes from the leather…"), "ewc_chapter", divisions, "?")).toBe("04 Wastes from the leather…");
    expect(groupLabel(group("BS", false), "province", divisions, "?")).toBe("BS");
    expect(groupLabel(group("16", false, "Distretto tessile di Prato"), "cluster", divisions, "?")).toBe("Distretto tessile di Prato");
  });
  it("leave the suppressed ones out of the chart", () => {
    expect(chartable([group("10", true), group("11", false)]).map((g) => g.key)).toEqual(["11"]);
  });
});

describe("figureKind", () => {
  it("reads how to write a figure from its name", () => {
    expect(figureKind("hazardous_share")).toBe("share");
    expect(figureKind("reference_tonnes_per_firm")).toBe("tonnes");
    expect(figureKind("registered_firms")).toBe("count");
  });
});

describe("badRows", () => {
  const refused = (extra: Partial<Problem>): Problem => ({
    type: "urn:cartesio:problem:import-rejected", title: "The file was not imported", status: 422, ...extra,
  });
  it("reads the rows of a refused import", () => {
    const found = badRows(refused({ rows: [{ line: 2, column: "partita_iva", reason: "not valid" }], error_count: 40 }));
    expect(found).toEqual({ rows: [{ line: 2, column: "partita_iva", reason: "not valid" }], total: 40 });
  });
  it("falls back on the errors' fields", () => {
    const found = badRows(refused({ errors: [{ field: "file.line.7.quantita", message: "not a number", code: "bad_row" }] }));
    expect(found).toEqual({ rows: [{ line: 7, column: "quantita", reason: "not a number" }], total: 1 });
  });
  it("is nothing for other problems", () => {
    expect(badRows(refused({ errors: [{ field: "body.file", message: "required", code: "missing" }] }))).toBeNull();
    expect(badRows({ type: "about:blank", title: "Forbidden", status: 403 })).toBeNull();
    expect(badRows(null)).toBeNull();
  });
});
