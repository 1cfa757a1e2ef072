// The application's body as a form, to start a draft (POST) or change it (PATCH). Every control's name is its
// path in the API's body ("requested", "budget_lines.0.amount", "partners.1.organization_id"), so the API's
// field errors sit beside the right control.
import { useState } from "preact/hooks";
import type { Schemas } from "../../api/client";
import { Field, ProblemBox, Select, TextArea } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { euro } from "../../lib/format";
import { type Problem, fieldMessages } from "../../lib/problem";
import { type Application, type Call, sumAmounts, toAmount } from "./logic";
import { PartnerPicker, type PartnerRow } from "./PartnerPicker";

export type ApplicationBody = Omit<Schemas["ApplicationCreate"], "call_id">;

interface Values {
  organization_id: string;
  title: string;
  summary: string;
  category: string;
  requested: string;
  budget_lines: { label: string; amount: string }[];
  partners: PartnerRow[];
}

const FIELDS = ["organization_id", "title", "summary", "category", "requested", "budget_lines", "partners"];

function initial(app: Application | null): Values {
  return {
    organization_id: "",
    title: app?.title ?? "",
    summary: app?.summary ?? "",
    category: app?.category ?? "",
    requested: app?.requested ?? "",
    budget_lines: (app?.budget_lines ?? []).map((line) => ({ label: String(line.label ?? ""), amount: String(line.amount ?? "") })),
    partners: (app?.partners ?? []).map((p) => ({ organization_id: p.organization_id, receives_funds: p.receives_funds ?? true })),
  };
}

function bodyOf(values: Values): ApplicationBody {
  const lead = values.organization_id.trim();
  return {
    ...(lead ? { organization_id: Number(lead) } : {}),
    title: values.title.trim(),
    summary: values.summary.trim() || null,
    category: values.category || null,
    requested: toAmount(values.requested),
    budget_lines: values.budget_lines.map((line) => ({ label: line.label.trim(), amount: toAmount(line.amount) })),
    partners: values.partners.map((p) => ({ organization_id: p.organization_id, receives_funds: p.receives_funds })),
  };
}

export function ApplicationForm({ call, app, askLead, submitLabel, busyLabel, onSave, onCancel }: {
  call: Call;
  app: Application | null;
  /** Whether to ask for the lead organization (accounts that have none of their own, i.e. administrators). */
  askLead?: boolean;
  submitLabel: string;
  busyLabel: string;
  onSave: (body: ApplicationBody) => Promise<Problem | null>;
  onCancel?: () => void;
}) {
  const m = useMessages();
  const lang = useLanguage();
  const [values, setValues] = useState<Values>(() => initial(app));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState("");
  const messages = fieldMessages(problem);

  const set = (key: "organization_id" | "title" | "summary" | "category" | "requested") => (e: Event) =>
    setValues({ ...values, [key]: (e.target as HTMLInputElement).value });
  const setLine = (i: number, key: "label" | "amount", value: string) =>
    setValues({ ...values, budget_lines: values.budget_lines.map((l, j) => (j === i ? { ...l, [key]: value } : l)) });

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setNotice("");
    const found = await onSave(bodyOf(values));
    setBusy(false);
    setProblem(found);
    if (!found) setNotice(m.calls.saved);
  }

  const investment = sumAmounts(values.budget_lines.map((l) => l.amount));
  return (
    // noValidate: the API judges the values, and its messages appear beside each field in the same way.
    <form class="calls-form" onSubmit={save} noValidate aria-busy={busy}>
      {askLead && (
        <Field label={m.calls.lead} name="organization_id" inputMode="numeric" value={values.organization_id}
               onInput={set("organization_id")} problem={problem} hint={m.calls.leadHint} />
      )}
      <Field label={m.calls.titleField} name="title" required maxLength={300} value={values.title}
             onInput={set("title")} problem={problem} />
      <TextArea label={m.calls.summary} name="summary" rows={5} maxLength={20000} value={values.summary}
                onInput={set("summary")} problem={problem} />
      {call.categories.length > 0 ? (
        <Select label={m.calls.category} name="category" value={values.category} onChange={set("category")}
                problem={problem}
                options={[{ value: "", label: m.calls.noCategory }, ...call.categories.map((c) => ({ value: c, label: c }))]} />
      ) : (
        <Field label={m.calls.category} name="category" maxLength={100} value={values.category}
               onInput={set("category")} problem={problem} />
      )}
      <Field label={m.calls.requested} name="requested" required inputMode="decimal" autoComplete="off"
             value={values.requested} onInput={set("requested")} problem={problem}
             hint={[m.calls.amountHint, call.max_grant ? `${m.calls.maxGrant}: ${euro(call.max_grant, lang)}` : ""].filter(Boolean).join(" ")} />

      <fieldset class={`calls-group${messages.budget_lines ? " invalid" : ""}`}>
        <legend>{m.calls.budgetLines}</legend>
        <p class="source">{m.calls.budgetLinesHint}</p>
        {values.budget_lines.map((line, i) => (
          <div class="calls-row" key={i}>
            <Field label={`${m.calls.lineLabel} ${i + 1}`} name={`budget_lines.${i}.label`} maxLength={300}
                   value={line.label} onInput={(e) => setLine(i, "label", (e.target as HTMLInputElement).value)}
                   problem={problem} />
            <Field label={`${m.calls.lineAmount} ${i + 1}`} name={`budget_lines.${i}.amount`} inputMode="decimal"
                   value={line.amount} onInput={(e) => setLine(i, "amount", (e.target as HTMLInputElement).value)}
                   problem={problem} />
            <button type="button" class="secondary" aria-label={fill(m.calls.removeLine, { n: i + 1 })}
                    onClick={() => setValues({ ...values, budget_lines: values.budget_lines.filter((_, j) => j !== i) })}>
              ✕
            </button>
          </div>
        ))}
        {messages.budget_lines && <span class="field-error">{messages.budget_lines}</span>}
        <div class="actions">
          <button type="button" class="secondary"
                  onClick={() => setValues({ ...values, budget_lines: [...values.budget_lines, { label: "", amount: "" }] })}>
            + {m.calls.addLine}
          </button>
          <span class="source" aria-live="polite">
            {m.calls.investment}: {investment === null ? "–" : euro(investment, lang)}
            {call.min_investment ? ` (${m.calls.minInvestment}: ${euro(call.min_investment, lang)})` : ""}
          </span>
        </div>
      </fieldset>

      <PartnerPicker partners={values.partners} problem={problem}
                     onChange={(partners) => setValues({ ...values, partners })} />

      <ProblemBox problem={problem} fields={FIELDS} />
      {notice && !busy && <p class="notice" role="status">{notice}</p>}
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? busyLabel : submitLabel}</button>
        {onCancel && <button type="button" class="secondary" onClick={onCancel}>{m.common.cancel}</button>}
      </div>
    </form>
  );
}
