// The dashboards' sections: clusters, organizations, shared EMAS resources, training. Each shows its own
// loading and error state, so one slow or failing endpoint does not hold up the others.
import type { ComponentChildren } from "preact";
import { api, type Schemas } from "../../api/client";
import { Loading, ProblemBox, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date, number, percent } from "../../lib/format";
import { setQuery } from "../../lib/router";
import { type Loaded, useApi } from "../../lib/useApi";
import { BarChart } from "./BarChart";
import { aboutFilters, clusterQuery, type Filters, GROUP_BYS, type GroupBy } from "./filters";

/** A section's three states; a problem only about the filters is shown beside them, so here just a pointer. */
export function Loads<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const m = useMessages();
  if (state.problem) {
    return aboutFilters(state.problem)
      ? <p class="state">{m.dashboards.fixFilters}</p>
      : <ProblemBox problem={state.problem} onRetry={state.reload} />;
  }
  if (!state.data) return <Loading />;
  return <>{children(state.data)}</>;
}

function useGroupLabel(groupBy: GroupBy): (key: string) => string {
  const m = useMessages();
  const lang = useLanguage();
  // Made only when needed: the first Intl.DisplayNames of a page costs a visible moment.
  let countries: Intl.DisplayNames | null = null;
  return (key) => {
    if (key === "unknown") return m.dashboards.unknown;
    if (groupBy === "sector") return m.dashboards.nace[key] ? `${key} ${m.dashboards.nace[key]}` : `NACE ${key}`;
    if (groupBy === "kind") return m.common.kinds[key] ?? key;
    if (groupBy === "size") return fill(m.dashboards.sizeBand, { band: key.replace("-", "–") });
    try {
      countries ??= new Intl.DisplayNames([lang], { type: "region" });
      return countries.of(key) ?? key;
    } catch {
      return key;
    }
  };
}

export function ClustersPanel({ state, groupBy }: { state: Loaded<Schemas["ClusterStats"]>; groupBy: GroupBy }) {
  const m = useMessages();
  const lang = useLanguage();
  const label = useGroupLabel(groupBy);
  return (
    <section class="dashboard" aria-labelledby="dash-clusters">
      <h2 id="dash-clusters">{m.dashboards.clustersTitle}</h2>
      <Select label={m.dashboards.groupBy} name="group_by" value={groupBy}
              options={GROUP_BYS.map((g) => ({ value: g, label: m.dashboards.groupBys[g] }))}
              onChange={(e) => setQuery({ group_by: (e.target as HTMLSelectElement).value })} />
      <Loads state={state}>
        {(s) => (
          <>
            <p>{fill(m.dashboards.clustersTotal, { n: number(s.total, lang) })}{groupBy === "sector" && ` ${m.dashboards.sectorNote}`}</p>
            <BarChart id="clusters" first title={fill(m.dashboards.clustersBy, { by: m.dashboards.groupBys[groupBy] })}
                      labels={s.groups.map((g) => label(g.key))} horizontal={groupBy === "sector"}
                      series={[{ label: m.dashboards.clustersCount, values: s.groups.map((g) => g.count) }]} />
          </>
        )}
      </Loads>
    </section>
  );
}

export function OrganizationsPanel({ filters }: { filters: Filters }) {
  const m = useMessages();
  const lang = useLanguage();
  const state = useApi((signal) => api.GET("/api/v1/stats/organizations", {
    signal, params: { query: { country: filters.country || undefined, region: filters.region || undefined } },
  }), [filters.country, filters.region]);
  return (
    <section class="dashboard" aria-labelledby="dash-organizations">
      <h2 id="dash-organizations">{m.dashboards.organizationsTitle}</h2>
      <Loads state={state}>
        {(s) => (
          <>
            <p>{fill(m.dashboards.organizationsTotal, {
              n: number(s.total, lang), emas: number(s.emas_registered.count, lang), emasShare: percent(s.emas_registered.share, lang),
              iso: number(s.iso14001_certified.count, lang), isoShare: percent(s.iso14001_certified.share, lang),
            })}</p>
            <BarChart id="organizations" title={m.dashboards.organizationsBySize}
                      labels={s.by_size_class.map((g) => m.dashboards.sizeClasses[g.key] ?? g.key)}
                      series={[
                        { label: m.dashboards.organizations, values: s.by_size_class.map((g) => g.count) },
                        { label: m.dashboards.emasRegistered, values: s.by_size_class.map((g) => g.emas_registered) },
                        { label: m.dashboards.isoCertified, values: s.by_size_class.map((g) => g.iso14001_certified) },
                      ]} />
          </>
        )}
      </Loads>
    </section>
  );
}

export function EmasPanel({ filters }: { filters: Filters }) {
  const m = useMessages();
  const lang = useLanguage();
  const query = clusterQuery(filters);
  const state = useApi((signal) => api.GET("/api/v1/stats/emas", { signal, params: { query } }),
    [query.country, query.region, query.sector, query.kind]);
  return (
    <section class="dashboard" aria-labelledby="dash-emas">
      <h2 id="dash-emas">{m.dashboards.emasTitle}</h2>
      <Loads state={state}>
        {(s) => (
          <>
            <p>{fill(m.dashboards.emasTotal, { n: number(s.resources, lang), date: date(s.as_of, lang) })}</p>
            <div class="chart-grid">
              <BarChart id="emas-types" title={m.dashboards.resourcesByType} horizontal
                        labels={s.by_type.map((g) => m.dashboards.resourceTypes[g.key] ?? g.key)}
                        series={[{ label: m.dashboards.resources, values: s.by_type.map((g) => g.count) }]} />
              <BarChart id="emas-states" title={m.dashboards.resourcesByState}
                        labels={s.by_validation_state.map((g) => m.dashboards.validationStates[g.key] ?? g.key)}
                        series={[{ label: m.dashboards.resources, values: s.by_validation_state.map((g) => g.count) }]} />
            </div>
            <BarChart id="emas-adoption" title={m.dashboards.adoption} horizontal percent
                      labels={s.clusters.map((c) => c.name)}
                      series={[{ label: m.dashboards.share, values: s.clusters.map((c) => c.share) }]} />
          </>
        )}
      </Loads>
    </section>
  );
}

export function EventsPanel({ state }: { state: Loaded<Schemas["EventStats"]> }) {
  const m = useMessages();
  return (
    <section class="dashboard" aria-labelledby="dash-events">
      <h2 id="dash-events">{m.dashboards.eventsTitle}</h2>
      <Loads state={state}>
        {(s) => (
          <>
            <BarChart id="event-outputs" title={m.dashboards.outputs} horizontal
                      labels={s.outputs.map((o) => o.title)}
                      series={[
                        { label: m.dashboards.planned, values: s.outputs.map((o) => o.planned) },
                        { label: m.dashboards.held, values: s.outputs.map((o) => o.held) },
                        { label: m.dashboards.scheduled, values: s.outputs.map((o) => o.scheduled) },
                      ]} />
            <BarChart id="event-topics" title={m.dashboards.topics} horizontal
                      labels={s.topics.map((t) => t.topic)}
                      series={[
                        { label: m.dashboards.events, values: s.topics.map((t) => t.events) },
                        { label: m.dashboards.registered, values: s.topics.map((t) => t.registered) },
                        { label: m.dashboards.attended, values: s.topics.map((t) => t.attended) },
                      ]} />
          </>
        )}
      </Loads>
    </section>
  );
}
