// An accredited verifier's outcome for a released version. The API refuses a verifier whose organization belongs
// to the cluster (409) or whose NACE scopes do not cover it (403): those answers are shown above the form.
import { api, type Schemas } from "../../api/client";
import { Field, ProblemBox, Select, TextArea } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { useForm } from "../../lib/useForm";

type Outcome = Schemas["ValidationOutcome"];
const FIELDS = ["outcome", "findings", "validated_date", "valid_until"];

export function ValidateForm({ resourceId, number, onDone }: { resourceId: number; number: number; onDone: () => void }) {
  const m = useMessages().emas;
  const { draft, set, problem, busy, send } = useForm({ outcome: "validated" as Outcome, findings: "", validated_date: "",
                                                        valid_until: "" });

  async function submit(event: Event) {
    event.preventDefault();
    const done = await send(() => api.POST("/api/v1/emas/resources/{resource_id}/versions/{number}/validations", {
      params: { path: { resource_id: resourceId, number } },
      body: { outcome: draft.outcome, findings: draft.findings.trim() || null,
              validated_date: draft.validated_date || null, valid_until: draft.valid_until || null },
    }));
    if (done) onDone();
  }

  const findingsNeeded = draft.outcome !== "validated";
  return (
    <form class="emas-form emas-validate" onSubmit={submit} aria-label={fill(m.validate.title, { n: number })}>
      <h4>{fill(m.validate.title, { n: number })}</h4>
      <ProblemBox problem={problem} fields={FIELDS} />
      <Select label={m.validate.outcome} name="outcome" value={draft.outcome} onChange={set("outcome")} problem={problem}
              options={(["validated", "validated_with_findings", "rejected"] as Outcome[]).map((o) => ({ value: o, label: m.outcomes[o] }))} />
      <TextArea label={m.findings} name="findings" rows={3} maxLength={20000} required={findingsNeeded}
                value={draft.findings} onInput={set("findings")} problem={problem} />
      <div class="emas-dates">
        <Field label={m.validate.date} name="validated_date" type="date" value={draft.validated_date}
               onInput={set("validated_date")} hint={m.validate.dateHint} problem={problem} />
        <Field label={m.validUntil} name="valid_until" type="date" value={draft.valid_until}
               onInput={set("valid_until")} hint={m.validate.untilHint} problem={problem} />
      </div>
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? m.saving : m.validate.submit}</button>
      </div>
    </form>
  );
}
