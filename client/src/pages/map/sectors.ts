// The map colours a cluster by the broad sector of its first listed activity (NACE Rev. 2 division).
import type { Schemas } from "../../api/client";
import { NEUTRAL, PALETTE } from "../dashboards/palette";

export type SectorGroup =
  | "agrifood" | "fashion" | "wood_paper" | "chemicals" | "metals_machinery" | "other_manufacturing"
  | "energy_waste_construction" | "services" | "unknown";

// Inclusive ranges of NACE divisions.
const RANGES: [number, number, SectorGroup][] = [
  [1, 3, "agrifood"], [5, 9, "energy_waste_construction"], [10, 12, "agrifood"], [13, 15, "fashion"],
  [16, 18, "wood_paper"], [19, 23, "chemicals"], [24, 30, "metals_machinery"], [31, 32, "other_manufacturing"],
  [33, 33, "metals_machinery"], [35, 43, "energy_waste_construction"], [45, 99, "services"],
];

export const SECTOR_GROUPS: SectorGroup[] = [
  "fashion", "metals_machinery", "chemicals", "wood_paper", "agrifood", "other_manufacturing",
  "energy_waste_construction", "services", "unknown",
];

export const SECTOR_COLOUR: Record<SectorGroup, string> = Object.fromEntries(
  SECTOR_GROUPS.map((g, i) => [g, g === "unknown" ? NEUTRAL : PALETTE[i]]),
) as Record<SectorGroup, string>;

export function groupOfDivision(nace: string): SectorGroup {
  const division = Number.parseInt(nace.slice(0, 2), 10);
  if (Number.isNaN(division)) return "unknown";
  return RANGES.find(([from, to]) => division >= from && division <= to)?.[2] ?? "unknown";
}

/** The group of the first sector that carries a NACE code; "unknown" when none does. */
export function sectorGroup(cluster: Pick<Schemas["ClusterRead"], "sectors">): SectorGroup {
  for (const s of cluster.sectors) if (s.nace.length) return groupOfDivision(s.nace[0]);
  return "unknown";
}
