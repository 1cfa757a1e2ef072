// Starts a new draft version of a resource; it inherits neither the files nor the validation of earlier ones.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { ProblemBox, TextArea } from "../../components/ui";
import { useMessages } from "../../i18n";
import { type Problem, asProblem } from "../../lib/problem";

export function NewVersionForm({ resourceId, hasDraft, onDone }: { resourceId: number; hasDraft: boolean; onDone: () => void }) {
  const m = useMessages().emas;
  const [open, setOpen] = useState(false);
  const [notes, setNotes] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    const r = await api.POST("/api/v1/emas/resources/{resource_id}/versions", {
      params: { path: { resource_id: resourceId } }, body: { notes: notes.trim() || null },
    });
    setBusy(false);
    if (!r.data) return setProblem(asProblem(r.error, r.response));
    setProblem(null);
    setNotes("");
    setOpen(false);
    onDone();
  }

  if (!open) {
    return (
      <div class="actions">
        <button type="button" class="secondary" onClick={() => setOpen(true)}>{m.newVersion.open}</button>
      </div>
    );
  }
  return (
    <form class="emas-form" onSubmit={submit}>
      <ProblemBox problem={problem} fields={["notes"]} />
      {hasDraft && <p class="notice">{m.newVersion.draftExists}</p>}
      <p class="source">{m.newVersion.help}</p>
      <TextArea label={m.newVersion.notes} name="notes" rows={3} maxLength={20000} value={notes}
                onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} problem={problem} />
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? m.saving : m.newVersion.submit}</button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>{m.cancel}</button>
      </div>
    </form>
  );
}
