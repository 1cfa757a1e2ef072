// The validated resources of the firm's clusters it has not adopted yet, the ones that close the most open
// requirements first: the quickest way for a firm to cover what is left.
import { Async, Empty } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { Link } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { AdoptButton } from "./AdoptButton";
import { failed, loadAllResources, loadClusterNames, memberOf, ok, withVersions } from "./data";
import { closes, resourceState } from "./logic";

export function Adoptable({ organizationId, adopted, open, leaves, onAdopted }: {
  organizationId: number;
  /** "resource:version" of what the firm adopted already. */
  adopted: Set<string>;
  open: Set<string>;
  leaves: Map<string, string[]>;
  onAdopted: () => void;
}) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const offer = useApi(async (signal) => {
    const [all, names] = await Promise.all([loadAllResources(signal), loadClusterNames(signal)]);
    if (!all.data) return failed(all);
    const clusterIds = all.data.flatMap((r) => (r.cluster_id ? [r.cluster_id] : []));
    const mine = await memberOf(organizationId, clusterIds, signal);
    const rows = await withVersions(all.data.filter((r) => r.cluster_id && mine.has(r.cluster_id)), signal);
    const items = rows.flatMap(({ resource, versions }) => {
      const version = resourceState(versions).validated;
      const validation = version?.validations.find((v) => v.status === "current");
      return version ? [{ resource, version: version.number, validUntil: validation?.valid_until ?? null,
                          cluster: names.data?.get(resource.cluster_id!) ?? `#${resource.cluster_id}` }] : [];
    });
    return ok({ items, clusters: mine.size }, all.response);
  }, [organizationId]);

  return (
    <section aria-labelledby="emas-adoptable">
      <h2 id="emas-adoptable">{m.coverage.adoptable}</h2>
      <p class="source">{m.coverage.adoptableHelp}</p>
      <Async state={offer}>
        {({ items, clusters }) => {
          const left = items
            .filter((i) => !adopted.has(`${i.resource.id}:${i.version}`))
            .map((i) => ({ ...i, gain: closes(i.resource.requirements, leaves, open) }))
            .sort((a, b) => b.gain - a.gain || a.resource.id - b.resource.id);
          if (clusters === 0) return <Empty>{m.coverage.noCluster}</Empty>;
          if (left.length === 0) return <Empty>{m.coverage.nothingToAdopt}</Empty>;
          return (
            <ul class="emas-offers">
              {left.map((i) => (
                <li key={i.resource.id} class="card">
                  <div>
                    <Link href={`/emas/resources/${i.resource.id}`}>{i.resource.title}</Link>{" "}
                    <span class="badge ok">{fill(m.versionN, { n: i.version })}</span>
                  </div>
                  <div class="source">
                    {i.cluster} · {m.types[i.resource.type]}
                    {i.validUntil && <> · {m.validUntil} {date(i.validUntil, lang)}</>}
                  </div>
                  <div>{i.gain === 0 ? m.coverage.closesNothing : i.gain === 1 ? m.coverage.wouldCloseOne : fill(m.coverage.wouldClose, { n: i.gain })}</div>
                  <AdoptButton organizationId={organizationId} resourceId={i.resource.id} version={i.version}
                               title={i.resource.title} onDone={onAdopted} />
                </li>
              ))}
            </ul>
          );
        }}
      </Async>
    </section>
  );
}
