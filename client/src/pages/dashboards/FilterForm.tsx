// The filters the statistics endpoints take; applying them writes the query string, which the sections read.
import { useEffect, useState } from "preact/hooks";
import { Field, ProblemBox, Select } from "../../components/ui";
import { useMessages } from "../../i18n";
import type { Problem } from "../../lib/problem";
import { setQuery } from "../../lib/router";
import { FILTER_KEYS, type Filters, KINDS } from "./filters";

export function FilterForm({ filters, problem }: { filters: Filters; problem: Problem | null }) {
  const m = useMessages();
  const [draft, setDraft] = useState(filters);
  // Back and forward change the address: the form follows it.
  useEffect(() => setDraft(filters), [FILTER_KEYS.map((k) => filters[k]).join("|")]);
  const input = (key: keyof Filters) => (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });

  function apply(event: Event) {
    event.preventDefault();
    setQuery({
      country: draft.country.trim().toUpperCase(), region: draft.region.trim().toUpperCase(), sector: draft.sector.trim(),
      kind: draft.kind, from: draft.from, to: draft.to, programme: draft.programme.trim(),
    });
  }

  function reset() {
    setQuery(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])));
  }

  return (
    <form class="filters dashboard-filters" onSubmit={apply} aria-labelledby="dash-filters">
      <h2 id="dash-filters" class="sr-only">{m.dashboards.filters}</h2>
      <Field label={m.dashboards.country} name="country" value={draft.country} onInput={input("country")}
             maxLength={2} size={4} hint={m.dashboards.countryHint} problem={problem} autoComplete="off" />
      <Field label={m.dashboards.region} name="region" value={draft.region} onInput={input("region")}
             maxLength={5} size={6} hint={m.dashboards.regionHint} problem={problem} autoComplete="off" />
      <Field label={m.dashboards.sector} name="sector" value={draft.sector} onInput={input("sector")}
             maxLength={8} size={8} hint={m.dashboards.sectorHint} problem={problem} autoComplete="off" />
      <Select label={m.dashboards.kind} name="kind" value={draft.kind} onChange={input("kind")} problem={problem}
              options={[{ value: "", label: m.dashboards.anyKind }, ...KINDS.map((k) => ({ value: k, label: m.common.kinds[k] ?? k }))]} />
      <Field label={m.dashboards.from} name="from" type="date" value={draft.from} onInput={input("from")} problem={problem} />
      <Field label={m.dashboards.to} name="to" type="date" value={draft.to} onInput={input("to")} problem={problem} />
      <Field label={m.dashboards.programme} name="programme" type="number" min={1} step={1} value={draft.programme}
             onInput={input("programme")} problem={problem} size={6} />
      <div class="actions">
        <button type="submit">{m.dashboards.apply}</button>
        <button type="button" class="secondary" onClick={reset}>{m.dashboards.reset}</button>
      </div>
      <p class="source filters-note">{m.dashboards.appliesTo}</p>
      <ProblemBox problem={problem} fields={[...FILTER_KEYS]} />
    </form>
  );
}
