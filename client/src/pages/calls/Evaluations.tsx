// An application's evaluations as the caller may see them, and the assigned evaluator's scoring form.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Empty, Field, ProblemBox, TextArea } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import { type Problem, asProblem } from "../../lib/problem";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { type Application, type Call, toAmount, weightedTotal } from "./logic";

type Evaluations = Schemas["EvaluationsRead"];
/** One criterion's score as the evaluator gave it (the API keeps the scores as sent, typed only as an object). */
type Score = Schemas["ScoreIn"];

export function EvaluationsSection({ app, call, onScored }: { app: Application; call: Call; onScored: () => void }) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const [fresh, setFresh] = useState<Evaluations | null>(null);
  const [sent, setSent] = useState(false);
  const loaded = useApi((signal) => api.GET("/api/v1/applications/{application_id}/evaluations", {
    signal, params: { path: { application_id: app.id } },
  }), [app.id, app.version]);
  // A newer read (the application moved) supersedes the answer kept from scoring.
  useEffect(() => setFresh(null), [loaded.data]);
  const state = fresh && fresh.application_id === app.id ? { ...loaded, data: fresh, problem: null } : loaded;
  const who = (id: number) => (me && id === me.id && me.kind === "user" ? m.calls.you : fill(m.calls.evaluatorN, { id }));

  return (
    <section aria-labelledby="evaluations-title">
      <h2 id="evaluations-title">{m.calls.evaluations}</h2>
      <Async state={state}>
        {(ev) => {
          const mine = me?.role === "evaluator" ? ev.evaluations.find((e) => e.evaluator_id === me.id) : undefined;
          const done = ev.evaluations.filter((e) => e.submitted_at).length;
          return (
            <>
              {ev.evaluations.length === 0 ? <Empty>{m.calls.noEvaluations}</Empty> : (
                <>
                  <p>{ev.status === "complete" && ev.score !== null
                    ? fill(m.calls.evaluationComplete, { score: number(Number(ev.score), lang, 3) })
                    : ev.status.includes("third") ? m.calls.thirdNeeded
                      : fill(m.calls.evaluationsIn, { done, of: Math.max(2, ev.evaluations.length) })}</p>
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">{m.calls.evaluator}</th><th scope="col">{m.calls.assignedAt}</th>
                          <th scope="col">{m.calls.scoredAt}</th><th scope="col" class="num">{m.calls.totalScore}</th>
                          {call.criteria.map((c) => <th scope="col" class="num" key={c.code}>{c.name}</th>)}
                        </tr>
                      </thead>
                      <tbody>
                        {ev.evaluations.map((e) => (
                          <tr key={e.evaluator_id}>
                            <td>{who(e.evaluator_id)}</td>
                            <td>{dateTime(e.assigned_at, lang)}</td>
                            <td>{dateTime(e.submitted_at, lang)}</td>
                            <td class="num">{e.total === null ? <span class="source">{e.submitted_at ? m.calls.hidden : "–"}</span>
                              : number(Number(e.total), lang, 3)}</td>
                            {call.criteria.map((c) => {
                              const given = e.scores?.[c.code] as Score | undefined;
                              return (
                                <td class="num" key={c.code} title={given?.comment ?? undefined}>
                                  {given?.score !== undefined ? number(Number(given.score), lang, 3) : "–"}
                                </td>
                              );
                            })}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
              {mine && !mine.submitted_at && (app.state === "under_evaluation"
                ? <ScoringForm app={app} call={call} onDone={(next) => { setFresh(next); setSent(true); onScored(); }} />
                : <p class="notice">{m.calls.notUnderEvaluation}</p>)}
              {sent && <p class="notice" role="status">{m.calls.scoresSent}</p>}
              {mine?.scores && <MyComments scores={mine.scores} call={call} />}
            </>
          );
        }}
      </Async>
    </section>
  );
}

function MyComments({ scores, call }: { scores: Record<string, unknown>; call: Call }) {
  const m = useMessages();
  const lang = useLanguage();
  return (
    <>
      <h3>{m.calls.yourScores}</h3>
      <dl class="facts">
        {call.criteria.map((c) => {
          const given = scores[c.code] as Score | undefined;
          return [
            <dt key={`${c.code}-t`}>{c.name}</dt>,
            <dd key={`${c.code}-d`}>
              {given?.score !== undefined ? number(Number(given.score), lang, 3) : "–"}
              {given?.comment && <> — {given.comment}</>}
            </dd>,
          ];
        })}
      </dl>
    </>
  );
}

/** Every criterion's score (within its maximum) and comment; names are the body's paths, "scores.<code>.score". */
function ScoringForm({ app, call, onDone }: { app: Application; call: Call; onDone: (ev: Evaluations) => void }) {
  const m = useMessages();
  const lang = useLanguage();
  const [scores, setScores] = useState<Record<string, string>>({});
  const [comments, setComments] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const preview = weightedTotal(call.criteria, scores);
  // "scores.<code>" (a criterion left out) belongs beside that criterion's score field.
  const shown = problem && {
    ...problem,
    errors: problem.errors?.map((e) => (/^body\.scores\.[^.]+$/.test(e.field) ? { ...e, field: `${e.field}.score` } : e)),
  };
  const fields = call.criteria.flatMap((c) => [`scores.${c.code}.score`, `scores.${c.code}.comment`]);

  async function send(event: Event) {
    event.preventDefault();
    if (!confirm(m.calls.confirmScores)) return;
    setBusy(true);
    const body: Schemas["ScoresIn"] = { scores: Object.fromEntries(call.criteria.map((c) => [c.code, {
      score: toAmount(scores[c.code] ?? ""), comment: (comments[c.code] ?? "").trim() || null,
    }])) };
    const res = await api.PUT("/api/v1/applications/{application_id}/evaluations/mine", {
      params: { path: { application_id: app.id } }, body,
    });
    setBusy(false);
    if (res.data === undefined) {
      setProblem(asProblem(res.error, res.response));
      return;
    }
    setProblem(null);
    onDone(res.data);
  }

  return (
    <form class="card calls-scoring" onSubmit={send} noValidate aria-labelledby="scoring-title">
      <h3 id="scoring-title">{m.calls.scoring}</h3>
      <p class="source">{m.calls.scoringIntro}</p>
      {call.criteria.map((c) => (
        <fieldset class="calls-group" key={c.code}>
          <legend>{c.name} <span class="source">({m.calls.weight} {number(Number(c.weight), lang, 4)})</span></legend>
          <Field label={fill(m.calls.scoreOf, { name: c.name, max: number(Number(c.max_score), lang, 3) })}
                 name={`scores.${c.code}.score`} required inputMode="decimal" autoComplete="off"
                 value={scores[c.code] ?? ""} problem={shown}
                 onInput={(e) => setScores({ ...scores, [c.code]: (e.target as HTMLInputElement).value })} />
          <TextArea label={fill(m.calls.commentOf, { name: c.name })} name={`scores.${c.code}.comment`} rows={3}
                    maxLength={5000} value={comments[c.code] ?? ""} problem={shown}
                    onInput={(e) => setComments({ ...comments, [c.code]: (e.target as HTMLTextAreaElement).value })} />
        </fieldset>
      ))}
      <p aria-live="polite">{m.calls.preview}: <strong>{preview === null ? "–" : number(preview, lang, 3)}</strong></p>
      <ProblemBox problem={shown} fields={fields} />
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? m.calls.sendingScores : m.calls.sendScores}</button>
      </div>
    </form>
  );
}
