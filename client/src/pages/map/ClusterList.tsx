// The map as a table: every cluster with its sector in words and where (or whether) it is drawn — for
// screen-reader and keyboard users, and for anyone who wants the clusters the map cannot place.
import type { Schemas } from "../../api/client";
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import { Link } from "../../lib/router";
import type { Layout } from "./layout";
import { REGIONS } from "./regions";
import { SECTOR_COLOUR, sectorGroup } from "./sectors";

export function ClusterList({ clusters, layout }: { clusters: Schemas["ClusterRead"][]; layout: Layout }) {
  const m = useMessages();
  const lang = useLanguage();
  const countries = new Intl.DisplayNames([lang], { type: "region" });
  const sorted = [...clusters].sort((a, b) => a.name.localeCompare(b.name, lang));
  const approx = layout.markers.filter((mk) => mk.approximate).length;

  function position(c: Schemas["ClusterRead"]): string {
    const place = layout.placement.get(c.id);
    if (!place || place.kind === "none") return m.map.notPlaced;
    const where = place.kind === "exact"
      ? fill(m.map.at, { lat: number(place.lat, lang, 4), lon: number(place.lon, lang, 4) })
      : place.kind === "region" ? fill(m.map.approxAt, { region: REGIONS[place.region].name })
      : fill(m.map.approxAtCountry, { country: countries.of(place.country) ?? place.country });
    return layout.outside.has(c.id) ? `${where} — ${m.map.outside}` : where;
  }

  return (
    <section aria-labelledby="map-list-title">
      <h2 id="map-list-title" tabIndex={-1}>{m.map.listTitle}</h2>
      <p>{fill(m.map.summary, {
        placed: number(layout.markers.length, lang), approx: number(approx, lang),
        none: number(clusters.length - layout.markers.length, lang),
      })}</p>
      <div class="table-wrap">
        <table class="map-list">
          <thead>
            <tr>
              <th scope="col">{m.map.name}</th>
              <th scope="col">{m.map.sector}</th>
              <th scope="col">{m.map.position}</th>
              <th scope="col">{m.map.country}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((c) => {
              const group = sectorGroup(c);
              const placed = layout.placement.get(c.id)?.kind !== "none" && !layout.outside.has(c.id);
              return (
                <tr key={c.id} data-placed={placed ? "true" : "false"}>
                  <td><Link href={`/clusters/${c.id}`}>{c.name}</Link></td>
                  <td>
                    <span class="map-dot" aria-hidden="true" style={{ background: SECTOR_COLOUR[group] }} />
                    {m.map.sectors[group]}
                    {c.sectors.length > 0 && <div class="source">{c.sectors.map((s) => s.label).join("; ")}</div>}
                  </td>
                  <td>{position(c)}</td>
                  <td>{countryName(countries, c.country)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function countryName(names: Intl.DisplayNames, code: string): string {
  try {
    return names.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
