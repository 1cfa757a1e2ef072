// The edit form's state (text as typed) and the PATCH body made from it: only the fields that differ from what
// was read are sent, so a save touches nothing else and an unchanged form sends nothing.
import type { Schemas } from "../../../api/client";
import { splitList } from "../../../lib/format";

type Cluster = Schemas["ClusterRead"];
type Update = Schemas["ClusterUpdate"];

export interface HeadcountDraft { count: string; approximate: boolean; note: string }
export interface SectorDraft { label: string; nace: string }
export type OrganizationRef = Schemas["OrganizationRef"];

export interface Draft {
  name: string;
  slug: string;
  kind: Schemas["ClusterKind"];
  country: string;
  region_code: string;
  region_name: string;
  locality: string;
  location_text: string;
  latitude: string;
  longitude: string;
  enterprises: HeadcountDraft;
  employees: HeadcountDraft;
  sectors: SectorDraft[];
  website: string;
  website_note: string;
  coordinating_body: OrganizationRef | null;
  constitutive_elements: string;
  eco_innovation: string;
  tags: string;
}

/** Why a value typed in a number box cannot be sent; the form words it. */
export type NumberProblem = "notWhole" | "notNumber" | "bothCoordinates";

const TEXTS = ["region_name", "locality", "location_text", "website", "website_note", "constitutive_elements",
  "eco_innovation"] as const;

function headcount(h: Schemas["HeadcountRead"]): HeadcountDraft {
  return { count: h.count === null ? "" : String(h.count), approximate: h.approximate, note: h.note ?? "" };
}

export function fromCluster(c: Cluster): Draft {
  return {
    name: c.name, slug: c.slug, kind: c.kind, country: c.country, region_code: c.region_code ?? "",
    region_name: c.region_name ?? "", locality: c.locality ?? "", location_text: c.location_text ?? "",
    latitude: c.latitude === null ? "" : String(c.latitude), longitude: c.longitude === null ? "" : String(c.longitude),
    enterprises: headcount(c.enterprises), employees: headcount(c.employees),
    sectors: c.sectors.map((s) => ({ label: s.label, nace: s.nace.join(", ") })),
    website: c.website ?? "", website_note: c.website_note ?? "", coordinating_body: c.coordinating_body,
    constitutive_elements: c.constitutive_elements ?? "", eco_innovation: c.eco_innovation ?? "",
    tags: c.tags.join(", "),
  };
}

/** A whole count as people write it: "1200", "1.200" or "1 200"; null for an empty box. */
export function parseCount(text: string): number | null | "invalid" {
  const t = text.trim();
  if (!t) return null;
  if (/^\d+$/.test(t)) return Number(t);
  if (/^\d{1,3}([. ’']\d{3})+$/.test(t)) return Number(t.replace(/\D/g, ""));
  return "invalid";
}

/** A decimal degree, with a dot or a comma; null for an empty box. */
export function parseDecimal(text: string): number | null | "invalid" {
  const t = text.trim().replace(",", ".");
  if (!t) return null;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : "invalid";
}

const blank = (text: string): string | null => (text.trim() ? text.trim() : null);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function sectorsOf(draft: Draft): Schemas["Sector"][] {
  return draft.sectors.map((s) => ({ label: s.label.trim(), nace: splitList(s.nace) }));
}

export function tagsOf(draft: Draft): string[] {
  return splitList(draft.tags, /\s*,\s*/);
}

/**
 * The PATCH body for what changed, and the problems found before sending (by field path in the body).
 * Checks here are only those the browser can make about what was typed (numbers); the API checks the rest.
 */
export function toPatch(original: Cluster, draft: Draft): { body: Update; problems: { field: string; problem: NumberProblem }[] } {
  const body: Update = {};
  const problems: { field: string; problem: NumberProblem }[] = [];
  const base = fromCluster(original);

  if (draft.name.trim() !== original.name) body.name = draft.name.trim();
  if (draft.slug.trim() !== original.slug) body.slug = draft.slug.trim();
  if (draft.kind !== original.kind) body.kind = draft.kind;
  if (draft.country.trim().toUpperCase() !== original.country) body.country = draft.country.trim().toUpperCase();
  const region = blank(draft.region_code)?.toUpperCase() ?? null;
  if (region !== original.region_code) body.region_code = region;
  for (const key of TEXTS) {
    const value = blank(draft[key]);
    if (value !== original[key]) body[key] = value;
  }

  if (draft.latitude !== base.latitude || draft.longitude !== base.longitude) {
    const lat = parseDecimal(draft.latitude);
    const lon = parseDecimal(draft.longitude);
    if (lat === "invalid") problems.push({ field: "latitude", problem: "notNumber" });
    if (lon === "invalid") problems.push({ field: "longitude", problem: "notNumber" });
    if (lat !== "invalid" && lon !== "invalid") {
      if ((lat === null) !== (lon === null)) {
        problems.push({ field: lat === null ? "latitude" : "longitude", problem: "bothCoordinates" });
      } else if (lat !== original.latitude || lon !== original.longitude) {
        // The API wants both or neither whenever either is sent.
        body.latitude = lat;
        body.longitude = lon;
      }
    }
  }

  for (const key of ["enterprises", "employees"] as const) {
    const d = draft[key];
    if (same(d, base[key])) continue;
    const count = parseCount(d.count);
    if (count === "invalid") {
      problems.push({ field: `${key}.count`, problem: "notWhole" });
      continue;
    }
    body[key] = { count, approximate: d.approximate, note: blank(d.note) };
  }

  const sectors = sectorsOf(draft);
  if (!same(sectors, original.sectors)) body.sectors = sectors;
  const tags = tagsOf(draft);
  if (!same(tags, original.tags)) body.tags = tags;
  const bodyId = draft.coordinating_body?.id ?? null;
  if (bodyId !== (original.coordinating_body?.id ?? null)) body.coordinating_body_id = bodyId;
  return { body, problems };
}

/** The user's changes laid over a newer version of the cluster (after a 412): their edits win field by field. */
export function reapply(original: Cluster, draft: Draft, latest: Cluster): Draft {
  const mine = fromCluster(original);
  const next = fromCluster(latest);
  const out = { ...next } as Record<keyof Draft, unknown>;
  for (const key of Object.keys(draft) as (keyof Draft)[]) {
    if (!same(draft[key], mine[key])) out[key] = draft[key];
  }
  return out as unknown as Draft;
}
