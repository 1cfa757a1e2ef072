// The open datasets: each with its licence, dictionary, downloads and frozen releases, and the DCAT-AP
// catalogue that describes them all for data portals.
import { api, apiUrl } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { useMessages } from "../../i18n";
import { useApi } from "../../lib/useApi";
import { DatasetCard } from "./DatasetCard";

export default function DatasetsPage() {
  const m = useMessages();
  const datasets = useApi((signal) => api.GET("/api/v1/datasets", { signal }), []);
  return (
    <section class="datasets">
      <h1>{m.datasets.title}</h1>
      <p>{m.datasets.intro}</p>
      <aside class="notice catalogue" aria-labelledby="catalogue-title">
        <h2 id="catalogue-title">{m.datasets.catalogue}</h2>
        <p>
          {m.datasets.catalogueText}{" "}
          <a href={apiUrl("/api/v1/catalog", { format: "jsonld" })} type="application/ld+json">{m.datasets.jsonld}</a>
          {" · "}
          <a href={apiUrl("/api/v1/catalog", { format: "ttl" })} type="text/turtle">{m.datasets.turtle}</a>
        </p>
      </aside>
      <Async state={datasets}>
        {({ items: list }) => list.length === 0 ? <Empty>{m.datasets.empty}</Empty> : (
          <>
            <nav aria-label={m.datasets.contents} class="dataset-index">
              <h2>{m.datasets.contents}</h2>
              <ul>
                {list.map((d) => <li key={d.name}><a href={`#dataset-${d.name}`}>{d.title}</a></li>)}
              </ul>
            </nav>
            {list.map((d) => <DatasetCard key={d.name} dataset={d} />)}
          </>
        )}
      </Async>
    </section>
  );
}
