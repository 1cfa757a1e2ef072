// Step 2: which clusters to look at (empty: the whole registry) and the run itself. A small scope is answered at
// once; a large one is queued (202) and followed by the run's own view.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Field, ProblemBox } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { splitList } from "../../lib/format";
import { type Problem, asProblem, collapseLists } from "../../lib/problem";
import { Checkbox, valueOf } from "../registry/edit/controls";

type Kind = Schemas["ClusterKind"];
const KINDS: Kind[] = ["industrial_district", "cluster", "apea", "industrial_park", "supply_chain", "enterprise_network"];

export function RunForm({ set, version, onStarted }: {
  set: Schemas["CriteriaSetRead"]; version: number; onStarted: (id: number) => void;
}) {
  const m = useMessages();
  const s = m.screening;
  const [countries, setCountries] = useState("");
  const [regions, setRegions] = useState("");
  const [kinds, setKinds] = useState<Kind[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(event: Event) {
    event.preventDefault();
    const scope: Schemas["ScopeIn"] = {};
    const c = splitList(countries.toUpperCase());
    const r = splitList(regions.toUpperCase());
    if (c.length) scope.countries = c;
    if (r.length) scope.regions = r;
    if (kinds.length) scope.kinds = kinds;
    setBusy(true);
    const answer = await api.POST("/api/v1/screenings", { body: { criteria_set_id: set.id, version, scope } });
    setBusy(false);
    if (!answer.data) {
      setProblem(collapseLists(asProblem(answer.error, answer.response), { "scope.countries": c, "scope.regions": r }));
      return;
    }
    setProblem(null);
    onStarted(answer.data.id);
  }

  return (
    <section aria-labelledby="scope-title">
      <h2 id="scope-title">{s.step2}</h2>
      <form onSubmit={run} noValidate>
        <p class="source">{s.scopeHelp}</p>
        <div class="grid-fields">
          <Field label={s.countries} name="scope.countries" value={countries} problem={problem} hint={s.countriesHint}
                 onInput={(e) => setCountries(valueOf(e))} />
          <Field label={s.regions} name="scope.regions" value={regions} problem={problem} hint={s.regionsHint}
                 onInput={(e) => setRegions(valueOf(e))} />
        </div>
        <fieldset class="choices">
          <legend>{s.kinds}</legend>
          <div class="check-row">
            {KINDS.map((k) => (
              <Checkbox key={k} name={`kind-${k}`} label={m.common.kinds[k] ?? k} checked={kinds.includes(k)}
                        onChange={(on) => setKinds(on ? [...kinds, k] : kinds.filter((x) => x !== k))} />
            ))}
          </div>
        </fieldset>
        <ProblemBox problem={problem} fields={["scope.countries", "scope.regions"]} />
        <div class="actions">
          <button type="submit" class="primary-action" disabled={busy}>
            {busy ? s.starting : fill(s.run, { name: set.name, version })}
          </button>
        </div>
      </form>
    </section>
  );
}
