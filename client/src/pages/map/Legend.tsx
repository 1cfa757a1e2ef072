// What the colours and the shapes mean, with how many clusters each colour stands for.
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import type { Marker } from "./layout";
import { MarkerShape } from "./MapView";
import { SECTOR_COLOUR, SECTOR_GROUPS } from "./sectors";

function Swatch({ colour, approximate = false }: { colour: string; approximate?: boolean }) {
  return (
    <svg class="swatch" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
      <MarkerShape x={10} y={10} r={7} colour={colour} approximate={approximate} />
    </svg>
  );
}

export function Legend({ markers }: { markers: Marker[] }) {
  const m = useMessages();
  const lang = useLanguage();
  const counts = new Map<string, number>();
  for (const mk of markers) counts.set(mk.group, (counts.get(mk.group) ?? 0) + 1);
  return (
    <aside class="map-legend" aria-labelledby="map-legend-title">
      <h2 id="map-legend-title">{m.map.legend}</h2>
      <h3>{m.map.sector}</h3>
      <ul>
        {SECTOR_GROUPS.map((g) => (
          <li key={g} class={counts.has(g) ? "" : "absent"}>
            <Swatch colour={SECTOR_COLOUR[g]} />
            <span>{m.map.sectors[g]} <span class="count">({fill(m.map.onMap, { n: number(counts.get(g) ?? 0, lang) })})</span></span>
          </li>
        ))}
      </ul>
      <h3>{m.map.position}</h3>
      <ul>
        <li><Swatch colour="#ffffff" /> <span>{m.map.exact}</span></li>
        <li><Swatch colour="#ffffff" approximate /> <span>{m.map.approximate}</span></li>
      </ul>
    </aside>
  );
}
