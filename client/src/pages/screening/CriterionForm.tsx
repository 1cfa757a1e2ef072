// A new criterion from the catalogue, for the common kinds: NACE codes, a comparison of a field, the presence of
// some data, tags. Composite criteria (all / any / not) are for the API: this form keeps to one test.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Field, ProblemBox, Select, TextArea } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { splitList } from "../../lib/format";
import { type Problem, asProblem, collapseLists, localProblem } from "../../lib/problem";
import { useApi } from "../../lib/useApi";
import { valueOf } from "../registry/edit/controls";
import { type Catalogue, type Definition, type FieldName, type Operator, SET_OPERATORS, comparisonValue,
         readCatalogue } from "./catalogue";

type Kind = "nace" | "field" | "has" | "tags";

// The paths the controls below show messages for; anything else goes to the problem box.
const CLAIMED = ["name", "weight", "description", "definition.nace.prefixes", "definition.nace.label", "definition.field",
  "definition.has.what", "definition.tags.tags", "definition.tags.match"];

interface State {
  name: string; description: string; weight: string; kind: Kind;
  prefixes: string; label: string; field: FieldName | ""; op: Operator | ""; value: string;
  what: Schemas["Presence"] | ""; tags: string; match: "any" | "all";
}

const START: State = { name: "", description: "", weight: "", kind: "nace", prefixes: "", label: "", field: "",
  op: "", value: "", what: "", tags: "", match: "any" };

export function CriterionForm({ onCreated, onClose }: { onCreated: (criterion: Schemas["CriterionRead"]) => void; onClose: () => void }) {
  const m = useMessages();
  const c = m.screening.criterion;
  const catalogue = useApi((signal) => api.GET("/api/v1/criteria/catalogue", { signal }), []);
  return (
    <section class="card composer" aria-labelledby="criterion-title">
      <h3 id="criterion-title">{c.title}</h3>
      <p class="source">{c.intro}</p>
      <Async state={catalogue}>
        {(raw) => <Form catalogue={readCatalogue(raw)} onCreated={onCreated} onClose={onClose} />}
      </Async>
    </section>
  );
}

