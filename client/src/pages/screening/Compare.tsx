// How this run differs from an earlier one: the clusters that came onto the list, left it, or changed outcome.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Empty, Pager, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import { Link } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { valueOf } from "../registry/edit/controls";
import { OutcomeBadge } from "./OutcomeBadge";

type Change = "entered" | "left" | "changed";
const CHANGES: Change[] = ["entered", "left", "changed"];

export function Compare({ run, sets, round }: { run: Schemas["ScreeningRead"]; sets: Schemas["CriteriaSetRead"][]; round: number }) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  const runs = useApi((signal) => api.GET("/api/v1/screenings", { signal, params: { query: { limit: 50 } } }), [round]);
  const [other, setOther] = useState("");
  const [change, setChange] = useState<Change | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [passed, setPassed] = useState<(string | null)[]>([]);
  const otherId = Number(other) || null;
  const compared = useApi((signal) => otherId ? api.GET("/api/v1/screenings/{screening_id}/compare/{other_id}", {
    signal, params: { path: { screening_id: otherId, other_id: run.id },
                      query: { change: change ?? undefined, cursor: cursor ?? undefined, limit: 50 } },
  }) : null, [otherId, run.id, change, cursor]);
  const setName = (id: number) => sets.find((x) => x.id === id)?.name ?? `#${id}`;
  const restart = () => { setCursor(null); setPassed([]); };

  return (
    <section aria-labelledby="compare-title">
      <h3 id="compare-title">{s.compare}</h3>
      <Async state={runs}>
        {(page) => {
          const earlier = page.items.filter((r) => r.id !== run.id && r.status === "done");
          if (earlier.length === 0) return <Empty>{s.noEarlier}</Empty>;
          return (
            <Select label={s.compareWith} name="compare" value={other}
                    options={[{ value: "", label: s.chooseRun }, ...earlier.map((r) => ({
                      value: String(r.id),
                      label: fill(s.runOption, { id: r.id, set: setName(r.criteria_set_id), version: r.version,
                                                 when: dateTime(r.created_at, lang) }),
                    }))]}
                    onChange={(e) => { setOther(valueOf(e)); setChange(null); restart(); }} />
          );
        }}
      </Async>
      {otherId && (
        <Async state={compared}>
          {(c) => (
            <>
              <p>{fill(s.compareLine, { before: c.before, after: c.after })}</p>
              <div class="actions" role="group" aria-label={s.changeFilter}>
                <button type="button" class="secondary" aria-pressed={change === null}
                        onClick={() => { setChange(null); restart(); }}>{s.allChanges}</button>
                {CHANGES.map((k) => (
                  <button type="button" key={k} class="secondary" aria-pressed={change === k}
                          onClick={() => { setChange(k); restart(); }}>
                    {s.changes[k]} ({number(c.counts[k] ?? 0, lang)})
                  </button>
                ))}
              </div>
              {c.items.length === 0 ? <Empty>{s.noChanges}</Empty> : (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{m.registry.name}</th>
                        <th scope="col">{s.change}</th>
                        <th scope="col">{fill(s.inRun, { id: c.before })}</th>
                        <th scope="col">{fill(s.inRun, { id: c.after })}</th>
                        <th scope="col" class="num">{s.score}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {c.items.map((item) => (
                        <tr key={item.cluster_id}>
                          <td><Link href={`/clusters/${item.cluster_id}`}>{item.name}</Link></td>
                          <td>{s.changes[item.change as Change] ?? item.change}</td>
                          <td>{item.outcome_before ? <OutcomeBadge outcome={item.outcome_before} /> : s.absent}</td>
                          <td>{item.outcome_after ? <OutcomeBadge outcome={item.outcome_after} /> : s.absent}</td>
                          <td class="num">
                            {item.score_before === null ? "–" : number(item.score_before, lang, 2)} → {" "}
                            {item.score_after === null ? "–" : number(item.score_after, lang, 2)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <Pager hasPrevious={passed.length > 0} nextCursor={c.next_cursor}
                     onPrevious={() => { setCursor(passed[passed.length - 1] ?? null); setPassed(passed.slice(0, -1)); }}
                     onNext={(next) => { setPassed([...passed, cursor]); setCursor(next); }} />
            </>
          )}
        </Async>
      )}
    </section>
  );
}
