// What waits for a verifier: released versions nobody has validated yet, and the yearly surveillance dates of
// its own validations that have come.
import { api } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { failed, loadAllResources, ok, withVersions } from "./data";
import { resourceState } from "./logic";

export function VerifierDesk({ clusters }: { clusters: Map<number, string> }) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const { me } = useSession();
  const waiting = useApi(async (signal) => {
    const all = await loadAllResources(signal);
    if (!all.data) return failed(all);
    const rows = await withVersions(all.data, signal);
    const items = rows.flatMap(({ resource, versions }) =>
      resourceState(versions).awaiting.map((version) => ({ resource, version })));
    return ok(items, all.response);
  }, []);
  const org = me?.role === "verifier" ? me.organization_id : null;
  const due = useApi((signal) => org ? api.GET("/api/v1/emas/surveillance", {
    signal, params: { query: { state: "due", verifier_organization_id: org } },
  }) : null, [org]);

  return (
    <section class="emas-desk" aria-labelledby="emas-desk-title">
      <h2 id="emas-desk-title">{m.desk.title}</h2>
      <Async state={waiting}>
        {(items) => items.length === 0 ? <Empty>{m.desk.nothing}</Empty> : (
          <ul class="emas-list">
            {items.map(({ resource, version }) => (
              <li key={`${resource.id}-${version.number}`}>
                <Link href={`/emas/resources/${resource.id}#v${version.number}`}>{resource.title}</Link>{" "}
                <span class="badge warn">{fill(m.versionN, { n: version.number })}</span>
                <div class="source">
                  {resource.cluster_id ? clusters.get(resource.cluster_id) ?? `#${resource.cluster_id}` : m.network}
                  {" · "}{m.types[resource.type]}{" · "}{m.releasedOn} {date(version.released_at, lang)}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Async>
      {org && (
        <>
          <h3>{m.desk.surveillanceDue}</h3>
          <Async state={due}>
            {(items) => items.length === 0 ? <Empty>{m.desk.noSurveillance}</Empty> : (
              <ul class="emas-list">
                {items.map((s) => (
                  <li key={`${s.validation_id}-${s.due_date}`}>
                    <Link href={`/emas/resources/${s.resource_id}`}>{s.resource_title}</Link>{" "}
                    {fill(m.versionN, { n: s.version })} — {m.dueOn} {date(s.due_date, lang)}
                  </li>
                ))}
              </ul>
            )}
          </Async>
        </>
      )}
    </section>
  );
}
