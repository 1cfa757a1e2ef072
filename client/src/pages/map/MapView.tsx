// The map itself: country and region outlines as SVG paths, and one marker per placed cluster. Markers are
// links (Tab reaches them, Enter opens the cluster) and show the cluster's name on hover and on focus.
import { geoPath, type GeoProjection } from "d3-geo";
import { useMemo, useState } from "preact/hooks";
import { fill, useMessages } from "../../i18n";
import { Link } from "../../lib/router";
import type { Geodata } from "./geo";
import { type Marker, MARKER_RADIUS, SIZE, type View } from "./layout";
import { SECTOR_COLOUR } from "./sectors";

export function MapView({ view, geo, projection, markers }: {
  view: View; geo: Geodata; projection: GeoProjection; markers: Marker[];
}) {
  const m = useMessages();
  const [w, h] = SIZE[view];
  const [tip, setTip] = useState<Marker | null>(null);
  const shapes = useMemo(() => {
    const path = geoPath(projection);
    return {
      countries: geo.countries.map((f, i) => ({ key: String(f.id ?? i), d: path(f) })).filter((c) => c.d),
      regions: geo.regions.map((r) => ({ code: r.code, name: r.name, d: path(r.shape) ?? "" })),
    };
  }, [geo, projection]);

  return (
    <div class="map-canvas">
      <svg viewBox={`0 0 ${w} ${h}`} role="group" aria-label={fill(m.map.mapLabel, { n: markers.length })}
           data-view={view}>
        <g aria-hidden="true">
          <rect class="sea" width={w} height={h} />
          {shapes.countries.map((c) => <path key={c.key} class="country" d={c.d!} />)}
          {shapes.regions.map((r) => <path key={r.code} class="region" data-region={r.code} d={r.d} />)}
        </g>
        <g class="markers">
          {markers.map((mk) => {
            const label = `${mk.cluster.name} — ${m.map.sectors[mk.group]}${mk.approximate ? ` (${m.map.approxSuffix})` : ""}`;
            return (
              <Link key={mk.cluster.id} href={`/clusters/${mk.cluster.id}`} class="marker" aria-label={label}
                    data-cluster={String(mk.cluster.id)} data-approximate={mk.approximate ? "true" : undefined}
                    onMouseEnter={() => setTip(mk)} onMouseLeave={() => setTip(null)}
                    onFocus={() => setTip(mk)} onBlur={() => setTip(null)}>
                <MarkerShape x={mk.x} y={mk.y} colour={SECTOR_COLOUR[mk.group]} approximate={mk.approximate} />
              </Link>
            );
          })}
        </g>
      </svg>
      {tip && (
        // Positioned in percent of the drawing, so it follows the SVG however wide it is drawn.
        <div class="map-tip" aria-hidden="true" style={{ left: `${(100 * tip.x) / w}%`, top: `${(100 * tip.y) / h}%` }}>
          {tip.cluster.name}{tip.approximate && <small> ({m.map.approxSuffix})</small>}
        </div>
      )}
    </div>
  );
}

/** A circle at a cluster's coordinates; a diamond at its region's centre — shape, not only colour, tells them apart. */
export function MarkerShape({ x, y, colour, approximate, r = MARKER_RADIUS }: {
  x: number; y: number; colour: string; approximate: boolean; r?: number;
}) {
  if (!approximate) return <circle class="shape" cx={x} cy={y} r={r} fill={colour} />;
  const d = r * 1.25;
  return <path class="shape" d={`M${x} ${y - d}L${x + d} ${y}L${x} ${y + d}L${x - d} ${y}Z`} fill={colour} />;
}
