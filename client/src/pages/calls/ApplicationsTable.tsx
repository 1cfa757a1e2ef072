// A call's applications as the caller may see them (the API filters by scope), with filters by state and
// province kept in the address so a view can be shared.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async, Empty, Field, Pager, Select } from "../../components/ui";
import { useLanguage, useMessages } from "../../i18n";
import { dateTime, euro, number } from "../../lib/format";
import { Link, setQuery, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { type AppState, type Application, STATES } from "./logic";
import { StateBadge } from "./parts";

export function ApplicationsTable({ callId, title, intro, filters, emptyText, reloadKey = 0 }: {
  callId: number;
  title: string;
  intro?: string;
  filters: boolean;
  emptyText: string;
  reloadKey?: number;
}) {
  const m = useMessages();
  const { query } = useLocation();
  const state = filters ? (query.get("state") ?? "") : "";
  const province = filters ? (query.get("province") ?? "") : "";
  const cursor = query.get("cursor") ?? "";
  const [passed, setPassed] = useState<string[]>([]);
  const [draft, setDraft] = useState({ state, province });

  const list = useApi((signal) => api.GET("/api/v1/calls/{call_id}/applications", {
    signal, params: { path: { call_id: callId }, query: {
      limit: 50, cursor: cursor || undefined, state: (state || undefined) as AppState | undefined,
      province: province || undefined,
    } },
  }), [callId, state, province, cursor, reloadKey]);

  function apply(event: Event) {
    event.preventDefault();
    setPassed([]);
    setQuery({ state: draft.state, province: draft.province.trim().toUpperCase(), cursor: null });
  }

  return (
    <section aria-labelledby={`apps-${callId}`}>
      <h2 id={`apps-${callId}`}>{title}</h2>
      {intro && <p class="source">{intro}</p>}
      {filters && (
        <form class="filters" role="search" aria-label={m.common.filters} onSubmit={apply}>
          <Select label={m.calls.state} name="state" value={draft.state}
                  onChange={(e) => setDraft({ ...draft, state: (e.target as HTMLSelectElement).value })}
                  options={[{ value: "", label: m.calls.anyState }, ...STATES.map((s) => ({ value: s, label: m.calls.states[s] }))]} />
          <Field label={m.calls.province} name="province" value={draft.province} maxLength={2} size={4}
                 hint={m.calls.provinceHint} problem={list.problem}
                 onInput={(e) => setDraft({ ...draft, province: (e.target as HTMLInputElement).value })} />
          <div class="actions">
            <button type="submit">{m.calls.filter}</button>
            <button type="button" class="secondary" onClick={() => {
              setDraft({ state: "", province: "" }); setPassed([]); setQuery({ state: null, province: null, cursor: null });
            }}>{m.common.reset}</button>
          </div>
        </form>
      )}
      <Async state={list}>
        {(page) => page.items.length === 0 ? <Empty>{emptyText}</Empty> : (
          <>
            <AppsTable items={page.items} />
            <Pager hasPrevious={passed.length > 0} nextCursor={page.next_cursor}
                   onPrevious={() => { const back = passed.slice(0, -1); setPassed(back); setQuery({ cursor: passed[passed.length - 1] || null }); }}
                   onNext={(next) => { setPassed([...passed, cursor]); setQuery({ cursor: next }); }} />
          </>
        )}
      </Async>
    </section>
  );
}

export function AppsTable({ items, ranked = false }: { items: Application[]; ranked?: boolean }) {
  const m = useMessages();
  const lang = useLanguage();
  return (
    <div class="table-wrap">
      <table class="calls-apps">
        <thead>
          <tr>
            {ranked && <th scope="col" class="num">{m.calls.rank}</th>}
            <th scope="col">{m.calls.application}</th>
            <th scope="col">{m.calls.province}</th>
            <th scope="col">{m.calls.category}</th>
            <th scope="col" class="num">{m.calls.requested}</th>
            <th scope="col">{m.calls.state}</th>
            <th scope="col">{m.calls.submittedAt}</th>
            <th scope="col" class="num">{m.calls.score}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id}>
              {ranked && <td class="num">{a.rank ?? "–"}</td>}
              <td><Link href={`/applications/${a.id}`}>{a.title}</Link></td>
              <td>{a.province ?? "–"}</td>
              <td>{a.category ?? "–"}</td>
              <td class="num">{euro(a.requested, lang)}</td>
              <td><StateBadge state={a.state} />{a.reserve && <> <span class="badge warn">{m.calls.reserve}</span></>}</td>
              <td>{dateTime(a.submitted_at, lang)}</td>
              <td class="num">{a.score === null ? "–" : number(Number(a.score), lang, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
