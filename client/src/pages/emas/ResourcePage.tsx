// A shared resource: what it is, which EMAS requirements it covers, and its versions with their files and
// validations. What the page offers depends on who looks: the cluster's managers, a verifier, a member firm.
import { useEffect } from "preact/hooks";
import { api } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { Link } from "../../lib/router";
import { hasRole, useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { failed, loadRequirements, memberOf, ok } from "./data";
import { leavesUnder, titleOf } from "./logic";
import { NewVersionForm } from "./NewVersionForm";
import { StateBadges } from "./parts";
import { type Abilities, VersionCard } from "./VersionCard";

export default function ResourcePage({ params }: PageProps) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const { me } = useSession();
  const id = Number(params.id);
  const resource = useApi((signal) => api.GET("/api/v1/emas/resources/{resource_id}", {
    signal, params: { path: { resource_id: id } },
  }), [id]);
  const versions = useApi((signal) => api.GET("/api/v1/emas/resources/{resource_id}/versions", {
    signal, params: { path: { resource_id: id } },
  }), [id]);
  const tree = useApi(() => loadRequirements(), []);
  const clusterId = resource.data?.cluster_id ?? null;
  const cluster = useApi((signal) => clusterId ? api.GET("/api/v1/clusters/{cluster_id}", {
    signal, params: { path: { cluster_id: clusterId } },
  }) : null, [clusterId]);

  // A verifier may validate only while its organization holds an accreditation (public: anyone may check it).
  const verifierOrg = me?.role === "verifier" ? me.organization_id : null;
  const accreditation = useApi((signal) => verifierOrg ? api.GET("/api/v1/organizations/{organization_id}/accreditation", {
    signal, params: { path: { organization_id: verifierOrg } },
  }) : null, [verifierOrg]);

  // A firm may adopt the validated versions of its own cluster's resources.
  const firm = me?.role === "enterprise" ? me.organization_id : null;
  const adopter = useApi((signal) => firm && clusterId ? (async () => {
    const [members, adopted] = await Promise.all([
      memberOf(firm, [clusterId], signal),
      api.GET("/api/v1/organizations/{organization_id}/adoptions", { signal, params: { path: { organization_id: firm } } }),
    ]);
    if (!adopted.data) return failed(adopted);
    const mine = new Set(adopted.data.filter((a) => a.resource_id === id).map((a) => a.version));
    return ok({ member: members.has(clusterId), adopted: mine }, adopted.response);
  })() : null, [firm, clusterId, id]);

  const reload = () => {
    versions.reload();
    resource.reload();
    adopter.reload();
  };

  // Links from the verifier's list point at a version (#v2): bring it into view once the versions are drawn.
  useEffect(() => {
    if (versions.data && location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, [!!versions.data]);

  const r = resource.data;
  const can: Abilities = {
    write: !!r && hasRole(me, "cluster_manager") && (me!.role === "admin" || (!!r.cluster_id && me!.clusters.includes(r.cluster_id))),
    validate: !!accreditation.data,
    adopter: adopter.data?.member && firm ? { organizationId: firm, adopted: adopter.data.adopted } : null,
  };
  const back = me?.role === "enterprise" ? { href: "/coverage", label: m.coverage.title } : { href: "/emas/resources", label: m.title };

  return (
    <Async state={resource}>
      {(res) => (
        <article>
          <p><Link href={back.href}>← {back.label}</Link></p>
          <h1>{res.title}</h1>
          <p>
            <span class="badge">{m.types[res.type]}</span>{" "}
            {res.is_demo && <span class="badge">{m.demo}</span>}{" "}
            {versions.data && <StateBadges versions={versions.data} />}
          </p>
          <dl class="facts">
            <dt>{m.cluster}</dt>
            <dd>
              {res.cluster_id
                ? <Link href={`/clusters/${res.cluster_id}`}>{cluster.data?.name ?? `#${res.cluster_id}`}</Link>
                : m.network}
              {cluster.data && cluster.data.sectors.length > 0 && (
                <span class="source"> ({cluster.data.sectors.map((s) => `${s.label}${s.nace.length ? ` NACE ${s.nace.join(", ")}` : ""}`).join("; ")})</span>
              )}
            </dd>
            {res.description && <><dt>{m.description}</dt><dd>{res.description}</dd></>}
          </dl>

          <h2>{m.requirementsCovered}</h2>
          {res.requirements.length === 0 ? <Empty>{m.noRequirements}</Empty> : (
            <Async state={tree}>
              {(t) => {
                const byCode = new Map<string, { title_it: string; title_en: string }>();
                const walk = (nodes: typeof t) => nodes.forEach((n) => { byCode.set(n.code, n); walk(n.children ?? []); });
                walk(t);
                const leaves = leavesUnder(t);
                return (
                  <ul class="emas-list">
                    {res.requirements.map((code) => {
                      const below = (leaves.get(code) ?? [code]).length;
                      return (
                        <li key={code}>
                          <span class="emas-code">{code}</span> {byCode.get(code) ? titleOf(byCode.get(code)!, lang) : ""}
                          {below > 1 && <span class="source"> — {fill(m.coversBelow, { n: below })}</span>}
                        </li>
                      );
                    })}
                  </ul>
                );
              }}
            </Async>
          )}

          {verifierOrg && !accreditation.loading && !accreditation.data && (
            <p class="problem" role="status">{m.validate.notAccredited}</p>
          )}
          {accreditation.data && (
            <p class="notice">
              {fill(m.validate.accredited, { number: accreditation.data.accreditation_number,
                                             scopes: accreditation.data.nace_scopes.join(", ") })}
            </p>
          )}
          {firm && adopter.data && !adopter.data.member && <p class="notice">{m.adopt.notMember}</p>}

          <h2>{m.versions}</h2>
          {can.write && <NewVersionForm resourceId={res.id} hasDraft={!!versions.data?.some((v) => v.status === "draft")} onDone={reload} />}
          <Async state={versions}>
            {(list) => list.length === 0 ? <Empty>{m.state.noVersions}</Empty> : (
              <div class="emas-versions">
                {[...list].reverse().map((v) => <VersionCard key={v.number} resource={res} version={v} can={can} onChange={reload} />)}
              </div>
            )}
          </Async>
        </article>
      )}
    </Async>
  );
}
