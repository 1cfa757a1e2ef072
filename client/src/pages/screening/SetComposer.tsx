// Composing a criteria set: a new set, or the next version of the chosen one (starting from the version shown).
// Phases are ordered; each keeps (filter) or adds (include) the clusters its saved criteria pass, all or any.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Field, ProblemBox, Select, TextArea } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { type Problem, asProblem, collapseLists, fieldMessages, localProblem } from "../../lib/problem";
import { useApi } from "../../lib/useApi";
import { GroupError, valueOf } from "../registry/edit/controls";
import { parseCount } from "../registry/edit/draft";
import type { Version } from "./CriteriaPanel";

type CriteriaSet = Schemas["CriteriaSetRead"];
type Criterion = Schemas["CriterionRead"];
type Mode = Schemas["PhaseMode"];
type UnknownAs = Schemas["UnknownAs"];

interface PhaseDraft { name: string; mode: Mode; combine: "all" | "any"; criteria: number[]; reported: string }
interface Draft {
  target: "new" | "version"; name: string; description: string; unknownAs: UnknownAs; population: string; note: string;
  phases: PhaseDraft[];
}

const EMPTY_PHASE: PhaseDraft = { name: "", mode: "filter", combine: "all", criteria: [], reported: "" };

function start(set: CriteriaSet | null, base: Version | null): Draft {
  return {
    target: set ? "version" : "new", name: "", description: "", unknownAs: base?.unknown_as ?? "review",
    population: base?.reported_population == null ? "" : String(base.reported_population), note: base?.note ?? "",
    phases: base ? base.phases.map((p) => ({
      name: p.name, mode: p.mode, combine: p.combine === "any" ? "any" : "all", criteria: p.criteria.map((c) => c.id),
      reported: p.reported_count == null ? "" : String(p.reported_count),
    })) : [{ ...EMPTY_PHASE }],
  };
}

export function SetComposer({ set, base, criteriaRound, onCreated }: {
  set: CriteriaSet | null; base: Version | null; criteriaRound: number; onCreated: (setId: number, version: number) => void;
}) {
  const s = useMessages().screening;
  const criteria = useApi((signal) => api.GET("/api/v1/criteria", { signal, params: { query: { limit: 200 } } }),
    [criteriaRound]);
  return (
    <section class="card composer" aria-labelledby="composer-title">
      <h3 id="composer-title">{s.composer.title}</h3>
      <Async state={criteria}>
        {(page) => <Composer set={set} base={base} criteria={page.items} onCreated={onCreated} />}
      </Async>
    </section>
  );
}

