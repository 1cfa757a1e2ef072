// The shared EMAS resources: filters and the page's cursor live in the address; each row says which version a
// verifier validated and what is waiting. Cluster managers create resources here, verifiers find their work.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async, Pager, Select } from "../../components/ui";
import { useMessages } from "../../i18n";
import { Link, setQuery, useLocation } from "../../lib/router";
import { hasRole, useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { CreateResource } from "./CreateResource";
import { RESOURCE_TYPES, type ResourceType, failed, loadClusterNames, ok, withVersions } from "./data";
import { StateBadges } from "./parts";
import { VerifierDesk } from "./VerifierDesk";

const PAGE = 20;

export default function ResourcesPage() {
  const m = useMessages().emas;
  const { me } = useSession();
  const { query } = useLocation();
  const filters = { cluster: query.get("cluster_id") ?? "", type: query.get("type") ?? "", cursor: query.get("cursor") ?? "" };
  const [passed, setPassed] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const names = useApi((signal) => loadClusterNames(signal), []);
  const clusters = names.data ?? new Map<number, string>();

  const page = useApi(async (signal) => {
    const r = await api.GET("/api/v1/emas/resources", { signal, params: { query: {
      cluster_id: Number(filters.cluster) || undefined, type: (filters.type || undefined) as ResourceType | undefined,
      cursor: filters.cursor || undefined, limit: PAGE,
    } } });
    if (!r.data) return failed(r);
    return ok({ rows: await withVersions(r.data.items, signal), next: r.data.next_cursor }, r.response);
  }, [filters.cluster, filters.type, filters.cursor]);

  const mayCreate = hasRole(me, "cluster_manager");
  const verifies = hasRole(me, "verifier");
  const filter = (key: string) => (e: Event) => {
    setPassed([]);
    setQuery({ [key]: (e.target as HTMLSelectElement).value, cursor: null });
  };
  // Managers see their own clusters first in the filter.
  const ordered = [...clusters].sort(([a], [b]) => Number(me?.clusters.includes(b)) - Number(me?.clusters.includes(a)));

  return (
    <section>
      <h1>{m.title}</h1>
      <p>{m.intro}</p>
      {mayCreate && (
        <div class="emas-create">
          <button type="button" aria-expanded={creating} aria-controls="emas-create" onClick={() => setCreating(!creating)}>
            {creating ? m.create.close : m.create.open}
          </button>
          {creating && <div id="emas-create"><CreateResource clusters={clusters} /></div>}
        </div>
      )}
      {verifies && <VerifierDesk clusters={clusters} />}
      <h2>{m.allResources}</h2>
      <form class="filters emas-filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Select label={m.cluster} name="cluster_id" value={filters.cluster} onChange={filter("cluster_id")}
                options={[{ value: "", label: m.anyCluster },
                          ...ordered.map(([id, name]) => ({ value: String(id), label: name }))]} />
        <Select label={m.type} name="type" value={filters.type} onChange={filter("type")}
                options={[{ value: "", label: m.anyType }, ...RESOURCE_TYPES.map((t) => ({ value: t, label: m.types[t] }))]} />
      </form>
      <Async state={page} empty={(p) => p.rows.length === 0}>
        {(p) => (
          <>
            <div class="table-wrap">
              <table aria-label={m.allResources} class="emas-table">
                <thead>
                  <tr>
                    <th scope="col">{m.resource}</th>
                    <th scope="col">{m.cluster}</th>
                    <th scope="col">{m.type}</th>
                    <th scope="col" class="num">{m.latestVersion}</th>
                    <th scope="col">{m.validation}</th>
                    <th scope="col" class="num">{m.requirementsCount}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map(({ resource: r, versions }) => (
                    <tr key={r.id}>
                      <td data-label={m.resource}>
                        <span>
                          <Link href={`/emas/resources/${r.id}`}>{r.title}</Link>
                          {r.is_demo && <> <span class="badge">{m.demo}</span></>}
                        </span>
                      </td>
                      <td data-label={m.cluster}>
                        {r.cluster_id ? <Link href={`/clusters/${r.cluster_id}`}>{clusters.get(r.cluster_id) ?? `#${r.cluster_id}`}</Link> : m.network}
                      </td>
                      <td data-label={m.type}>{m.types[r.type]}</td>
                      <td data-label={m.latestVersion} class="num">{r.latest_version || "–"}</td>
                      <td data-label={m.validation}><StateBadges versions={versions} /></td>
                      <td data-label={m.requirementsCount} class="num"
                          title={r.requirements.join(", ")}>{r.requirements.length}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager hasPrevious={passed.length > 0} nextCursor={p.next}
                   onPrevious={() => { const back = passed.slice(0, -1); setPassed(back); setQuery({ cursor: passed[passed.length - 1] || null }); }}
                   onNext={(cursor) => { setPassed([...passed, filters.cursor]); setQuery({ cursor }); }} />
          </>
        )}
      </Async>
    </section>
  );
}
