// A cluster's page: its facts with their sources, members, supply chain both ways, typical products with
// their LCA and EPD, recognitions, and its shared EMAS resources with their validation state.
import { api, type Schemas } from "../../api/client";
import { Async, Empty, Loading } from "../../components/ui";
import { useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { Link } from "../../lib/router";
import { hasRole, useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { TypicalProducts } from "../products/TypicalProducts";
import { headcount } from "./headcount";

export default function ClusterPage({ params }: PageProps) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const id = Number(params.id);
  const cluster = useApi((signal) => api.GET("/api/v1/clusters/{cluster_id}", { signal, params: { path: { cluster_id: id } } }), [id]);
  const mayEdit = !!cluster.data && hasRole(me, "region_officer", "cluster_manager") &&
    (me!.role === "admin" || me!.clusters.includes(id) || me!.regions.some((r) => (cluster.data!.region_code ?? "").startsWith(r)));

  return (
    <Async state={cluster}>
      {(c) => (
        <article>
          <h1>{c.name}</h1>
          <p>
            <span class="badge">{m.common.kinds[c.kind] ?? c.kind}</span>{" "}
            {[c.locality, c.region_name, c.country].filter(Boolean).join(", ")}
          </p>
          {mayEdit && <p><Link class="button secondary" href={`/clusters/${id}/edit`}>{m.registry.editCluster}</Link></p>}
          <h2>{m.registry.facts}</h2>
          <dl class="facts">
            <dt>{m.registry.enterprises}</dt>
            <dd>{headcount(c.enterprises, lang, m.registry.approximate)}{c.enterprises.note && <span class="source"> ({c.enterprises.note})</span>}</dd>
            <dt>{m.registry.employees}</dt>
            <dd>{headcount(c.employees, lang, m.registry.approximate)}{c.employees.note && <span class="source"> ({c.employees.note})</span>}</dd>
            <dt>{m.registry.sectors}</dt>
            <dd>{c.sectors.length ? c.sectors.map((s) => `${s.label}${s.nace.length ? ` (NACE ${s.nace.join(", ")})` : ""}`).join("; ") : "–"}</dd>
            <dt>{m.registry.coordinatingBody}</dt>
            <dd>{c.coordinating_body?.name ?? "–"}</dd>
            <dt>{m.registry.website}</dt>
            <dd>{c.website ? <a href={c.website} rel="noopener noreferrer">{c.website}</a> : (c.website_note ?? "–")}</dd>
            {c.constitutive_elements && <><dt>{m.registry.constitutiveElements}</dt><dd>{c.constitutive_elements}</dd></>}
            {c.eco_innovation && <><dt>{m.registry.ecoInnovation}</dt><dd>{c.eco_innovation}</dd></>}
            {c.latitude !== null && c.longitude !== null && <><dt>{m.registry.coordinates}</dt><dd>{c.latitude}, {c.longitude}</dd></>}
            {c.tags.length > 0 && <><dt>{m.registry.tags}</dt><dd>{c.tags.join(", ")}</dd></>}
            {c.external_id && <><dt>{m.registry.externalId}</dt><dd>{c.source}: {c.external_id}</dd></>}
          </dl>
          {c.sources.length > 0 && (
            <>
              <h3>{m.registry.sources}</h3>
              <ul class="source">
                {c.sources.map((s) => (
                  <li key={s.document + (s.locator ?? "")}>
                    {s.title}{s.locator ? `, ${s.locator}` : ""}{s.fields?.length ? ` — ${s.fields.join(", ")}` : ""}
                  </li>
                ))}
              </ul>
            </>
          )}
          <Members id={id} />
          <SupplyChain id={id} />
          <TypicalProducts clusterId={id} />
          <h2>{m.registry.recognitions}</h2>
          {c.recognitions.length === 0 ? <Empty>{m.registry.noRecognitions}</Empty> : (
            <ul>
              {c.recognitions.map((r) => (
                <li key={r.id}>
                  <strong>{r.name}</strong>{r.issuer ? ` — ${r.issuer}` : ""}{r.issued_date ? `, ${date(r.issued_date, lang)}` : ""}
                  {r.valid_until ? ` (${m.registry.validUntil} ${date(r.valid_until, lang)})` : ""}
                  {r.note && <span class="source"> {r.note}</span>}
                </li>
              ))}
            </ul>
          )}
          <Resources id={id} />
        </article>
      )}
    </Async>
  );
}

function Members({ id }: { id: number }) {
  const m = useMessages();
  const members = useApi((signal) => api.GET("/api/v1/clusters/{cluster_id}/members", {
    signal, params: { path: { cluster_id: id }, query: { limit: 200 } },
  }), [id]);
  return (
    <>
      <h2>{m.registry.members}</h2>
      <Async state={members}>
        {(page) => page.items.length === 0 ? <Empty>{m.registry.noMembers}</Empty> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{m.registry.name}</th><th scope="col">{m.registry.memberRole}</th></tr></thead>
              <tbody>
                {page.items.map((member) => (
                  <tr key={member.id}><td>{member.organization.name}</td><td>{member.role}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </>
  );
}

function SupplyChain({ id }: { id: number }) {
  const m = useMessages();
  const chain = useApi((signal) => api.GET("/api/v1/clusters/{cluster_id}/supply-chain", {
    signal, params: { path: { cluster_id: id } },
  }), [id]);
  const list = (links: Schemas["SupplyChainLinkRead"][], side: "supplier" | "customer") =>
    links.length === 0 ? <Empty>{m.registry.noLinks}</Empty> : (
      <ul>
        {links.map((l) => (
          <li key={l.id} style={{ marginLeft: `${(l.depth - 1) * 1.5}rem` }}>
            <Link href={`/clusters/${l[side].id}`}>{l[side].name}</Link> — {l.product}
            {l.note && <span class="source"> ({l.note})</span>}
          </li>
        ))}
      </ul>
    );
  return (
    <>
      <h2>{m.registry.supplyChain}</h2>
      <Async state={chain}>
        {(c) => (
          <div class="cards">
            <div><h3>{m.registry.upstream}</h3>{list(c.upstream, "supplier")}</div>
            <div><h3>{m.registry.downstream}</h3>{list(c.downstream, "customer")}</div>
          </div>
        )}
      </Async>
    </>
  );
}

function Resources({ id }: { id: number }) {
  const m = useMessages();
  const resources = useApi(async (signal) => {
    const page = await api.GET("/api/v1/emas/resources", { signal, params: { query: { cluster_id: id, limit: 100 } } });
    if (!page.data) return page;
    // The validation state belongs to versions: read each resource's versions alongside.
    const versions = await Promise.all(page.data.items.map((r) => api.GET("/api/v1/emas/resources/{resource_id}/versions", {
      signal, params: { path: { resource_id: r.id } },
    })));
    return { ...page, data: page.data.items.map((r, i) => ({ resource: r, versions: versions[i].data ?? [] })) };
  }, [id]);
  return (
    <>
      <h2>{m.registry.resources}</h2>
      <Async state={resources}>
        {(items) => items.length === 0 ? <Empty>{m.registry.noResources}</Empty> : (
          <ul>
            {items.map(({ resource, versions }) => {
              const validated = versions.filter((v) => v.validated).map((v) => v.number);
              return (
                <li key={resource.id}>
                  <Link href={`/emas/resources/${resource.id}`}>{resource.title}</Link>{" "}
                  {validated.length > 0
                    ? <span class="badge ok">{m.registry.validation}: v{validated[validated.length - 1]} ✓</span>
                    : <span class="badge warn">{m.registry.validation}: –</span>}
                </li>
              );
            })}
          </ul>
        )}
      </Async>
      {resources.loading && !resources.data && <Loading />}
    </>
  );
}
