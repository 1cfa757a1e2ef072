// Statistics of the register as charts, each with a data table, filtered by the query string. The cluster
// chart comes first and is requested first: it is the one that must be on screen within a second, so the
// other sections ask the API only once it has answered, and Chart.js is fetched while it is answering.
import { api } from "../../api/client";
import { useMessages } from "../../i18n";
import { useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { loadChartLibrary } from "./BarChart";
import { CallsPanel } from "./CallsPanel";
import { clusterQuery, eventsQuery, type Filters, filterProblem, readFilters } from "./filters";
import { FilterForm } from "./FilterForm";
import { ClustersPanel, EmasPanel, EventsPanel, OrganizationsPanel } from "./panels";

function clusterStats(filters: Filters, signal?: AbortSignal) {
  return api.GET("/api/v1/stats/clusters", { signal, params: { query: { group_by: filters.group_by, ...clusterQuery(filters) } } });
}

// The first chart's numbers are asked for the moment this module runs, before the page has even rendered, and
// Chart.js is fetched meanwhile: the network waits overlap the work the browser has to do anyway.
const initial = typeof location === "undefined" ? null : readFilters(new URLSearchParams(location.search));
let early: { key: string; answer: ReturnType<typeof clusterStats> } | null =
  initial && { key: JSON.stringify(initial), answer: clusterStats(initial) };
loadChartLibrary();

export default function DashboardsPage() {
  const m = useMessages();
  const { query } = useLocation();
  const filters = readFilters(query);
  const cq = clusterQuery(filters);
  const eq = eventsQuery(filters);
  const clusters = useApi((signal) => {
    const answer = early?.key === JSON.stringify(filters) ? early.answer : clusterStats(filters, signal);
    early = null;
    return answer;
  }, [filters.group_by, cq.country, cq.region, cq.sector, cq.kind]);
  const firstDone = clusters.data !== null || clusters.problem !== null;
  const events = useApi((signal) => firstDone ? api.GET("/api/v1/stats/events", { signal, params: { query: eq } }) : null,
    [firstDone, eq.start, eq.end, eq.programme_id]);

  return (
    <section class="dashboards">
      <h1>{m.dashboards.title}</h1>
      <p>{m.dashboards.intro}</p>
      <FilterForm filters={filters} problem={filterProblem(clusters.problem, events.problem)} />
      <ClustersPanel state={clusters} groupBy={filters.group_by} />
      {firstDone && (
        <>
          <OrganizationsPanel filters={filters} />
          <EmasPanel filters={filters} />
          <EventsPanel state={events} />
          <CallsPanel chosen={filters.call} />
        </>
      )}
    </section>
  );
}
