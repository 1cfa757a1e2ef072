// Small pieces the calls screens share: a call's title in the reader's language, its status, an application's state.
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { type AppState, type Call, callStatus } from "./logic";

export function callTitle(call: Pick<Call, "title_it" | "title_en">, lang: string): string {
  return (lang === "en" && call.title_en) || call.title_it;
}

export function callDescription(call: Pick<Call, "description_it" | "description_en">, lang: string): string | null {
  return (lang === "en" && call.description_en) || call.description_it;
}

/** The call's status as a badge, with the dates of the phase that matters now. */
export function CallStatusBadge({ call }: { call: Pick<Call, "phases"> }) {
  const m = useMessages();
  const lang = useLanguage();
  const status = callStatus(call);
  const tone = status.kind === "open" ? "ok" : status.kind === "upcoming" ? "warn" : "";
  let detail = "";
  if (status.kind === "open") {
    detail = status.phase.closes_at
      ? fill(m.calls.openUntil, { phase: status.phase.name, date: date(status.phase.closes_at, lang) })
      : fill(m.calls.openNoEnd, { phase: status.phase.name });
  } else if (status.kind === "upcoming") {
    detail = fill(m.calls.opensOn, { phase: status.phase.name, date: date(status.phase.opens_at, lang) });
  }
  return (
    <span class="calls-status">
      <span class={`badge ${tone}`}>{m.calls.status[status.kind]}</span>
      {detail && <span class="source"> {detail}</span>}
    </span>
  );
}

const TONE: Partial<Record<AppState, string>> = {
  submitted: "ok", admissible: "ok", evaluated: "ok", admitted: "ok", funded: "ok", in_progress: "ok", completed: "ok",
  inadmissible: "calls-bad", not_admitted: "calls-bad", not_funded: "calls-bad", revoked: "calls-bad", withdrawn: "calls-bad",
};

export function StateBadge({ state }: { state: AppState }) {
  const m = useMessages();
  return <span class={`badge calls-state ${TONE[state] ?? ""}`} data-state={state}>{m.calls.states[state] ?? state}</span>;
}
