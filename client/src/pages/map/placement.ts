// Where each cluster goes on the map: at its coordinates, else at its Italian region's centre, else at its
// country's centre (both approximate), else nowhere (listed as not placed). Markers that would cover one another are fanned out around their
// common point, so each stays visible and can be pointed at.
import type { Schemas } from "../../api/client";
import { italianRegion, type RegionCode } from "./regions";

type Cluster = Pick<Schemas["ClusterRead"], "latitude" | "longitude" | "region_code" | "country">;

export type Placement =
  | { kind: "exact"; lon: number; lat: number }
  | { kind: "region"; region: RegionCode }
  | { kind: "country"; country: string }
  | { kind: "none" };

export function placementOf(cluster: Cluster): Placement {
  const { latitude: lat, longitude: lon } = cluster;
  if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) return { kind: "exact", lon, lat };
  // A NUTS code names its country in its first two letters, so "IT…" is Italian whatever `country` says.
  const region = italianRegion(cluster.region_code);
  if (region) return { kind: "region", region };
  // Outside Italy no region outlines ship with the client: the country's centre is the best honest place.
  const country = (cluster.region_code?.slice(0, 2) || cluster.country || "").toUpperCase();
  if (/^[A-Z]{2}$/.test(country)) return { kind: "country", country: country === "UK" ? "GB" : country === "EL" ? "GR" : country };
  return { kind: "none" };
}

export interface Point<T> {
  x: number;
  y: number;
  item: T;
}

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/**
 * Points closer than `spacing` are gathered (by a grid of that size) and spread on a sunflower spiral around
 * their mean: the first stays at the centre, the others step out evenly, however many there are.
 */
export function fanOut<T>(points: Point<T>[], spacing: number): Point<T>[] {
  const cells = new Map<string, Point<T>[]>();
  for (const p of points) {
    const key = `${Math.round(p.x / spacing)}:${Math.round(p.y / spacing)}`;
    cells.set(key, [...(cells.get(key) ?? []), p]);
  }
  const out: Point<T>[] = [];
  for (const group of cells.values()) {
    if (group.length === 1) {
      out.push(group[0]);
      continue;
    }
    const cx = group.reduce((s, p) => s + p.x, 0) / group.length;
    const cy = group.reduce((s, p) => s + p.y, 0) / group.length;
    group.forEach((p, i) => {
      const r = spacing * Math.sqrt(i);
      out.push({ ...p, x: cx + r * Math.cos(i * GOLDEN_ANGLE), y: cy + r * Math.sin(i * GOLDEN_ANGLE) });
    });
  }
  return out;
}