function Form({ catalogue, onCreated, onClose }: { catalogue: Catalogue; onCreated: (criterion: Schemas["CriterionRead"]) => void; onClose: () => void }) {
  const m = useMessages();
  const s = m.screening;
  const c = s.criterion;
  const [state, setState] = useState<State>(() => ({
    ...START, field: catalogue.fields[0]?.field ?? "", op: catalogue.fields[0]?.operators[0] ?? "",
    what: catalogue.presence[0] ?? "",
  }));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState("");
  const field = catalogue.fields.find((f) => f.field === state.field);
  const set = (part: Partial<State>) => { setState({ ...state, ...part }); setCreated(""); };
  const text = (key: keyof State) => (e: Event) => set({ [key]: valueOf(e) } as Partial<State>);

  function definition(): Definition | { field: string; message: string } {
    switch (state.kind) {
      case "nace":
        return { type: "nace", prefixes: splitList(state.prefixes), label: state.label.trim() || null };
      case "field": {
        if (!field || !state.op) return { field: "definition.field", message: c.chooseField };
        const value = comparisonValue(field.type, state.op, state.value);
        if (value === "invalid") {
          return { field: "definition.field", message: field.type === "count" ? c.wholeNumbers : c.giveValue };
        }
        return { type: "field", field: field.field, op: state.op, value };
      }
      case "has":
        return { type: "has", what: state.what as Schemas["Presence"] };
      case "tags":
        return { type: "tags", tags: splitList(state.tags, /\s*,\s*/), match: state.match };
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    const built = definition();
    const weight = state.weight.trim() ? Number(state.weight.replace(",", ".")) : null;
    const local = [
      ...("message" in built ? [built] : []),
      ...(weight !== null && !Number.isFinite(weight) ? [{ field: "weight", message: c.weightNumber }] : []),
    ];
    if (local.length || "message" in built) {
      setProblem(localProblem(c.notSaved, local));
      return;
    }
    setBusy(true);
    const r = await api.POST("/api/v1/criteria", {
      body: { name: state.name.trim(), description: state.description.trim() || null, weight, definition: built },
    });
    setBusy(false);
    if (!r.data) {
      setProblem(collapseLists(asProblem(r.error, r.response), {
        "definition.nace.prefixes": splitList(state.prefixes), "definition.tags.tags": splitList(state.tags, /\s*,\s*/),
      }));
      return;
    }
    setProblem(null);
    setCreated(fill(c.created, { name: r.data.name }));
    setState({ ...START, field: state.field, op: state.op, what: state.what, kind: state.kind });
    onCreated(r.data);
  }

  const KINDS: Kind[] = ["nace", "field", "has", "tags"];
  return (
    <form onSubmit={save} noValidate>
      <div class="grid-fields">
        <Field label={c.name} name="name" required maxLength={200} value={state.name} onInput={text("name")} problem={problem} />
        <Field label={c.weight} name="weight" inputMode="decimal" value={state.weight} onInput={text("weight")}
               problem={problem} hint={c.weightHint} />
      </div>
      <TextArea label={c.description} name="description" rows={2} maxLength={5000} value={state.description}
                onInput={text("description")} problem={problem} />
      <Select label={c.kind} name="definition.type" value={state.kind} problem={problem}
              options={KINDS.map((k) => ({ value: k, label: c.kinds[k] }))}
              onChange={(e) => set({ kind: valueOf(e) as Kind })} />
      {state.kind === "nace" && (
        <div class="grid-fields">
          <Field label={c.prefixes} name="definition.nace.prefixes" required value={state.prefixes}
                 onInput={text("prefixes")} problem={problem} hint={c.prefixesHint} />
          <Field label={c.label} name="definition.nace.label" maxLength={120} value={state.label}
                 onInput={text("label")} problem={problem} hint={c.labelHint} />
        </div>
      )}
      {state.kind === "field" && (
        <div class="grid-fields">
          <Select label={c.field} name="definition.field.field" value={state.field} problem={problem}
                  options={catalogue.fields.map((f) => ({ value: f.field, label: s.words.fields[f.field] ?? f.label }))}
                  onChange={(e) => {
                    const next = catalogue.fields.find((f) => f.field === valueOf(e));
                    // An operator the new field does not take is replaced by its first one.
                    set({ field: next?.field ?? "", op: next?.operators.includes(state.op as Operator) ? state.op : next?.operators[0] ?? "" });
                  }} />
          <Select label={c.op} name="definition.field.op" value={state.op} problem={problem}
                  options={(field?.operators ?? []).map((o) => ({ value: o, label: `${o} — ${s.words.operators[o] ?? o}` }))}
                  onChange={(e) => set({ op: valueOf(e) as Operator })} />
          <Field label={c.value} name="definition.field" required value={state.value} onInput={text("value")}
                 problem={problem} inputMode={field?.type === "count" ? "numeric" : undefined}
                 hint={valueHint(field?.type, state.op, catalogue, c)} />
        </div>
      )}
      {state.kind === "has" && (
        <Select label={c.what} name="definition.has.what" value={state.what} problem={problem}
                options={catalogue.presence.map((p) => ({ value: p, label: s.words.presence[p] ?? p }))}
                onChange={(e) => set({ what: valueOf(e) as Schemas["Presence"] })} />
      )}
      {state.kind === "tags" && (
        <div class="grid-fields">
          <Field label={c.tags} name="definition.tags.tags" required value={state.tags} onInput={text("tags")}
                 problem={problem} hint={c.tagsHint} />
          <Select label={c.match} name="definition.tags.match" value={state.match} problem={problem}
                  options={[{ value: "any", label: s.words.anyOf }, { value: "all", label: s.words.allOf }]}
                  onChange={(e) => set({ match: valueOf(e) as "any" | "all" })} />
        </div>
      )}
      <ProblemBox problem={problem} fields={CLAIMED} />
      {created && <p class="notice" role="status">{created}</p>}
      <div class="actions">
        <button type="submit" disabled={busy}>{c.save}</button>
        <button type="button" class="secondary" onClick={onClose}>{m.common.close}</button>
      </div>
    </form>
  );
}

function valueHint(type: string | undefined, op: Operator | "", catalogue: Catalogue,
                   c: ReturnType<typeof useMessages>["screening"]["criterion"]): string {
  const many = SET_OPERATORS.includes(op as Operator);
  const base = type === "count" ? c.hintCount : type === "country" ? c.hintCountry : type === "nuts" ? c.hintNuts
    : type === "kind" ? fill(c.hintKind, { kinds: catalogue.clusterKinds.join(", ") }) : "";
  return many ? `${base} ${c.hintMany}` : base;
}