function Composer({ set, base, criteria, onCreated }: {
  set: CriteriaSet | null; base: Version | null; criteria: Criterion[]; onCreated: (setId: number, version: number) => void;
}) {
  const m = useMessages();
  const s = m.screening;
  const c = s.composer;
  const [draft, setDraft] = useState<Draft>(() => start(set, base));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const patch = (part: Partial<Draft>) => setDraft({ ...draft, ...part });
  const phase = (i: number, part: Partial<PhaseDraft>) =>
    patch({ phases: draft.phases.map((p, j) => (j === i ? { ...p, ...part } : p)) });
  const name = (id: number) => criteria.find((x) => x.id === id)?.name ?? `#${id}`;

  useEffect(() => {
    if (problem?.errors?.length) (document.querySelector(".composer .invalid :is(input, select, textarea)") as HTMLElement | null)?.focus();
  }, [problem]);

  async function save(event: Event) {
    event.preventDefault();
    const local: { field: string; message: string }[] = [];
    const count = (text: string, field: string) => {
      const n = parseCount(text);
      if (n === "invalid") local.push({ field, message: c.wholeNumber });
      return n === "invalid" ? null : n;
    };
    const version: Schemas["VersionIn"] = {
      unknown_as: draft.unknownAs, reported_population: count(draft.population, "reported_population"),
      note: draft.note.trim() || null,
      phases: draft.phases.map((p, i) => ({
        name: p.name.trim(), mode: p.mode, combine: p.combine, criteria: p.criteria,
        reported_count: count(p.reported, `phases.${i}.reported_count`),
      })),
    };
    if (local.length) {
      setProblem(localProblem(c.notSaved, local));
      return;
    }
    setBusy(true);
    const r = draft.target === "version" && set
      ? await api.POST("/api/v1/criteria-sets/{set_id}/versions", { params: { path: { set_id: set.id } }, body: version })
      : await api.POST("/api/v1/criteria-sets", {
        body: { ...version, name: draft.name.trim(), description: draft.description.trim() || null },
      });
    setBusy(false);
    if (!r.data) {
      const lists: Record<string, string[]> = {};
      draft.phases.forEach((p, i) => { lists[`phases.${i}.criteria`] = p.criteria.map(name); });
      setProblem(collapseLists(asProblem(r.error, r.response), lists));
      return;
    }
    setProblem(null);
    const made = r.data;
    if ("set_id" in made) onCreated(made.set_id, made.number);
    else onCreated(made.id, made.latest_version);
  }

  const claimed = ["name", "description", "unknown_as", "reported_population", "note", "phases"];
  return (
    <form onSubmit={save} noValidate>
      {set && (
        <fieldset>
          <legend>{c.what}</legend>
          <div class="field check">
            <input type="radio" id="target-version" name="target" checked={draft.target === "version"}
                   onChange={() => patch({ target: "version" })} />
            <label for="target-version">{fill(c.newVersion, { name: set.name })}</label>
          </div>
          <div class="field check">
            <input type="radio" id="target-new" name="target" checked={draft.target === "new"}
                   onChange={() => patch({ target: "new" })} />
            <label for="target-new">{c.newSet}</label>
          </div>
        </fieldset>
      )}
      {draft.target === "new" && (
        <>
          <Field label={c.name} name="name" required maxLength={200} value={draft.name} problem={problem}
                 onInput={(e) => patch({ name: valueOf(e) })} />
          <TextArea label={c.description} name="description" rows={2} maxLength={5000} value={draft.description}
                    problem={problem} onInput={(e) => patch({ description: valueOf(e) })} />
        </>
      )}
      <div class="grid-fields">
        <Select label={c.unknownAs} name="unknown_as" value={draft.unknownAs} problem={problem}
                options={(["review", "pass", "fail"] as UnknownAs[]).map((u) => ({ value: u, label: s.unknownAs[u] }))}
                onChange={(e) => patch({ unknownAs: valueOf(e) as UnknownAs })} />
        <Field label={c.population} name="reported_population" inputMode="numeric" value={draft.population}
               problem={problem} hint={c.populationHint} onInput={(e) => patch({ population: valueOf(e) })} />
      </div>
      <TextArea label={c.note} name="note" rows={2} maxLength={5000} value={draft.note} problem={problem}
                onInput={(e) => patch({ note: valueOf(e) })} />

      <h4>{c.phases}</h4>
      <GroupError problem={problem} name="phases" />
      <ol class="repeat">
        {draft.phases.map((p, i) => (
          <li key={i}>
            <fieldset>
              <legend>{fill(c.phaseN, { n: i + 1 })}</legend>
              <div class="grid-fields">
                <Field label={c.phaseName} name={`phases.${i}.name`} required maxLength={200} value={p.name}
                       problem={problem} onInput={(e) => phase(i, { name: valueOf(e) })} />
                <Select label={c.mode} name={`phases.${i}.mode`} value={p.mode} problem={problem}
                        options={(["filter", "include"] as Mode[]).map((x) => ({ value: x, label: s.modeHelp[x] }))}
                        onChange={(e) => phase(i, { mode: valueOf(e) as Mode })} />
                <Select label={c.combine} name={`phases.${i}.combine`} value={p.combine} problem={problem}
                        options={[{ value: "all", label: s.combineAll }, { value: "any", label: s.combineAny }]}
                        onChange={(e) => phase(i, { combine: valueOf(e) as "all" | "any" })} />
                <Field label={c.reported} name={`phases.${i}.reported_count`} inputMode="numeric" value={p.reported}
                       problem={problem} hint={c.reportedHint} onInput={(e) => phase(i, { reported: valueOf(e) })} />
              </div>
              <CriteriaChoice criteria={criteria} chosen={p.criteria} problem={problem} name={`phases.${i}.criteria`}
                              legend={fill(c.criteriaOf, { n: i + 1 })}
                              onChange={(ids) => phase(i, { criteria: ids })} />
              <div class="actions">
                <button type="button" class="secondary" disabled={i === 0}
                        onClick={() => patch({ phases: move(draft.phases, i, i - 1) })}>↑ {fill(c.moveUp, { n: i + 1 })}</button>
                <button type="button" class="secondary" disabled={i === draft.phases.length - 1}
                        onClick={() => patch({ phases: move(draft.phases, i, i + 1) })}>↓ {fill(c.moveDown, { n: i + 1 })}</button>
                <button type="button" class="secondary" disabled={draft.phases.length === 1}
                        onClick={() => patch({ phases: draft.phases.filter((_, j) => j !== i) })}>
                  {fill(c.removePhase, { n: i + 1 })}
                </button>
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <button type="button" class="secondary" onClick={() => patch({ phases: [...draft.phases, { ...EMPTY_PHASE }] })}>
        + {c.addPhase}
      </button>
      {Object.keys(fieldMessages(problem)).length > 0 && <p class="problem" role="alert">{c.fixFields}</p>}
      <ProblemBox problem={problem} fields={claimed} />
      <div class="actions">
        <button type="submit" disabled={busy}>{draft.target === "version" ? c.saveVersion : c.saveSet}</button>
      </div>
    </form>
  );
}

function CriteriaChoice({ criteria, chosen, problem, name, legend, onChange }: {
  criteria: Criterion[]; chosen: number[]; problem: Problem | null; name: string; legend: string;
  onChange: (ids: number[]) => void;
}) {
  const message = fieldMessages(problem)[name];
  return (
    <fieldset class={`choices${message ? " invalid" : ""}`}>
      <legend>{legend}</legend>
      {message && <p class="field-error">{message}</p>}
      {criteria.map((criterion) => {
        const id = `${name}-${criterion.id}`;
        return (
          <div class="field check" key={criterion.id}>
            <input type="checkbox" id={id} checked={chosen.includes(criterion.id)}
                   onChange={(e) => onChange((e.target as HTMLInputElement).checked
                     ? [...chosen, criterion.id] : chosen.filter((x) => x !== criterion.id))} />
            <label for={id}>{criterion.name}</label>
          </div>
        );
      })}
    </fieldset>
  );
}

function move<T>(list: T[], from: number, to: number): T[] {
  const out = [...list];
  [out[from], out[to]] = [out[to], out[from]];
  return out;
}
