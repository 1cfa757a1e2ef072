// The pure rules of the territory screen: its filters in the address, the waste groups as the chart and the
// table show them, the kinds of the topics' figures, and the bad rows of a refused import.
import type { Schemas } from "../../api/client";
import type { Problem } from "../../lib/problem";

export type GroupBy = Schemas["WasteGroupBy"];
export type WasteGroup = Schemas["WasteGroup"];
export const GROUP_BYS: GroupBy[] = ["province", "ateco", "ewc_chapter", "cluster"];

export interface Filters {
  group_by: GroupBy;
  year: string;
  province: string;
  ateco: string;
  cluster: string;
}

export const FILTER_KEYS = ["year", "province", "ateco"] as const;

export function readFilters(query: URLSearchParams): Filters {
  const get = (key: string) => query.get(key) ?? "";
  const group = get("group_by") as GroupBy;
  return {
    group_by: GROUP_BYS.includes(group) ? group : "province",
    year: get("year"), province: get("province"), ateco: get("ateco"), cluster: get("cluster"),
  };
}

/** The filters as the API takes them (its own checks of the range and patterns are shown beside the fields). */
export function territoryQuery(f: Filters) {
  const year = f.year.trim();
  return {
    year: /^\d+$/.test(year) ? Number(year) : undefined,
    province: f.province.trim().toUpperCase() || undefined,
    ateco: f.ateco.trim() || undefined,
  };
}

/** "030105" → "03 01 05", with the catalogue's asterisk for a hazardous code. */
export function ewcCode(code: string, hazardous = false): string {
  const spaced = /^\d{6}$/.test(code) ? `${code.slice(0, 2)} ${code.slice(2, 4)} ${code.slice(4)}` : code;
  return hazardous ? `${spaced}*` : spaced;
}

/** What a group is called: the API's label (EWC chapter titles, cluster names), the division's name, or the key. */
export function groupLabel(group: Pick<WasteGroup, "key" | "label">, groupBy: GroupBy,
                           divisions: Record<string, string>, unknown: string): string {
  if (group.key === "" || group.key === "unknown") return unknown;
  if (groupBy === "ewc_chapter") return group.label ? `${group.key} ${group.label}` : group.key;
  if (groupBy === "ateco") return divisions[group.key] ? `${group.key} ${divisions[group.key]}` : `ATECO ${group.key}`;
  return group.label ?? group.key;
}

/** The groups the chart may draw: the suppressed ones have no figures, and are said only in the table. */
export function chartable(groups: WasteGroup[]): WasteGroup[] {
  return groups.filter((g) => !g.suppressed && g.tonnes_produced !== null && g.tonnes_produced !== undefined);
}

export type FigureKind = "share" | "tonnes" | "count";

/** How a topic's figure is written, read from its name ("hazardous_share", "tonnes_per_firm", "registered_firms"). */
export function figureKind(key: string): FigureKind {
  if (key.endsWith("share")) return "share";
  if (key.includes("tonnes")) return "tonnes";
  return "count";
}

export interface BadRow {
  line: number | null;
  column: string | null;
  reason: string;
}

/**
 * The bad rows of a refused import (the problem's `rows`), or, from an answer without them, its errors whose
 * field is "file.line.<n>.<column>". `total` counts every bad row, also those the API did not list.
 */
export function badRows(problem: Problem | null): { rows: BadRow[]; total: number } | null {
  if (!problem || problem.status !== 422) return null;
  const rows: BadRow[] = [];
  if (Array.isArray(problem.rows)) {
    for (const item of problem.rows as unknown[]) {
      if (!item || typeof item !== "object") continue;
      const r = item as Record<string, unknown>;
      rows.push({
        line: typeof r.line === "number" ? r.line : null,
        column: typeof r.column === "string" ? r.column : null,
        reason: typeof r.reason === "string" ? r.reason : String(r.reason ?? ""),
      });
    }
  } else {
    for (const e of problem.errors ?? []) {
      const found = /^file\.line\.(\d+)(?:\.(.+))?$/.exec(e.field);
      if (found) rows.push({ line: Number(found[1]), column: found[2] ?? null, reason: e.message });
    }
  }
  if (rows.length === 0) return null;
  const total = typeof problem.error_count === "number" ? Math.max(problem.error_count, rows.length) : rows.length;
  return { rows, total };
}
