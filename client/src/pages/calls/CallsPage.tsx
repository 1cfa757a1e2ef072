// The public list of funding calls: each with where it stands today, its dates, budget and categories.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async, Empty, Pager } from "../../components/ui";
import { useLanguage, useMessages } from "../../i18n";
import { date, euro } from "../../lib/format";
import { Link, setQuery, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import type { Call } from "./logic";
import { CallStatusBadge, callTitle } from "./parts";

export default function CallsPage() {
  const m = useMessages();
  const { query } = useLocation();
  const cursor = query.get("cursor") ?? "";
  const [passed, setPassed] = useState<string[]>([]);
  const calls = useApi((signal) => api.GET("/api/v1/calls", {
    signal, params: { query: { limit: 20, cursor: cursor || undefined } },
  }), [cursor]);

  return (
    <section>
      <h1>{m.calls.title}</h1>
      <p>{m.calls.intro}</p>
      <Async state={calls}>
        {(page) => page.items.length === 0 ? <Empty>{m.calls.noCalls}</Empty> : (
          <>
            <ul class="calls-list" aria-label={m.calls.callsList}>
              {page.items.map((call) => <CallCard key={call.id} call={call} />)}
            </ul>
            <Pager hasPrevious={passed.length > 0} nextCursor={page.next_cursor}
                   onPrevious={() => { const back = passed.slice(0, -1); setPassed(back); setQuery({ cursor: passed[passed.length - 1] || null }); }}
                   onNext={(next) => { setPassed([...passed, cursor]); setQuery({ cursor: next }); }} />
          </>
        )}
      </Async>
    </section>
  );
}

function CallCard({ call }: { call: Call }) {
  const m = useMessages();
  const lang = useLanguage();
  const dated = call.phases.filter((p) => p.opens_at || p.closes_at);
  return (
    <li class="card">
      <h2><Link href={`/calls/${call.id}`}>{callTitle(call, lang)}</Link></h2>
      <p><CallStatusBadge call={call} />{call.is_demo && <> <span class="badge">{m.calls.demo}</span></>}</p>
      <dl class="facts">
        <dt>{m.calls.budget}</dt>
        <dd>{euro(call.budget, lang)}</dd>
        {call.categories.length > 0 && <><dt>{m.calls.categories}</dt><dd>{call.categories.join(", ")}</dd></>}
        <dt>{m.calls.phases}</dt>
        <dd>
          {call.phases.length === 0 ? m.calls.none : (
            <ul class="calls-plain">
              {call.phases.map((p) => (
                <li key={p.id}>
                  {p.name}
                  {dated.includes(p) ? `: ${date(p.opens_at, lang)} – ${date(p.closes_at, lang)}` : p.note ? ` (${p.note})` : ""}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>{m.calls.funders}</dt>
        <dd>{call.funders.map((f) => f.name).join("; ")}</dd>
      </dl>
    </li>
  );
}
