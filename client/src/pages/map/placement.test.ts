import { describe, expect, it } from "vitest";
import { fanOut, placementOf } from "./placement";

const cluster = (over: Partial<{ latitude: number | null; longitude: number | null; region_code: string | null; country: string }>) =>
  ({ latitude: null, longitude: null, region_code: null, country: "IT", ...over });

describe("placement", () => {
  it("prefers coordinates, then the Italian region, then the country, else none", () => {
    expect(placementOf(cluster({ latitude: 43.88, longitude: 11.1, region_code: "ITI15" }))).toEqual({ kind: "exact", lon: 11.1, lat: 43.88 });
    expect(placementOf(cluster({ region_code: "ITI15" }))).toEqual({ kind: "region", region: "ITI1" });
    expect(placementOf(cluster({ region_code: "ES51", country: "ES" }))).toEqual({ kind: "country", country: "ES" });
    expect(placementOf(cluster({}))).toEqual({ kind: "country", country: "IT" });
    // Eurostat's own codes for Greece and the United Kingdom are ISO's GR and GB
    expect(placementOf(cluster({ region_code: "EL30", country: "GR" }))).toEqual({ kind: "country", country: "GR" });
    expect(placementOf(cluster({ region_code: "UKI3", country: "GB" }))).toEqual({ kind: "country", country: "GB" });
    expect(placementOf(cluster({ country: "" }))).toEqual({ kind: "none" });
    // half a pair of coordinates is no position
    expect(placementOf(cluster({ latitude: 43.88, region_code: "ITI15" }))).toEqual({ kind: "region", region: "ITI1" });
  });

  it("fans out markers that would cover one another, and leaves lone ones alone", () => {
    const points = [0, 1, 2, 3, 4].map((item) => ({ x: 100, y: 100, item })).concat([{ x: 300, y: 300, item: 9 }]);
    const out = fanOut(points, 19);
    expect(out).toHaveLength(6);
    expect(out.find((p) => p.item === 9)).toEqual({ x: 300, y: 300, item: 9 });
    const fanned = out.filter((p) => p.item !== 9);
    for (let i = 0; i < fanned.length; i++) {
      for (let j = i + 1; j < fanned.length; j++) {
        expect(Math.hypot(fanned[i].x - fanned[j].x, fanned[i].y - fanned[j].y)).toBeGreaterThanOrEqual(19);
      }
    }
  });
});
