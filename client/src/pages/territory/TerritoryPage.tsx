// The territorial analysis: waste declared in the MUD by group, the environmental topics ranked for a
// province or sector, and industrial symbiosis leads; administrators also import the source files here. The
// filters live in the query string, so a view can be shared.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import { Field, ProblemBox } from "../../components/ui";
import { useMessages } from "../../i18n";
import type { Problem } from "../../lib/problem";
import { setQuery, useLocation } from "../../lib/router";
import { hasRole, useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { loadChartLibrary } from "../dashboards/BarChart";
import { ImportsPanel } from "./ImportsPanel";
import { FILTER_KEYS, type Filters, readFilters, territoryQuery } from "./logic";
import { SymbiosisPanel, TopicsPanel, WastePanel } from "./panels";

// Chart.js is fetched as soon as this module loads, while the API is answering.
loadChartLibrary();

export default function TerritoryPage() {
  const m = useMessages();
  const { me } = useSession();
  const { query } = useLocation();
  const filters = readFilters(query);
  const q = territoryQuery(filters);
  const waste = useApi((signal) => api.GET("/api/v1/territory/waste", {
    signal, params: { query: { group_by: filters.group_by, ...q } },
  }), [filters.group_by, q.year, q.province, q.ateco]);
  const [round, setRound] = useState(0);
  return (
    <section class="territory">
      <h1>{m.territory.title}</h1>
      <p>{m.territory.intro}</p>
      <FilterForm filters={filters} problem={waste.problem} />
      <WastePanel state={waste} groupBy={filters.group_by} />
      <TopicsPanel filters={filters} round={round} />
      <SymbiosisPanel filters={filters} round={round} />
      {hasRole(me) && <ImportsPanel onImported={() => { waste.reload(); setRound((r) => r + 1); }} />}
    </section>
  );
}

function FilterForm({ filters, problem }: { filters: Filters; problem: Problem | null }) {
  const m = useMessages();
  const t = m.territory;
  const [draft, setDraft] = useState(filters);
  // Back and forward change the address: the form follows it.
  useEffect(() => setDraft(filters), [FILTER_KEYS.map((k) => filters[k]).join("|")]);
  const input = (key: keyof Filters) => (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });
  const fieldProblem = problem?.errors?.some((e) => e.field.startsWith("query.")) ? problem : null;

  function apply(event: Event) {
    event.preventDefault();
    setQuery({ year: draft.year.trim(), province: draft.province.trim().toUpperCase(), ateco: draft.ateco.trim() });
  }

  return (
    <form class="filters dashboard-filters" onSubmit={apply} aria-labelledby="territory-filters">
      <h2 id="territory-filters" class="sr-only">{t.filters}</h2>
      <Field label={t.year} name="year" type="number" min={1993} max={2100} step={1} value={draft.year}
             onInput={input("year")} hint={t.yearHint} problem={fieldProblem} size={6} />
      <Field label={t.province} name="province" value={draft.province} onInput={input("province")} maxLength={2}
             size={4} hint={t.provinceHint} problem={fieldProblem} autoComplete="off" />
      <Field label={t.ateco} name="ateco" value={draft.ateco} onInput={input("ateco")} maxLength={8} size={8}
             hint={t.atecoHint} problem={fieldProblem} autoComplete="off" />
      <div class="actions">
        <button type="submit">{t.apply}</button>
        <button type="button" class="secondary" onClick={() => setQuery({ year: null, province: null, ateco: null })}>
          {t.reset}
        </button>
      </div>
      <ProblemBox problem={fieldProblem} fields={[...FILTER_KEYS, "group_by"]} />
    </form>
  );
}
