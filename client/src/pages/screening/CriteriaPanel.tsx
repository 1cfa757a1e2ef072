// Step 1: the criteria set and version to run, shown phase by phase with each criterion in a line; from here
// a new criterion or a new set / version can be composed.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date, number } from "../../lib/format";
import { setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { describe } from "./catalogue";
import { CriterionForm } from "./CriterionForm";
import { SetComposer } from "./SetComposer";

type CriteriaSet = Schemas["CriteriaSetRead"];
export type Version = Schemas["CriteriaSetVersionRead"];

export function CriteriaPanel({ sets, set, version, onSetsChanged }: {
  sets: CriteriaSet[]; set: CriteriaSet | null; version: number | null; onSetsChanged: () => void;
}) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  const [composing, setComposing] = useState(false);
  const [writing, setWriting] = useState(false);
  const [criteriaRound, setCriteriaRound] = useState(0);
  const versions = useApi((signal) => set ? api.GET("/api/v1/criteria-sets/{set_id}/versions", {
    signal, params: { path: { set_id: set.id } },
  }) : null, [set?.id, set?.latest_version]);
  const current = versions.data?.find((v) => v.number === version) ?? null;

  return (
    <section aria-labelledby="criteria-title">
      <h2 id="criteria-title">{s.step1}</h2>
      {sets.length === 0 ? <p class="state">{s.noSets}</p> : (
        <div class="filters">
          <Select label={s.set} name="criteria_set_id" value={String(set?.id ?? "")}
                  options={sets.map((x) => ({ value: String(x.id), label: x.name }))}
                  onChange={(e) => setQuery({ set: (e.target as HTMLSelectElement).value, version: null, run: null })} />
          {set && (
            <Select label={s.version} name="version" value={String(version ?? "")}
                    options={[...set.versions].reverse().map((v) => ({
                      value: String(v.number),
                      label: `${fill(s.versionN, { n: v.number })} — ${date(v.created_at, lang)}${v.used ? ` (${s.used})` : ""}`,
                    }))}
                    onChange={(e) => setQuery({ version: (e.target as HTMLSelectElement).value })} />
          )}
        </div>
      )}
      {set?.description && (
        <details class="set-description">
          <summary>{s.setDescription}</summary>
          <p>{set.description}</p>
        </details>
      )}
      {set && (
        <Async state={versions}>
          {() => current ? <Phases version={current} /> : <p class="state">{s.noVersion}</p>}
        </Async>
      )}
      {set && current && (
        <p class="source">{fill(s.versionFacts, {
          unknown: s.unknownAs[current.unknown_as] ?? current.unknown_as,
          reported: current.reported_population === null ? "–" : number(current.reported_population, lang),
        })}</p>
      )}
      <div class="actions">
        <button type="button" class="secondary" aria-expanded={composing} onClick={() => setComposing(!composing)}>
          {composing ? s.closeComposer : s.compose}
        </button>
        <button type="button" class="secondary" aria-expanded={writing} onClick={() => setWriting(!writing)}>
          {writing ? s.closeCriterion : s.newCriterion}
        </button>
      </div>
      {writing && (
        <CriterionForm onCreated={() => setCriteriaRound((r) => r + 1)} onClose={() => setWriting(false)} />
      )}
      {composing && (
        <SetComposer set={set} base={current} criteriaRound={criteriaRound}
                     onCreated={(setId, n) => {
                       onSetsChanged();
                       setComposing(false);
                       setQuery({ set: setId, version: n, run: null });
                     }} />
      )}
    </section>
  );
}

function Phases({ version }: { version: Version }) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  return (
    <>
      {version.note && <p class="source">{version.note}</p>}
      <ol class="phases">
        {version.phases.map((phase) => (
          <li key={phase.position}>
            <strong>{phase.name}</strong>{" "}
            <span class="badge">{s.modes[phase.mode] ?? phase.mode}</span>{" "}
            <span class="badge">{phase.combine === "any" ? s.combineAny : s.combineAll}</span>
            {phase.reported_count !== null && (
              <span class="source"> {fill(s.reportedCount, { n: number(phase.reported_count, lang) })}</span>
            )}
            <ul>
              {phase.criteria.map((c) => (
                <li key={c.id}>
                  {c.name} <code class="definition">{describe(c.definition, s.words)}</code>
                  {c.weight !== null && <span class="source"> {fill(s.weightIs, { w: number(c.weight, lang, 2) })}</span>}
                  {c.description && (
                    <details>
                      <summary>{s.criterionText}</summary>
                      <p class="source">{c.description}</p>
                    </details>
                  )}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </>
  );
}
