// Submitting a draft: the API checks the open phase, every eligibility rule, the minimum investment and the
// required documents, and names each one that fails; those are listed here in the reader's words.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { ProblemBox } from "../../components/ui";
import { useMessages } from "../../i18n";
import { type Problem, asProblem } from "../../lib/problem";
import type { Application } from "./logic";

export function SubmitPanel({ app, open, onSubmitted }: {
  app: Application;
  open: boolean;
  onSubmitted: (app: Application, etag: string | null) => void;
}) {
  const m = useMessages();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  // Eligibility failures carry "eligibility.<rule>" as their field: one line each, even for the same rule.
  const failures = (problem?.errors ?? []).filter((e) => e.field.startsWith("eligibility."));

  async function submit() {
    if (!confirm(m.calls.confirmSubmit)) return;
    setBusy(true);
    const res = await api.POST("/api/v1/applications/{application_id}/submit", {
      params: { path: { application_id: app.id } },
    });
    setBusy(false);
    if (res.data === undefined) {
      setProblem(asProblem(res.error, res.response));
      return;
    }
    setProblem(null);
    onSubmitted(res.data, res.response.headers.get("ETag"));
  }

  return (
    <section aria-labelledby="submit-title" class="card calls-submit">
      <h2 id="submit-title">{m.calls.submit}</h2>
      <p class="source">{m.calls.submitNote}</p>
      {!open && <p class="notice">{m.calls.notOpenNote}</p>}
      {failures.length > 0 ? (
        <div class="problem" role="alert">
          <strong>{m.calls.notEligible}</strong>
          <ul>
            {failures.map((f, i) => {
              const rule = f.field.slice("eligibility.".length);
              return <li key={i}><strong>{m.calls.eligibilityRules[rule] ?? rule}</strong>: {f.message}</li>;
            })}
          </ul>
        </div>
      ) : <ProblemBox problem={problem} />}
      <div class="actions">
        <button type="button" onClick={submit} disabled={busy}>{busy ? m.calls.submitting : m.calls.submit}</button>
      </div>
    </section>
  );
}
