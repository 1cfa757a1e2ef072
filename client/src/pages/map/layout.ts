// From clusters to markers in the SVG's own units: project each placed cluster for the chosen view, keep
// those inside the frame, fan out the ones that would overlap.
import { geoAzimuthalEqualArea, type GeoProjection } from "d3-geo";
import type { MultiPoint } from "geojson";
import type { Schemas } from "../../api/client";
import type { Geodata } from "./geo";
import { fanOut, placementOf, type Placement } from "./placement";
import { sectorGroup, type SectorGroup } from "./sectors";

export type View = "europe" | "italy";

export const SIZE: Record<View, [number, number]> = { europe: [800, 680], italy: [800, 900] };
export const MARKER_RADIUS = 8;

// From Portugal to the Baltic, from Crete to southern Scandinavia.
const EUROPE: MultiPoint = { type: "MultiPoint", coordinates: [[-10, 35], [30, 35], [-10, 60], [30, 60], [10, 64]] };

export function projectionFor(view: View, geo: Geodata): GeoProjection {
  const [w, h] = SIZE[view];
  // Equal-area and centred on the frame, as Eurostat's maps of NUTS regions are (ETRS89-LAEA).
  const projection = geoAzimuthalEqualArea().rotate(view === "europe" ? [-10, -52] : [-12.5, -42]);
  projection.fitExtent([[12, 12], [w - 12, h - 12]], view === "europe" ? EUROPE : geo.italy);
  return projection.clipExtent([[0, 0], [w, h]]);
}

export interface Marker {
  cluster: Schemas["ClusterRead"];
  group: SectorGroup;
  approximate: boolean;
  x: number;
  y: number;
}

export interface Layout {
  markers: Marker[];
  placement: Map<number, Placement>;
  /** Placed clusters that fall outside the current frame. */
  outside: Set<number>;
}

export function layOut(clusters: Schemas["ClusterRead"][], view: View, geo: Geodata, projection: GeoProjection): Layout {
  const [w, h] = SIZE[view];
  const centroids = new Map(geo.regions.map((r) => [r.code, r.centroid]));
  const placement = new Map<number, Placement>();
  const outside = new Set<number>();
  const points: { x: number; y: number; item: Marker }[] = [];
  for (const cluster of clusters) {
    const place = placementOf(cluster);
    placement.set(cluster.id, place);
    if (place.kind === "none") continue;
    const at = place.kind === "exact" ? [place.lon, place.lat] as [number, number]
      : place.kind === "region" ? centroids.get(place.region) : geo.countryCentroids.get(place.country);
    const xy = at && projection(at);
    if (!xy || xy[0] < 0 || xy[0] > w || xy[1] < 0 || xy[1] > h) {
      outside.add(cluster.id);
      continue;
    }
    points.push({ x: xy[0], y: xy[1], item: { cluster, group: sectorGroup(cluster), approximate: place.kind !== "exact", x: 0, y: 0 } });
  }
  const markers = fanOut(points, MARKER_RADIUS * 2 + 3).map((p) => ({ ...p.item, x: p.x, y: p.y }));
  return { markers, placement, outside };
}
