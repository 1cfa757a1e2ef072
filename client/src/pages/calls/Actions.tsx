// What can be done to an application after submission, by whom: the applicant withdraws or submits the definitive
// project; the call's managers decide admissibility, assign evaluators, fund, revoke, and record progress.
// Each action opens a small form; the API checks the move and its answer (or problem) is shown in place.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Field, ProblemBox, Select, TextArea } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { type Problem, asProblem } from "../../lib/problem";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { type AppState, type Application, NEEDS_REASON, isApplicant, managerMoves, manages, mayRevoke, mayWithdraw,
         toAmount } from "./logic";

type Answer = { data?: unknown; error?: unknown; response: Response };

function ActionForm({ summary, submit, field, run, onDone, danger }: {
  summary: string;
  submit: string;
  field?: { name: string; label: string; kind: "text" | "amount" | "evaluator"; required?: boolean; hint?: string };
  run: (value: string) => Promise<Answer>;
  onDone: () => void;
  danger?: boolean;
}) {
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(event: Event) {
    event.preventDefault();
    setBusy(true);
    const res = await run(value);
    setBusy(false);
    if (res.data === undefined) {
      setProblem(asProblem(res.error, res.response));
      return;
    }
    setProblem(null);
    setValue("");
    onDone();
  }

  const onInput = (e: Event) => setValue((e.target as HTMLInputElement).value);
  return (
    <details class="calls-action">
      <summary>{summary}</summary>
      <form onSubmit={send} noValidate>
        {field?.kind === "text" && (
          <TextArea label={field.label} name={field.name} rows={3} maxLength={5000} required={field.required}
                    value={value} onInput={onInput} problem={problem} />
        )}
        {field?.kind === "amount" && (
          <Field label={field.label} name={field.name} inputMode="decimal" value={value} onInput={onInput}
                 problem={problem} hint={field.hint} />
        )}
        {field?.kind === "evaluator" && <EvaluatorField value={value} onInput={onInput} problem={problem} />}
        <ProblemBox problem={problem} fields={field ? [field.name] : []} />
        <div class="actions">
          <button type="submit" class={danger ? "danger" : ""} disabled={busy}>{submit}</button>
        </div>
      </form>
    </details>
  );
}

/** Administrators pick an evaluator from the accounts; others, who may not list accounts, give its number. */
function EvaluatorField({ value, onInput, problem }: { value: string; onInput: (e: Event) => void; problem: Problem | null }) {
  const m = useMessages();
  const { me } = useSession();
  const admin = me?.role === "admin";
  const users = useApi((signal) => admin ? api.GET("/api/v1/users", { signal }) : null, [admin]);
  const evaluators = (users.data?.items ?? []).filter((u) => u.role === "evaluator" && u.is_active);
  if (admin && evaluators.length > 0) {
    return (
      <Select label={m.calls.evaluatorField} name="evaluator_id" value={value} onChange={onInput} problem={problem} required
              options={[{ value: "", label: m.calls.chooseEvaluator },
                        ...evaluators.map((u) => ({ value: String(u.id), label: u.full_name ? `${u.full_name} <${u.email}>` : u.email }))]} />
    );
  }
  return (
    <Field label={m.calls.evaluatorIdField} name="evaluator_id" inputMode="numeric" required value={value}
           onInput={onInput} problem={problem} hint={m.calls.evaluatorIdHint} />
  );
}

export function Actions({ app, onChanged }: { app: Application; onChanged: () => void }) {
  const m = useMessages();
  const { me } = useSession();
  const [done, setDone] = useState("");
  // The action's form goes away with the state it belonged to: say that it worked, then show the new state.
  const changed = () => { setDone(m.calls.done); onChanged(); };
  const path = { application_id: app.id };
  const move = (to: AppState) => (reason: string) => api.POST("/api/v1/applications/{application_id}/transitions", {
    params: { path }, body: { to, reason: reason.trim() || null },
  });
  const applicant = isApplicant(me, app) && app.state !== "draft";
  const manager = manages(me);
  const items = [];

  if (applicant && app.state === "admitted") {
    items.push(<ActionForm key="definitive" summary={m.calls.definitive} submit={m.calls.definitive} onDone={changed}
      field={{ name: "requested", label: m.calls.definitiveAmount, kind: "amount", hint: m.calls.definitiveHint }}
      run={(amount) => api.POST("/api/v1/applications/{application_id}/definitive", {
        params: { path }, body: { requested: amount.trim() ? toAmount(amount) : null },
      })} />);
  }
  if (applicant && mayWithdraw(app.state)) {
    items.push(<ActionForm key="withdraw" summary={m.calls.withdraw} submit={m.calls.withdraw} danger onDone={changed}
      field={{ name: "reason", label: m.calls.withdrawReason, kind: "text", required: true }} run={move("withdrawn")} />);
  }
  if (manager) {
    for (const to of managerMoves(app.state)) {
      const label = fill(m.calls.moveTo, { state: m.calls.states[to] });
      items.push(<ActionForm key={to} summary={label} submit={label} onDone={changed} danger={NEEDS_REASON.includes(to)}
        field={{ name: "reason", label: m.calls.reason, kind: "text", required: NEEDS_REASON.includes(to) }} run={move(to)} />);
    }
    if (app.state === "admissible" || app.state === "under_evaluation") {
      items.push(<ActionForm key="assign" summary={m.calls.assign} submit={m.calls.assign} onDone={changed}
        field={{ name: "evaluator_id", label: m.calls.evaluatorField, kind: "evaluator", required: true }}
        run={(id) => api.POST("/api/v1/applications/{application_id}/assignments", {
          params: { path }, body: { evaluator_id: (id.trim() ? Number(id) : "") as number },
        })} />);
    }
    if (app.state === "definitive_submitted") {
      items.push(<ActionForm key="fund" summary={m.calls.fund} submit={m.calls.fund} onDone={changed}
        field={{ name: "note", label: m.calls.fundNote, kind: "text" }}
        run={(note) => api.POST("/api/v1/applications/{application_id}/funding", {
          params: { path }, body: { note: note.trim() || null },
        })} />);
    }
    if (mayRevoke(app.state)) {
      items.push(<ActionForm key="revoke" summary={m.calls.revoke} submit={m.calls.revoke} danger onDone={changed}
        field={{ name: "reason", label: m.calls.revokeReason, kind: "text", required: true }}
        run={(reason) => api.POST("/api/v1/applications/{application_id}/revocation", {
          params: { path }, body: { reason: reason.trim() },
        })} />);
    }
  }
  if (items.length === 0) return done ? <p class="notice" role="status">{done}</p> : null;
  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">{m.calls.actions}</h2>
      {done && <p class="notice" role="status">{done}</p>}
      <div class="calls-actions">{items}</div>
    </section>
  );
}
