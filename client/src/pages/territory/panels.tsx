// The territory screen's sections: waste by group (chart and table, suppressed groups said without figures),
// topics ranked for the filters' territory, and symbiosis leads for a cluster or a province. Each shows its own
// loading and error state.
import { type ComponentChildren, Fragment } from "preact";
import { api, type Schemas } from "../../api/client";
import { Empty, Loading, ProblemBox, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number, percent } from "../../lib/format";
import { Link, setQuery } from "../../lib/router";
import { type Loaded, useApi } from "../../lib/useApi";
import { BarChart } from "../dashboards/BarChart";
import { aboutFilters } from "../dashboards/filters";
import { chartable, ewcCode, figureKind, type Filters, GROUP_BYS, type GroupBy, groupLabel, territoryQuery } from "./logic";

/** A section's three states; a problem only about the filters is shown beside them, so here just a pointer. */
function Loads<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const m = useMessages();
  if (state.problem) {
    return aboutFilters(state.problem)
      ? <p class="state">{m.territory.fixFilters}</p>
      : <ProblemBox problem={state.problem} onRetry={state.reload} />;
  }
  if (!state.data) return <Loading />;
  return <>{children(state.data)}</>;
}

export function WastePanel({ state, groupBy }: { state: Loaded<Schemas["WasteStats"]>; groupBy: GroupBy }) {
  const m = useMessages();
  const t = m.territory;
  const lang = useLanguage();
  const by = t.groupBys[groupBy];
  const label = (g: Schemas["WasteGroup"]) => groupLabel(g, groupBy, m.dashboards.nace, t.unknown);
  return (
    <section class="dashboard" aria-labelledby="territory-waste">
      <h2 id="territory-waste">{t.wasteTitle}</h2>
      <Select label={t.groupBy} name="group_by" value={groupBy}
              options={GROUP_BYS.map((g) => ({ value: g, label: t.groupBys[g] }))}
              onChange={(e) => setQuery({ group_by: (e.target as HTMLSelectElement).value })} />
      <Loads state={state}>
        {(s) => {
          const drawn = chartable(s.groups);
          return (
            <>
              <p>{s.year ? fill(t.wasteLine, { year: s.year, n: s.min_firms }) : t.wasteLineNoYear}</p>
              {s.demo && <p class="notice">{t.demoNote}</p>}
              {s.groups.length === 0 ? <Empty>{t.noGroups}</Empty> : (
                <>
                  <BarChart id="waste" first title={fill(t.chartTitle, { by })} horizontal={groupBy !== "province"} digits={1}
                            labels={drawn.map(label)}
                            series={[{ label: t.tonnesProduced, values: drawn.map((g) => g.tonnes_produced ?? 0) }]} />
                  <div class="table-wrap">
                    <table class="waste-table">
                      <caption>{fill(t.tableTitle, { by })}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t.group}</th>
                          <th scope="col" class="num">{t.firms}</th>
                          <th scope="col" class="num">{t.produced}</th>
                          <th scope="col" class="num">{t.managed}</th>
                          <th scope="col" class="num">{t.hazardousShare}</th>
                          <th scope="col">{t.topStreams}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.groups.map((g) => (
                          <tr key={g.key} class={g.suppressed ? "suppressed" : undefined}>
                            <th scope="row">{label(g)}</th>
                            {g.suppressed ? (
                              <td colSpan={5}>
                                <span class="badge">{fill(t.suppressed, { n: s.min_firms })}</span>
                                <span class="sr-only"> {fill(t.suppressedNote, { n: s.min_firms })}</span>
                              </td>
                            ) : (
                              <>
                                <td class="num">{number(g.declaring_firms, lang)}</td>
                                <td class="num">{number(g.tonnes_produced, lang, 1)}</td>
                                <td class="num">{number(g.tonnes_managed, lang, 1)}</td>
                                <td class="num">{percent(g.hazardous_share, lang)}</td>
                                <td>
                                  {g.top_streams.length === 0 ? "–" : (
                                    <ul class="plain">
                                      {g.top_streams.map((st) => (
                                        <li key={st.ewc_code}>
                                          {fill(t.streamLine, {
                                            code: ewcCode(st.ewc_code, st.hazardous), title: st.title ?? "",
                                            tonnes: number(st.tonnes, lang, 1), firms: number(st.firms, lang),
                                          })}
                                        </li>
                                      ))}
                                    </ul>
                                  )}
                                </td>
                              </>
                            )}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
            </>
          );
        }}
      </Loads>
    </section>
  );
}

export function TopicsPanel({ filters, round }: { filters: Filters; round: number }) {
  const m = useMessages();
  const t = m.territory;
  const lang = useLanguage();
  const q = territoryQuery(filters);
  const state = useApi((signal) => api.GET("/api/v1/territory/topics", { signal, params: { query: q } }),
    [q.year, q.province, q.ateco, round]);
  const where = [q.province && fill(t.provinceWhere, { p: q.province }), q.ateco && fill(t.atecoWhere, { a: q.ateco })]
    .filter(Boolean).join(", ") || t.wholeData;
  const figure = (key: string, value: number | null | undefined) => {
    const kind = figureKind(key);
    return kind === "share" ? percent(value, lang) : number(value, lang, kind === "tonnes" ? 1 : 0);
  };
  return (
    <section class="dashboard" aria-labelledby="territory-topics">
      <h2 id="territory-topics">{t.topicsTitle}</h2>
      <Loads state={state}>
        {(r) => (
          <>
            <p>{fill(t.topicsFor, { where, year: r.year ?? "–" })}</p>
            {!q.province && <p class="source">{t.topicsHint}</p>}
            <ol class="topics">
              {r.topics.map((topic) => (
                <li key={topic.topic} class="card">
                  <h3>{topic.rank}. {t.topics[topic.topic] ?? topic.topic}</h3>
                  <p>
                    <strong>{t.score}:</strong>{" "}
                    {topic.score === null || topic.score === undefined
                      ? <span class="badge">{t.notScored}</span> : number(topic.score, lang, 2)}
                  </p>
                  <p class="source">
                    {t.basis}:{" "}
                    {t.bases[topic.basis_code]
                      ? fill(t.bases[topic.basis_code], { n: r.min_firms })
                      : <span lang="en">{topic.basis}</span>}
                  </p>
                  {Object.keys(topic.figures).length > 0 && (
                    <dl class="facts">
                      {Object.entries(topic.figures).map(([key, value]) => (
                        <Fragment key={key}>
                          <dt>{t.figures[key] ?? key}</dt>
                          <dd>{figure(key, value)}</dd>
                        </Fragment>
                      ))}
                    </dl>
                  )}
                  <h4>{t.plannedEvents}</h4>
                  {topic.planned_events.length === 0 ? <p class="state">{t.noEvents}</p> : (
                    <ul>
                      {topic.planned_events.map((e) => (
                        <li key={e.id}>
                          <Link href={`/events/${e.id}`}>{e.title}</Link>
                          {e.starts_at && <span class="source"> {dateTime(e.starts_at, lang)}</span>}
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          </>
        )}
      </Loads>
    </section>
  );
}

export function SymbiosisPanel({ filters, round }: { filters: Filters; round: number }) {
  const m = useMessages();
  const t = m.territory;
  const lang = useLanguage();
  const q = territoryQuery(filters);
  const clusterId = /^\d+$/.test(filters.cluster) ? Number(filters.cluster) : undefined;
  const clusters = useApi((signal) => api.GET("/api/v1/clusters", { signal, params: { query: { limit: 200, sort: "name" } } }), []);
  const scope = clusterId ? { cluster_id: clusterId } : q.province ? { province: q.province } : null;
  const state = useApi((signal) => scope ? api.GET("/api/v1/territory/symbiosis", {
    signal, params: { query: { ...scope, year: q.year } },
  }) : null, [clusterId, q.province, q.year, round]);
  return (
    <section class="dashboard" aria-labelledby="territory-symbiosis">
      <h2 id="territory-symbiosis">{t.symbiosisTitle}</h2>
      <p>{t.symbiosisIntro}</p>
      <Select label={t.cluster} name="cluster" value={clusterId ? String(clusterId) : ""}
              onChange={(e) => setQuery({ cluster: (e.target as HTMLSelectElement).value })}
              options={[{ value: "", label: t.provinceOfFilters },
                        ...(clusters.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))]} />
      {!scope ? <p class="state">{t.chooseScope}</p> : (
        <Loads state={state}>
          {(s) => s.leads.length === 0 ? <Empty>{fill(t.noLeads, { t: number(s.min_tonnes, lang, 1) })}</Empty> : (
            <>
              {s.demo && <p class="notice">{t.demoNote}</p>}
              <ul class="leads">
                {s.leads.map((lead) => (
                  <li key={lead.ewc_code} class="card">
                    <h3>
                      {ewcCode(lead.ewc_code, lead.hazardous)} {lead.title ?? ""}
                      {lead.hazardous && <> <span class="badge warn">{t.hazardous}</span></>}
                    </h3>
                    <p>{fill(t.leadLine, { tonnes: number(lead.tonnes, lang, 1), firms: number(lead.firms, lang) })}</p>
                    <h4>{t.receivers}</h4>
                    {lead.receivers.length === 0 ? <p class="state">{t.noReceivers}</p> : (
                      <ul>
                        {lead.receivers.map((r) => (
                          <li key={r.nace_code}>
                            <strong>{fill(t.sector, { code: r.nace_code })}</strong>
                            {m.dashboards.nace[r.nace_code.slice(0, 2)] && ` (${m.dashboards.nace[r.nace_code.slice(0, 2)]})`}
                            {r.material && ` — ${r.material}`}
                            {r.illustrative && <> <span class="badge">{t.illustrativeMapping}</span></>}
                            {r.clusters.length > 0 && (
                              <p>
                                {t.receivingClusters}:{" "}
                                {r.clusters.map((c, i) => (
                                  <span key={String(c.id)}>
                                    {i > 0 && ", "}<Link href={`/clusters/${c.id}`}>{String(c.name)}</Link>
                                  </span>
                                ))}
                              </p>
                            )}
                            {r.firms.length > 0 && (
                              <p>
                                {t.receivingFirms}:{" "}
                                {r.firms.map((f) => `${String(f.name)}${f.province ? ` (${f.province})` : ""}`).join(", ")}
                              </p>
                            )}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Loads>
      )}
    </section>
  );
}
