// Small pieces the EMAS screens share: a resource's validation state as badges, and a validation's record.
import type { Schemas } from "../../api/client";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { type Version, resourceState } from "./logic";

/** What a verifier and a member firm want to know at a glance: which version counts, and what is waiting. */
export function StateBadges({ versions }: { versions: Version[] }) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const s = resourceState(versions);
  if (!s.latest) return <span class="badge">{m.state.noVersions}</span>;
  const validation = s.validated?.validations.find((v) => v.status === "current");
  return (
    <span class="emas-badges">
      {s.validated && validation && (
        <span class="badge ok">
          {fill(validation.outcome === "validated_with_findings" ? m.state.validatedWithFindings : m.state.validated,
                { n: s.validated.number, date: date(validation.valid_until, lang) })}
        </span>
      )}
      {s.awaiting.map((v) => (
        <span key={v.number} class="badge warn">{fill(m.state.awaiting, { n: v.number })}</span>
      ))}
      {s.lapsed && !s.awaiting.length && (
        <span class="badge emas-bad">{s.lapsed === "rejected" ? m.state.rejected : m.state.expired}</span>
      )}
      {s.latest.status === "draft" && <span class="badge">{fill(m.state.draft, { n: s.latest.number })}</span>}
    </span>
  );
}

export function ValidationRecord({ v }: { v: Schemas["ValidationRead"] }) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const tone = v.status === "current" ? "ok" : v.status === "rejected" ? "emas-bad" : "warn";
  return (
    <li class="emas-validation">
      <span class={`badge ${tone}`}>{m.outcomes[v.outcome]}</span>{" "}
      <span class="badge">{m.validationStatus[v.status] ?? v.status}</span>
      <div>
        {fill(m.validatedBy, { who: v.verifier_name, date: date(v.validated_date, lang) })}
        {v.accreditation_number && <> · {m.accreditationNumber}: {v.accreditation_number}</>}
      </div>
      {v.status !== "rejected" && (
        <div>{v.status === "expired" ? m.expiredOn : m.validUntil}: {date(v.expired_on ?? v.valid_until, lang)}</div>
      )}
      {v.findings && <div><strong>{m.findings}:</strong> {v.findings}</div>}
      {v.surveillance.length > 0 && (
        <div class="source">
          {m.surveillance}: {v.surveillance.map((s) => `${date(s.due_date, lang)} (${m.surveillanceState[s.state] ?? s.state})`).join(", ")}
        </div>
      )}
    </li>
  );
}
