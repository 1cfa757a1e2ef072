import { describe, expect, it } from "vitest";
import { climateFigure, comparisonHref, decimalText, epdState, functionalUnitText, latestStudy, type Epd, type Product, type Study,
         toPlain } from "./logic";

const study = (id: number, year: number | null, climate: string | null): Study => ({
  id, product_id: 1, title: null, functional_unit: { quantity: "1", unit: "kg", description: null },
  system_boundary: "cradle_to_gate", reference_year: year, method: "EF 3.1", practitioner: null,
  is_illustrative: false, note: null, files: [], version: 1, created_at: "", updated_at: "",
  results: climate === null ? [{ indicator: "water_use", value: "1", unit: "m3 world eq deprived" }]
    : [{ indicator: "climate_change", value: climate, unit: "kg CO2 eq" }],
});

const epd = (expired: boolean): Epd => ({
  id: 1, product_id: 1, programme_operator: "EPDItaly", registration_number: "X", standards: ["ISO 14025"],
  pcr: null, issue_date: "2020-01-01", valid_until: "2025-01-01", expired, verifier: null, lca_study_id: null,
  url: null, is_illustrative: false, version: 1, created_at: "", updated_at: "",
});

describe("latestStudy", () => {
  it("takes the latest reference year, a study without one counting as the earliest", () => {
    expect(latestStudy([study(1, 2021, "1"), study(2, null, "2"), study(3, 2019, "3")])?.id).toBe(1);
  });
  it("takes the latest recorded of the same year", () => {
    expect(latestStudy([study(4, 2020, "1"), study(2, 2020, "2")])?.id).toBe(4);
    expect(latestStudy([])).toBeNull();
  });
});

describe("climateFigure", () => {
  it("reads the climate-change result of the latest study reporting it", () => {
    const product = { lca_studies: [study(1, 2018, "20"), study(2, 2022, "18.5"), study(3, 2023, null)] } as Product;
    const figure = climateFigure(product);
    expect(figure?.study.id).toBe(2);
    expect(figure?.value).toBe("18.5");
    expect(figure?.unit).toBe("kg CO2 eq");
    expect(climateFigure({ lca_studies: [] as Study[] } as Product)).toBeNull();
  });
});

describe("epdState", () => {
  it("is in force while any EPD is, expired when all are, none without EPDs", () => {
    expect(epdState([epd(true), epd(false)])).toBe("in_force");
    expect(epdState([epd(true)])).toBe("expired");
    expect(epdState([])).toBe("none");
  });
});

describe("decimalText", () => {
  it("writes every digit with the language's separators", () => {
    expect(decimalText("12345.678", "it")).toBe("12.345,678");
    expect(decimalText("12345.678", "en")).toBe("12,345.678");
    expect(decimalText("0.0000123", "it")).toBe("0,0000123");
    expect(decimalText("-3.5", "en")).toBe("−3.5");
    expect(decimalText("20", "it")).toBe("20");
  });
  it("writes exponents out and leaves what is not a number as it is", () => {
    expect(decimalText("1.2E-7", "en")).toBe("0.00000012");
    expect(decimalText("-0", "en")).toBe("0");
    expect(decimalText(null, "it")).toBe("–");
    expect(decimalText("n/a", "it")).toBe("n/a");
  });
  it("reads plain decimals out of any notation", () => {
    expect(toPlain("1.5e3")).toBe("1500");
    expect(toPlain("12.500")).toBe("12.5");
    expect(toPlain("007")).toBe("7");
    expect(toPlain(".5")).toBe("0.5");
    expect(toPlain("e5")).toBeNull();
  });
});

describe("comparisonHref", () => {
  it("carries the code, the indicator and an optional boundary", () => {
    expect(comparisonHref("13")).toBe("/products/comparison?code=13&indicator=climate_change");
    expect(comparisonHref("14.11", "water_use", "cradle_to_gate"))
      .toBe("/products/comparison?code=14.11&indicator=water_use&boundary=cradle_to_gate");
  });
});

describe("functionalUnitText", () => {
  const units = { kg: "kg", pair: "paio", m2: "m²" };
  const many = { pair: "paia" };
  it("writes the quantity and the unit, in the plural where the language has one", () => {
    expect(functionalUnitText({ quantity: "1", unit: "kg", description: null }, "it", units, many)).toBe("1 kg");
    expect(functionalUnitText({ quantity: "2", unit: "pair", description: null }, "it", units, many)).toBe("2 paia");
    expect(functionalUnitText({ quantity: "1.000", unit: "pair", description: null }, "it", units, many)).toBe("1 paio");
    expect(functionalUnitText({ quantity: "0.5", unit: "m2", description: null }, "it", units, many)).toBe("0,5 m²");
  });
});
