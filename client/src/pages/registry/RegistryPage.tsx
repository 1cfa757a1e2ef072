// The public register: search, filters and sort live in the address (so a view can be shared), pages follow
// the API's cursors.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";
import { Async, Field, Pager, Select, SortHeader } from "../../components/ui";
import { useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import { Link, setQuery, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { headcount } from "./headcount";

type Kind = Schemas["ClusterKind"];
type Sort = NonNullable<paths["/api/v1/clusters"]["get"]["parameters"]["query"]>["sort"];

const PAGE_SIZES = [10, 20, 50, 100];
const KINDS: Kind[] = ["industrial_district", "cluster", "apea", "industrial_park", "supply_chain", "enterprise_network"];

export default function RegistryPage() {
  const m = useMessages();
  const lang = useLanguage();
  const { query } = useLocation();
  const filters = {
    q: query.get("q") ?? "",
    country: query.get("country") ?? "",
    region: query.get("region") ?? "",
    kind: query.get("kind") ?? "",
    sector: query.get("sector") ?? "",
    sort: (query.get("sort") ?? "name") as NonNullable<Sort>,
    cursor: query.get("cursor") ?? "",
    limit: PAGE_SIZES.includes(Number(query.get("limit"))) ? Number(query.get("limit")) : 20,
  };
  // Cursors already passed, to go back; they belong to this search, so a new search starts afresh.
  const [passed, setPassed] = useState<string[]>([]);
  const [draft, setDraft] = useState(filters);

  const page = useApi((signal) => api.GET("/api/v1/clusters", {
    signal,
    params: { query: {
      q: filters.q || undefined, country: filters.country || undefined, region: filters.region || undefined,
      kind: (filters.kind || undefined) as Kind | undefined, sector: filters.sector || undefined,
      sort: filters.sort, cursor: filters.cursor || undefined, limit: filters.limit,
    } },
  }), [filters.q, filters.country, filters.region, filters.kind, filters.sector, filters.sort, filters.cursor, filters.limit]);

  function search(event: Event) {
    event.preventDefault();
    setPassed([]);
    setQuery({ q: draft.q.trim(), country: draft.country.trim().toUpperCase(), region: draft.region.trim().toUpperCase(),
               kind: draft.kind, sector: draft.sector.trim(), cursor: null });
  }

  function reset() {
    const empty = { ...filters, q: "", country: "", region: "", kind: "", sector: "", sort: "name" as NonNullable<Sort>, cursor: "" };
    setDraft(empty);
    setPassed([]);
    setQuery({ q: null, country: null, region: null, kind: null, sector: null, sort: null, cursor: null });
  }

  const input = (key: keyof typeof draft) => (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });

  return (
    <section>
      <h1>{m.registry.title}</h1>
      <p>{m.registry.intro}</p>
      <form class="filters" role="search" onSubmit={search}>
        <Field label={m.registry.query} name="q" type="search" value={draft.q} onInput={input("q")}
               hint={m.registry.queryHint} maxLength={200} />
        <Field label={m.registry.country} name="country" value={draft.country} onInput={input("country")}
               maxLength={2} size={3} placeholder="IT" />
        <Field label={m.registry.region} name="region" value={draft.region} onInput={input("region")}
               maxLength={5} size={6} placeholder="ITI1" />
        <Select label={m.registry.kind} name="kind" value={draft.kind} onChange={input("kind")}
                options={[{ value: "", label: m.registry.anyKind }, ...KINDS.map((k) => ({ value: k, label: m.common.kinds[k] ?? k }))]} />
        <Field label={m.registry.sector} name="sector" value={draft.sector} onInput={input("sector")} maxLength={100} />
        <div class="actions">
          <button type="submit">{m.common.search}</button>
          <button type="button" class="secondary" onClick={reset}>{m.common.reset}</button>
        </div>
      </form>
      <Async state={page} empty={(p) => p.items.length === 0}>
        {(p) => (
          <>
            <div class="table-wrap">
              <table aria-label={m.registry.results}>
                <thead>
                  <tr>
                    <SortHeader label={m.registry.name} field="name" sort={filters.sort}
                                onSort={(sort) => { setPassed([]); setQuery({ sort, cursor: null }); }} />
                    <th scope="col">{m.registry.kind}</th>
                    <th scope="col">{m.registry.location}</th>
                    <th scope="col">{m.registry.sectors}</th>
                    <SortHeader label={m.registry.enterprises} field="enterprises" sort={filters.sort}
                                onSort={(sort) => { setPassed([]); setQuery({ sort, cursor: null }); }} />
                    <SortHeader label={m.registry.employees} field="employees" sort={filters.sort}
                                onSort={(sort) => { setPassed([]); setQuery({ sort, cursor: null }); }} />
                    <SortHeader label={m.registry.updated} field="updated_at" sort={filters.sort}
                                onSort={(sort) => { setPassed([]); setQuery({ sort, cursor: null }); }} />
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((c) => (
                    <tr key={c.id}>
                      <td><Link href={`/clusters/${c.id}`}>{c.name}</Link></td>
                      <td>{m.common.kinds[c.kind] ?? c.kind}</td>
                      <td>{[c.locality, c.region_name, c.country].filter(Boolean).join(", ")}</td>
                      <td>{c.sectors.map((s) => s.label).join("; ")}</td>
                      <td class="num">{headcount(c.enterprises, lang, m.registry.approximate)}</td>
                      <td class="num">{headcount(c.employees, lang, m.registry.approximate)}</td>
                      <td>{dateTime(c.updated_at, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager hasPrevious={passed.length > 0} nextCursor={p.next_cursor}
                   onPrevious={() => { const back = passed.slice(0, -1); setPassed(back); setQuery({ cursor: passed[passed.length - 1] || null }); }}
                   onNext={(cursor) => { setPassed([...passed, filters.cursor]); setQuery({ cursor }); }} />
            <Select label={m.registry.pageSize} name="limit" value={String(filters.limit)}
                    options={PAGE_SIZES.map((n) => ({ value: String(n), label: number(n, lang) }))}
                    onChange={(e) => { setPassed([]); setQuery({ limit: (e.target as HTMLSelectElement).value, cursor: null }); }} />
          </>
        )}
      </Async>
    </section>
  );
}
