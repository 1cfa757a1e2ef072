// A firm's EMAS gap analysis: how much of the Regulation it covers, by adopting its cluster's validated resources
// or with its own evidence, and what is still open. Adopting or recording evidence here updates the figures.
import { api } from "../../api/client";
import { Async, Progress, ProblemBox } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date, number, percent } from "../../lib/format";
import { Link, useLocation } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { Adoptable } from "./Adoptable";
import { CoverageList } from "./CoverageList";
import { loadRequirements } from "./data";
import { leavesUnder } from "./logic";
import { MyRecords } from "./MyRecords";

export default function CoveragePage() {
  const m = useMessages().emas;
  const { me } = useSession();
  const { query } = useLocation();
  // A firm sees its own; an administrator may name one (?organization=).
  const orgId = (me?.role === "admin" && Number(query.get("organization"))) || me?.organization_id || null;
  if (!orgId) {
    return (
      <section>
        <h1>{m.coverage.title}</h1>
        <p>{m.coverage.noOrganization}</p>
      </section>
    );
  }
  return <Coverage organizationId={orgId} />;
}

function Coverage({ organizationId }: { organizationId: number }) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const path = { organization_id: organizationId };
  const org = useApi((signal) => api.GET("/api/v1/organizations/{organization_id}", { signal, params: { path } }), [organizationId]);
  const coverage = useApi((signal) => api.GET("/api/v1/organizations/{organization_id}/emas-coverage", { signal, params: { path } }),
                          [organizationId]);
  const adoptions = useApi((signal) => api.GET("/api/v1/organizations/{organization_id}/adoptions", { signal, params: { path } }), [organizationId]);
  const evidence = useApi((signal) => api.GET("/api/v1/organizations/{organization_id}/evidence", { signal, params: { path } }), [organizationId]);
  const tree = useApi(() => loadRequirements(), []);

  const changed = () => {
    coverage.reload();
    adoptions.reload();
    evidence.reload();
  };

  return (
    <section>
      <h1>{m.coverage.title}</h1>
      {org.data && <p class="emas-org">{org.data.name}</p>}
      <p>{m.coverage.intro}</p>
      <Async state={coverage}>
        {(c) => (
          <>
            <div class="emas-summary card" aria-live="polite">
              <p class="emas-figure">
                <strong>{fill(m.coverage.covered, { n: number(c.covered, lang), total: number(c.total, lang) })}</strong>{" "}
                ({percent(c.covered_share, lang)})
              </p>
              <Progress value={c.covered} max={c.total} label={m.coverage.progress} />
              <ul class="emas-breakdown">
                <li><span class="badge ok">{m.coverage.states.shared_resource}</span> {number(c.covered_by_shared_resources, lang)}</li>
                <li><span class="badge ok">{m.coverage.states.own_evidence}</span> {number(c.covered_by_own_evidence, lang)}</li>
                <li><span class="badge warn">{m.coverage.states.open}</span> {number(c.open.length, lang)}</li>
              </ul>
              <p class="source">{fill(m.coverage.asOf, { date: date(c.as_of, lang) })}</p>
            </div>
            {c.lapsed_adoptions.length > 0 && (
              <div class="problem" role="status">
                <strong>{m.coverage.lapsed}</strong>
                <ul>
                  {c.lapsed_adoptions.map((a) => (
                    <li key={`${a.resource_id}-${a.version}`}>
                      <Link href={`/emas/resources/${a.resource_id}`}>{a.title}</Link>, {fill(m.versionN, { n: a.version })}:{" "}
                      {m.validationStatus[a.status] ?? a.status}
                      {a.valid_until && <> ({date(a.valid_until, lang)})</>}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {tree.data && (
              <Adoptable organizationId={organizationId} open={new Set(c.open)} leaves={leavesUnder(tree.data)}
                         adopted={new Set((adoptions.data ?? []).map((a) => `${a.resource_id}:${a.version}`))}
                         onAdopted={changed} />
            )}
            <Async state={tree}>
              {(t) => <CoverageList coverage={c} tree={t} organizationId={organizationId} onChange={changed} />}
            </Async>
          </>
        )}
      </Async>
      <ProblemBox problem={adoptions.problem ?? evidence.problem} />
      {adoptions.data && evidence.data && (
        <MyRecords organizationId={organizationId} adoptions={adoptions.data} evidence={evidence.data} onChange={changed} />
      )}
    </section>
  );
}
