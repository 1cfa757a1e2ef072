// The dashboards' filters live in the query string; these read them and turn them into each endpoint's
// parameters.
import type { Schemas } from "../../api/client";
import type { Problem } from "../../lib/problem";

export type GroupBy = Schemas["ClusterGroupBy"];
export const GROUP_BYS: GroupBy[] = ["sector", "country", "kind", "size"];
export const KINDS: Schemas["ClusterKind"][] = [
  "industrial_district", "cluster", "apea", "industrial_park", "supply_chain", "enterprise_network",
];

export interface Filters {
  group_by: GroupBy;
  country: string;
  region: string;
  sector: string;
  kind: string;
  from: string;
  to: string;
  programme: string;
  call: string;
}

export const FILTER_KEYS = ["country", "region", "sector", "kind", "from", "to", "programme"] as const;

export function readFilters(query: URLSearchParams): Filters {
  const get = (key: string) => query.get(key) ?? "";
  const group = get("group_by") as GroupBy;
  return {
    group_by: GROUP_BYS.includes(group) ? group : "sector",
    country: get("country"), region: get("region"), sector: get("sector"), kind: get("kind"),
    from: get("from"), to: get("to"), programme: get("programme"), call: get("call"),
  };
}

const orNothing = (v: string) => v || undefined;

/** Parameters shared by the cluster and EMAS statistics. */
export function clusterQuery(f: Filters) {
  return { country: orNothing(f.country), region: orNothing(f.region), sector: orNothing(f.sector),
           kind: orNothing(f.kind) as Schemas["ClusterKind"] | undefined };
}

/** The period as the events endpoint takes it: zone-less times are Rome time; "to" includes its whole day. */
export function eventsQuery(f: Filters) {
  const programme = Number(f.programme);
  return { start: f.from ? `${f.from}T00:00:00` : undefined, end: f.to ? `${f.to}T23:59:59` : undefined,
           programme_id: f.programme && Number.isInteger(programme) && programme > 0 ? programme : undefined };
}

// The API names a query parameter's problem by the parameter; the form's fields are named after the page's own
// query keys, which differ only for the period and the programme.
const FIELD_OF: Record<string, string> = { "query.start": "query.from", "query.end": "query.to", "query.programme_id": "query.programme" };

/** The field problems of several answers as one, so the filter form can show each next to its field. */
export function filterProblem(...problems: (Problem | null)[]): Problem | null {
  const withErrors = problems.filter((p): p is Problem => !!p?.errors?.length);
  if (withErrors.length === 0) return null;
  const errors = withErrors.flatMap((p) => p.errors ?? []).map((e) => ({ ...e, field: FIELD_OF[e.field] ?? e.field }));
  return { ...withErrors[0], errors };
}

/** True when the problem is only about the filters, which the form shows beside them. */
export function aboutFilters(problem: Problem | null): boolean {
  return !!problem?.errors?.length && problem.errors.every((e) => e.field.startsWith("query."));
}
