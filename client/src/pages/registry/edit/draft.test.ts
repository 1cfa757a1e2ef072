import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../api/client";
import { fromCluster, parseCount, reapply, toPatch } from "./draft";

const cluster: Schemas["ClusterRead"] = {
  id: 19, slug: "lucca-footwear", name: "Distretto calzaturiero di Lucca", kind: "industrial_district", country: "IT",
  region_code: "ITI12", region_name: "Toscana", locality: "Capannori", location_text: null, latitude: null,
  longitude: null, enterprises: { count: 200, approximate: true, note: "circa 200" },
  employees: { count: null, approximate: false, note: null }, website: null, website_note: null,
  coordinating_body: null, constitutive_elements: null, eco_innovation: null, tags: ["imagine"],
  sectors: [{ label: "Calzaturiero", nace: ["15.20"] }], recognitions: [], sources: [], source: null,
  external_id: null, version: 3, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};

describe("toPatch", () => {
  it("sends nothing for an unchanged form", () => {
    expect(toPatch(cluster, fromCluster(cluster))).toEqual({ body: {}, problems: [] });
  });

  it("sends only what changed, with empty boxes as null", () => {
    const draft = { ...fromCluster(cluster), locality: " ", website: "https://example.org", region_code: "iti17" };
    expect(toPatch(cluster, draft).body).toEqual({ locality: null, website: "https://example.org", region_code: "ITI17" });
  });

  it("sends the whole sector list and headcount when a part changes", () => {
    const draft = fromCluster(cluster);
    draft.sectors = [...draft.sectors, { label: "Pelletteria", nace: "15.11, 15.12" }];
    draft.enterprises = { ...draft.enterprises, count: "1.200" };
    expect(toPatch(cluster, draft).body).toEqual({
      sectors: [{ label: "Calzaturiero", nace: ["15.20"] }, { label: "Pelletteria", nace: ["15.11", "15.12"] }],
      enterprises: { count: 1200, approximate: true, note: "circa 200" },
    });
  });

  it("sends both coordinates or says which one is missing", () => {
    const both = { ...fromCluster(cluster), latitude: "43,84", longitude: "10.57" };
    expect(toPatch(cluster, both).body).toEqual({ latitude: 43.84, longitude: 10.57 });
    const one = { ...fromCluster(cluster), latitude: "43.84" };
    expect(toPatch(cluster, one).problems).toEqual([{ field: "longitude", problem: "bothCoordinates" }]);
  });

  it("refuses a count that is not a whole number", () => {
    const draft = { ...fromCluster(cluster), employees: { count: "circa 10", approximate: false, note: "" } };
    expect(toPatch(cluster, draft).problems).toEqual([{ field: "employees.count", problem: "notWhole" }]);
    expect(parseCount("1 200")).toBe(1200);
  });
});

describe("reapply", () => {
  it("lays the user's edits over the newer version", () => {
    const draft = { ...fromCluster(cluster), locality: "Lucca" };
    const latest = { ...cluster, website: "https://other.example", version: 4 };
    const merged = reapply(cluster, draft, latest);
    expect(merged.locality).toBe("Lucca");
    expect(merged.website).toBe("https://other.example");
  });
});
