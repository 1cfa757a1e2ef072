// Earlier runs, newest first, to open one again (the address then names it).
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Empty, Pager } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import { Link } from "../../lib/router";
import { useApi } from "../../lib/useApi";

export function RunsList({ sets, current, round }: { sets: Schemas["CriteriaSetRead"][]; current: number | null; round: number }) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  const [cursor, setCursor] = useState<string | null>(null);
  const [passed, setPassed] = useState<(string | null)[]>([]);
  const runs = useApi((signal) => api.GET("/api/v1/screenings", {
    signal, params: { query: { limit: 10, cursor: cursor ?? undefined } },
  }), [round, cursor]);
  const setName = (id: number) => sets.find((x) => x.id === id)?.name ?? `#${id}`;
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">{s.runs}</h2>
      <Async state={runs}>
        {(page) => page.items.length === 0 ? <Empty>{s.noRuns}</Empty> : (
          <>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{s.runColumn}</th>
                    <th scope="col">{s.set}</th>
                    <th scope="col">{s.when}</th>
                    <th scope="col">{s.state}</th>
                    <th scope="col" class="num">{s.inScope}</th>
                    <th scope="col" class="num">{s.onList}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((r) => (
                    <tr key={r.id} aria-current={r.id === current ? "true" : undefined}>
                      <td><Link href={`/screening?set=${r.criteria_set_id}&version=${r.version}&run=${r.id}`}>
                        {fill(s.runTitle, { id: r.id })}</Link></td>
                      <td>{setName(r.criteria_set_id)} — {fill(s.versionN, { n: r.version })}</td>
                      <td>{dateTime(r.created_at, lang)}</td>
                      <td>{s.statusShort[r.status] ?? r.status}</td>
                      <td class="num">{number(r.entered, lang)}</td>
                      <td class="num">{r.selected === null ? "–" : number((r.selected ?? 0) + (r.needs_review ?? 0), lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager hasPrevious={passed.length > 0} nextCursor={page.next_cursor}
                   onPrevious={() => { setCursor(passed[passed.length - 1] ?? null); setPassed(passed.slice(0, -1)); }}
                   onNext={(next) => { setPassed([...passed, cursor]); setCursor(next); }} />
          </>
        )}
      </Async>
    </section>
  );
}
