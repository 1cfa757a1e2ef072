// The evaluator's desk: the applications assigned to it across calls (the API shows an evaluator only those),
// each with where its own scoring stands, linking to the application's page where the scoring form is.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Empty, Loading, ProblemBox, Progress, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { type Problem, asProblem } from "../../lib/problem";
import { Link, setQuery, useLocation } from "../../lib/router";
import { useSession } from "../../lib/session";
import { everyItem } from "../../lib/paging";
import { type Application, type Call } from "./logic";
import { StateBadge, callTitle } from "./parts";

type Mine = Schemas["EvaluationRead"] | null;
interface Row {
  app: Application;
  mine: Mine;
}
interface Group {
  call: Call;
  rows: Row[];
}
type Scoring = "toScore" | "waiting" | "scored" | "closed" | "notAssigned";

function scoring(row: Row): Scoring {
  if (!row.mine) return "notAssigned";
  if (row.mine.submitted_at) return "scored";
  if (row.app.state === "under_evaluation") return "toScore";
  return row.app.state === "admissible" ? "waiting" : "closed";
}

/** Every item of a list, or the list's problem thrown. */
async function all<T>(read: Parameters<typeof everyItem<T>>[0]): Promise<T[]> {
  const res = await everyItem(read);
  if (res.data === undefined) throw asProblem(res.error, res.response);
  return res.data;
}

function useAssigned(meId: number | undefined) {
  const [state, setState] = useState<{ groups: Group[] | null; problem: Problem | null; done: number; of: number }>({
    groups: null, problem: null, done: 0, of: 0,
  });
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    (async () => {
      const calls = await all<Call>((cursor) => api.GET("/api/v1/calls", { signal, params: { query: { limit: 200, cursor } } }));
      setState((s) => ({ ...s, of: calls.length }));
      const groups: Group[] = [];
      for (const [i, call] of calls.entries()) {
        const apps = await all<Application>((cursor) => api.GET("/api/v1/calls/{call_id}/applications", {
          signal, params: { path: { call_id: call.id }, query: { limit: 200, cursor } },
        }));
        // Each application's evaluations say whether this evaluator's scores are in.
        const rows = await Promise.all(apps.map(async (app) => {
          const ev = await api.GET("/api/v1/applications/{application_id}/evaluations", {
            signal, params: { path: { application_id: app.id } },
          });
          return { app, mine: ev.data?.evaluations.find((e) => e.evaluator_id === meId) ?? null };
        }));
        if (rows.length) groups.push({ call, rows });
        if (!signal.aborted) setState((s) => ({ ...s, done: i + 1 }));
      }
      if (!signal.aborted) setState((s) => ({ ...s, groups, problem: null }));
    })().catch((error: unknown) => {
      if (!signal.aborted) setState((s) => ({ ...s, problem: asProblem(error instanceof Error ? error.message : error) }));
    });
    return () => controller.abort();
  }, [meId]);
  return state;
}

export default function EvaluationsPage() {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const { query } = useLocation();
  const show = (query.get("show") ?? "") as "" | "toScore" | "scored";
  const state = useAssigned(me?.id);
  const label = (row: Row) => {
    const kind = scoring(row);
    return kind === "scored" ? fill(m.calls.scoring_.scored, { date: date(row.mine!.submitted_at, lang) }) : m.calls.scoring_[kind];
  };
  const groups = state.groups?.map((g) => ({ ...g, rows: g.rows.filter((r) => !show || scoring(r) === show) }))
    .filter((g) => g.rows.length > 0);

  return (
    <section>
      <h1>{m.calls.evaluationsTitle}</h1>
      <p>{m.calls.evaluationsIntro}</p>
      <div class="filters">
        <Select label={m.calls.show} name="show" value={show} onChange={(e) => setQuery({ show: (e.target as HTMLSelectElement).value })}
              options={[{ value: "", label: m.calls.showAll }, { value: "toScore", label: m.calls.showToScore },
                        { value: "scored", label: m.calls.showScored }]} />
      </div>
      <ProblemBox problem={state.problem} />
      {!state.groups && !state.problem && (state.of > 0
        ? <Progress value={state.done} max={state.of} label={fill(m.calls.loadingCalls, { done: state.done, of: state.of })} />
        : <Loading />)}
      {groups && groups.length === 0 && <Empty>{m.calls.noAssigned}</Empty>}
      {groups?.map((g) => (
        <section key={g.call.id} aria-labelledby={`call-${g.call.id}`}>
          <h2 id={`call-${g.call.id}`}><Link href={`/calls/${g.call.id}`}>{callTitle(g.call, lang)}</Link></h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.calls.application}</th><th scope="col">{m.calls.province}</th>
                  <th scope="col">{m.calls.state}</th><th scope="col">{m.calls.myScoring}</th>
                </tr>
              </thead>
              <tbody>
                {g.rows.map((r) => (
                  <tr key={r.app.id}>
                    <td><Link href={`/applications/${r.app.id}`}>{r.app.title}</Link></td>
                    <td>{r.app.province ?? "–"}</td>
                    <td><StateBadge state={r.app.state} /></td>
                    <td><span class={`badge ${scoring(r) === "toScore" ? "warn" : scoring(r) === "scored" ? "ok" : ""}`}>{label(r)}</span></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </section>
  );
}
