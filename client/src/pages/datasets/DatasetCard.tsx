// One dataset: what it is, under which licence, how to download it, its data dictionary and its releases.
import { useState } from "preact/hooks";
import { api, apiUrl, type Schemas } from "../../api/client";
import { Async, Empty, Field } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import { useApi } from "../../lib/useApi";

type Dataset = Schemas["DatasetRead"];
type Release = Schemas["ReleaseRead"];

const FORMATS = ["csv", "jsonl", "json"] as const;

export function DatasetCard({ dataset }: { dataset: Dataset }) {
  const m = useMessages();
  const lang = useLanguage();
  const [since, setSince] = useState("");
  const titleId = `dataset-${dataset.name}-title`;
  const formats = FORMATS.filter((f) => dataset.downloads[f]);
  // Zone-less: the API reads it as Rome time, the day the person picked.
  const modifiedSince = since ? `${since}T00:00:00` : undefined;

  return (
    <article class="card dataset" id={`dataset-${dataset.name}`} aria-labelledby={titleId}>
      <h2 id={titleId}>{dataset.title}</h2>
      <p>{dataset.description}</p>
      <dl class="facts">
        <dt>{m.datasets.identifier}</dt>
        <dd><code>{dataset.name}</code></dd>
        <dt>{m.datasets.licence}</dt>
        <dd>{dataset.licence_url
          ? <a href={dataset.licence_url} rel="license noopener noreferrer">{dataset.licence}</a>
          : dataset.licence || "–"}</dd>
        <dt>{m.datasets.publisher}</dt>
        <dd>{dataset.publisher || "–"}</dd>
        <dt>{m.datasets.lastModified}</dt>
        <dd>{dataset.last_modified ? dateTime(dataset.last_modified, lang) : m.datasets.neverModified}</dd>
        {dataset.keywords.length > 0 && <><dt>{m.datasets.keywords}</dt><dd>{dataset.keywords.join(", ")}</dd></>}
      </dl>

      <h3>{m.datasets.download}</h3>
      <ul class="downloads">
        {formats.map((format) => (
          <li key={format}>
            <a class="button secondary" href={apiUrl(`/api/v1/datasets/${encodeURIComponent(dataset.name)}/download`, { format, modified_since: modifiedSince })}
               aria-label={fill(m.datasets.downloadAs, { title: dataset.title, format: m.datasets.formats[format] ?? format })}>
              {m.datasets.formats[format] ?? format}
            </a>
          </li>
        ))}
      </ul>
      {dataset.supports_modified_since && (
        <Field label={m.datasets.modifiedSince} name="modified_since" type="date" value={since}
               hint={m.datasets.modifiedSinceHint} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
      )}

      <details class="dictionary">
        <summary>{fill(m.datasets.dictionary, { n: number(dataset.dictionary.length, lang) })}</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{m.datasets.field}</th>
                <th scope="col">{m.datasets.type}</th>
                <th scope="col">{m.datasets.unit}</th>
                <th scope="col">{m.datasets.description}</th>
                <th scope="col">{m.datasets.allowed}</th>
              </tr>
            </thead>
            <tbody>
              {dataset.dictionary.map((f) => (
                <tr key={f.field}>
                  <th scope="row"><code>{f.field}</code></th>
                  <td>{f.type}</td>
                  <td>{f.unit ?? "–"}</td>
                  <td>{f.description}</td>
                  <td>{f.allowed_values ? f.allowed_values.map((v) => <code key={v} class="allowed">{v}</code>) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>

      <Releases name={dataset.name} />
    </article>
  );
}

function Releases({ name }: { name: string }) {
  const m = useMessages();
  const lang = useLanguage();
  // Oldest first: the last one is the latest.
  const releases = useApi((signal) => api.GET("/api/v1/datasets/{name}/releases", { signal, params: { path: { name } } }),
                          [name]);
  return (
    <section class="releases" aria-label={m.datasets.releases}>
      <h3>{m.datasets.releases}</h3>
      <Async state={releases}>
        {(list) => list.length === 0 ? <Empty>{m.datasets.noReleases}</Empty> : (
          <>
            <p class="source">{m.datasets.releasesText}</p>
            <ReleaseView release={list[list.length - 1]} />
            {list.length > 1 && (
              <details class="older-releases">
                <summary>{fill(m.datasets.olderReleases, { n: number(list.length - 1, lang) })}</summary>
                {list.slice(0, -1).reverse().map((r) => <ReleaseView key={r.number} release={r} />)}
              </details>
            )}
          </>
        )}
      </Async>
    </section>
  );
}

function ReleaseView({ release: r }: { release: Release }) {
  const m = useMessages();
  const lang = useLanguage();
  return (
    <div class="release" data-release={r.number}>
      <h4>
        {fill(m.datasets.release, { n: r.number })}
        {" — "}{dateTime(r.created_at, lang)}
        <span class="source"> ({fill(m.datasets.releaseRows, { n: number(r.rows, lang) })})</span>
      </h4>
      {r.note && <p>{r.note}</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{m.datasets.file}</th>
              <th scope="col" class="num">{m.datasets.size}</th>
              <th scope="col">{m.datasets.sha256}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(r.files).map(([key, f]) => {
              const format = m.datasets.formats[key] ?? key;
              return (
                <tr key={key}>
                  <td><a href={apiUrl(f.url)} aria-label={fill(m.datasets.downloadRelease, { n: r.number, format })}>{format}</a></td>
                  <td class="num">{fill(m.datasets.kilobytes, { n: number(f.size / 1000, lang, 1) })}</td>
                  <td><code class="hash">{f.sha256}</code></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
