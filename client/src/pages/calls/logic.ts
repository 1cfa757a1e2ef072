// The calls screens' own rules, kept apart from the components so they can be tested without a browser.
import type { Schemas } from "../../api/client";
import type { Me } from "../../lib/session";

export type Call = Schemas["CallRead"];
export type Application = Schemas["ApplicationRead"];
export type AppState = Schemas["ApplicationState"];
export type Phase = Call["phases"][number];

export const STATES: AppState[] = [
  "draft", "submitted", "admissible", "inadmissible", "under_evaluation", "evaluated", "ranked", "admitted",
  "not_admitted", "definitive_submitted", "funded", "not_funded", "in_progress", "completed", "revoked", "withdrawn",
];

/** Where a call stands today, from its phases: the API says which phase is open; the rest is read from dates. */
export type CallStatus = { kind: "open"; phase: Phase } | { kind: "upcoming"; phase: Phase } | { kind: "closed" }
  | { kind: "unscheduled" };

export function callStatus(call: Pick<Call, "phases">, now: Date = new Date()): CallStatus {
  const open = call.phases.find((p) => p.open_now);
  if (open) return { kind: "open", phase: open };
  const upcoming = call.phases
    .filter((p) => p.opens_at && new Date(p.opens_at) > now)
    .sort((a, b) => a.opens_at!.localeCompare(b.opens_at!))[0];
  if (upcoming) return { kind: "upcoming", phase: upcoming };
  // A phase whose opening is not known is not open (the API's rule): without any date the call is unscheduled.
  if (call.phases.every((p) => !p.opens_at && !p.closes_at)) return { kind: "unscheduled" };
  return { kind: "closed" };
}

/**
 * An amount as the API wants it (a decimal string with a dot). Italian writing is read only where it cannot be
 * mistaken: "1.500,50" and "1500,5" become "1500.50" and "1500.5", "1.000.000" becomes "1000000"; a single dot
 * stays a decimal point ("1.500" is one and a half). Anything else goes as typed, for the API to judge beside the
 * field.
 */
export function toAmount(input: string): string {
  const text = input.replace(/[\s€]/g, "");
  if (/^\d{1,3}(\.\d{3})+,\d+$/.test(text) || /^\d{1,3}(\.\d{3}){2,}$/.test(text)) {
    return text.replace(/\./g, "").replace(",", ".");
  }
  if (/^\d+,\d+$/.test(text)) return text.replace(",", ".");
  return text;
}

/** The sum of amounts given as decimal strings, in cents to avoid floating-point drift; null when one is unreadable. */
export function sumAmounts(amounts: string[]): number | null {
  let cents = 0;
  for (const raw of amounts) {
    const value = toAmount(raw);
    if (value === "") continue;
    if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
    const [whole, fraction = ""] = value.split(".");
    cents += Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  }
  return cents / 100;
}

// The moves people make by hand, as the API's state machine (api/calls/rules.py) gives them: the applicant
// withdraws before funding; the managers decide admissibility, not funding, progress and completion. Moves that
// follow from evaluation, ranking and funding have their own actions. The API remains the judge (409 otherwise).
const BEFORE_FUNDING: AppState[] = ["draft", "submitted", "admissible", "under_evaluation", "evaluated", "ranked",
  "admitted", "definitive_submitted"];
const MANAGER_MOVES: Partial<Record<AppState, AppState[]>> = {
  submitted: ["admissible", "inadmissible"],
  definitive_submitted: ["not_funded"],
  funded: ["in_progress"],
  in_progress: ["completed"],
};
export const NEEDS_REASON: AppState[] = ["inadmissible", "not_admitted", "not_funded", "revoked", "withdrawn"];

export function managerMoves(state: AppState): AppState[] {
  return MANAGER_MOVES[state] ?? [];
}

export function mayWithdraw(state: AppState): boolean {
  return BEFORE_FUNDING.includes(state);
}

export function mayRevoke(state: AppState): boolean {
  return state === "funded" || state === "in_progress";
}

/** Whether the signed-in account may run calls at all (the Region's and chambers' officers, administrators). */
export function manages(me: Me | null): boolean {
  return !!me && ["admin", "region_officer", "chamber_officer"].includes(me.role);
}

/**
 * Whether the caller runs this call (and so may rank it), as far as the client can tell: administrators, and
 * officers of a body that funds it. The API also counts the call's creator, which it does not publish.
 */
export function runs(me: Me | null, call: Pick<Call, "funders">): boolean {
  if (!me) return false;
  if (me.role === "admin") return true;
  if (!manages(me)) return false;
  const mine = new Set([me.organization_id, ...me.chambers].filter((id): id is number => id !== null));
  return call.funders.some((f) => f.organization_id !== null && mine.has(f.organization_id));
}

/** Whether the caller writes this application (its own organization's, or an administrator). */
export function isApplicant(me: Me | null, app: Pick<Application, "organization_id">): boolean {
  if (!me) return false;
  if (me.role === "admin") return true;
  return me.role === "enterprise" && me.organizations.includes(app.organization_id);
}

/** The weighted mean an evaluator's scores will give, as the API computes it; null until every score is a number. */
export function weightedTotal(criteria: Pick<Call["criteria"][number], "code" | "weight">[],
                              scores: Record<string, string>): number | null {
  let weights = 0;
  let total = 0;
  for (const c of criteria) {
    const raw = toAmount(scores[c.code] ?? "");
    if (raw === "" || Number.isNaN(Number(raw))) return null;
    weights += Number(c.weight);
    total += Number(c.weight) * Number(raw);
  }
  return weights > 0 ? total / weights : null;
}
