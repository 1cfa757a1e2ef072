// The clusters on a map of Europe or Italy, coloured by sector, with a legend and the same clusters as a
// table. Loaded only when /map is opened, geodata included (see routes.ts).
import { useMemo } from "preact/hooks";
import { Empty, ProblemBox, Progress } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import { setQuery, useLocation } from "../../lib/router";
import { ClusterList } from "./ClusterList";
import { geodata } from "./geo";
import { layOut, projectionFor, type View } from "./layout";
import { Legend } from "./Legend";
import { MapView } from "./MapView";
import { useAllClusters } from "./useAllClusters";

export default function MapPage() {
  const m = useMessages();
  const lang = useLanguage();
  const { query } = useLocation();
  const view: View = query.get("view") === "italy" ? "italy" : "europe";
  const clusters = useAllClusters();
  const geo = geodata();
  const projection = useMemo(() => projectionFor(view, geo), [view, geo]);
  const layout = useMemo(() => layOut(clusters.items, view, geo, projection), [clusters.items, view, geo, projection]);

  const loaded = number(clusters.items.length, lang);
  return (
    <section class="map-page">
      <h1>{m.map.title}</h1>
      <p>{m.map.intro}</p>
      {!clusters.done && !clusters.problem && (
        <div role="status" aria-live="polite">
          {clusters.total !== null
            ? <Progress value={clusters.items.length} max={Math.max(clusters.total, 1)}
                        label={fill(m.map.loadingOf, { n: loaded, total: number(clusters.total, lang) })} />
            : <p class="state loading"><span class="spinner" aria-hidden="true" /> {fill(m.map.loadingCount, { n: loaded })}</p>}
        </div>
      )}
      <ProblemBox problem={clusters.problem} onRetry={clusters.retry} />
      <div class="map-toolbar">
        <span id="map-view-label">{m.map.view}:</span>
        <div role="group" aria-labelledby="map-view-label" class="segmented">
          {(["europe", "italy"] as View[]).map((v) => (
            <button key={v} type="button" class={v === view ? "" : "secondary"} aria-pressed={v === view}
                    onClick={() => setQuery({ view: v === "europe" ? null : v })}>{m.map[v]}</button>
          ))}
        </div>
        <a class="skip-list" href="#map-list-title">{m.map.skipToList}</a>
      </div>
      <div class="map-layout">
        <MapView view={view} geo={geo} projection={projection} markers={layout.markers} />
        <Legend markers={layout.markers} />
      </div>
      {clusters.done && clusters.items.length === 0
        ? <Empty>{m.map.empty}</Empty>
        : <ClusterList clusters={clusters.items} layout={layout} />}
    </section>
  );
}
