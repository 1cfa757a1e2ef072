// A funding call's figures: applications by state, province and category, and its budget by funder.
import { api, type Schemas } from "../../api/client";
import { Empty, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { euro, number } from "../../lib/format";
import { setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { BarChart } from "./BarChart";
import { Loads } from "./panels";

type Call = Schemas["CallRead"];

export function CallsPanel({ chosen }: { chosen: string }) {
  const m = useMessages();
  const lang = useLanguage();
  const list = useApi((signal) => api.GET("/api/v1/calls", { signal, params: { query: { limit: 200 } } }), []);
  const calls = list.data?.items ?? [];
  const id = Number(chosen) || calls[0]?.id || 0;
  const stats = useApi((signal) => id
    ? api.GET("/api/v1/stats/calls/{call_id}", { signal, params: { path: { call_id: id } } })
    : null, [id]);
  const title = (c: Call) => (lang === "en" && c.title_en) || c.title_it;
  const apps = (groups: Schemas["ApplicationGroup"][], label: (key: string) => string) => ({
    labels: groups.map((g) => (g.key === "unknown" ? m.dashboards.unknown : label(g.key))),
    series: [{ label: m.dashboards.applications, values: groups.map((g) => g.applications) }],
  });

  return (
    <section class="dashboard" aria-labelledby="dash-calls">
      <h2 id="dash-calls">{m.dashboards.callsTitle}</h2>
      <Loads state={list}>
        {() => calls.length === 0 ? <Empty>{m.dashboards.noCalls}</Empty> : (
          <>
            <Select label={m.dashboards.call} name="call" value={String(id)}
                    options={calls.map((c) => ({ value: String(c.id), label: title(c) }))}
                    onChange={(e) => setQuery({ call: (e.target as HTMLSelectElement).value })} />
            <Loads state={stats}>
              {(s) => (
                <>
                  <p>{fill(m.dashboards.applicationsTotal, { n: number(s.applications, lang) })}</p>
                  <dl class="facts">
                    <dt>{m.dashboards.budget}</dt><dd>{euro(s.budget, lang)}</dd>
                    <dt>{m.dashboards.allocated}</dt><dd>{euro(s.allocated, lang)}</dd>
                    <dt>{m.dashboards.remaining}</dt><dd>{euro(s.remaining, lang)}</dd>
                  </dl>
                  <BarChart id="call-states" title={m.dashboards.byState} horizontal
                            {...apps(s.by_state, (k) => m.dashboards.applicationStates[k] ?? k)} />
                  <div class="chart-grid">
                    <BarChart id="call-provinces" title={m.dashboards.byProvince} {...apps(s.by_province, (k) => k)} />
                    <BarChart id="call-categories" title={m.dashboards.byCategory} {...apps(s.by_category, (k) => k)} />
                  </div>
                  <h3>{m.dashboards.funders}</h3>
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">{m.dashboards.funder}</th>
                          <th scope="col" class="num">{m.dashboards.contribution}</th>
                          <th scope="col" class="num">{m.dashboards.allocated}</th>
                          <th scope="col" class="num">{m.dashboards.remaining}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.funders.map((f) => (
                          <tr key={f.funder_id}>
                            <th scope="row">{f.name}</th>
                            <td class="num">{euro(f.contribution, lang)}</td>
                            <td class="num">{euro(f.allocated, lang)}</td>
                            <td class="num">{euro(f.remaining, lang)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
            </Loads>
          </>
        )}
      </Loads>
    </section>
  );
}
