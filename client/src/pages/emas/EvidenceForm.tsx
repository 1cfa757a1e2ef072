// The firm's own document or record against one requirement: what it built itself rather than adopted.
import { api } from "../../api/client";
import { Field, ProblemBox, TextArea } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { useForm } from "../../lib/useForm";

const FIELDS = ["requirement_code", "title", "description", "reference", "valid_until"];

export function EvidenceForm({ organizationId, code, label, onDone, onCancel }: {
  organizationId: number; code: string; label: string; onDone: () => void; onCancel: () => void;
}) {
  const m = useMessages().emas;
  const { draft, set, problem, busy, send } = useForm({ title: "", reference: "", description: "", valid_until: "" });

  async function submit(event: Event) {
    event.preventDefault();
    const done = await send(() => api.POST("/api/v1/organizations/{organization_id}/evidence", {
      params: { path: { organization_id: organizationId } },
      body: { requirement_code: code, title: draft.title.trim(), reference: draft.reference.trim() || null,
              description: draft.description.trim() || null, valid_until: draft.valid_until || null },
    }));
    if (done) onDone();
  }

  return (
    <form class="emas-form emas-evidence" onSubmit={submit} aria-label={fill(m.evidence.formTitle, { code })}>
      <h4>{fill(m.evidence.formTitle, { code })}</h4>
      <p class="source">{label}</p>
      <ProblemBox problem={problem} fields={FIELDS.filter((f) => f !== "requirement_code")} />
      <Field label={m.evidence.title} name="title" required maxLength={300} value={draft.title} onInput={set("title")}
             problem={problem} autoFocus />
      <Field label={m.evidence.reference} name="reference" maxLength={500} value={draft.reference}
             onInput={set("reference")} hint={m.evidence.referenceHint} problem={problem} />
      <TextArea label={m.description} name="description" rows={3} maxLength={20000} value={draft.description}
                onInput={set("description")} problem={problem} />
      <Field label={m.validUntil} name="valid_until" type="date" value={draft.valid_until} onInput={set("valid_until")}
             hint={m.evidence.validHint} problem={problem} />
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? m.saving : m.evidence.submit}</button>
        <button type="button" class="secondary" onClick={onCancel}>{m.cancel}</button>
      </div>
    </form>
  );
}
