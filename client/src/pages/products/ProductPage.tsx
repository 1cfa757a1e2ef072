// A typical product's page: its facts and source, its LCA studies (functional unit, boundary, method, results
// with their units, documents to download) and its EPDs with their validity.
import { api, apiUrl, type Schemas } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { Link } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { humanSize } from "../emas/logic";
import { comparisonHref, decimalText, type Epd, functionalUnitText, type Product, type Study } from "./logic";

type Indicator = Schemas["IndicatorRead"];

export default function ProductPage({ params }: PageProps) {
  const id = Number(params.id);
  const product = useApi((signal) => api.GET("/api/v1/products/{product_id}", {
    signal, params: { path: { product_id: id } },
  }), [id]);
  const indicators = useApi((signal) => api.GET("/api/v1/lca-indicators", { signal }), []);
  return (
    <Async state={product}>
      {(p) => <ProductView product={p} indicators={indicators.data ?? []} />}
    </Async>
  );
}

function ProductView({ product, indicators }: { product: Product; indicators: Indicator[] }) {
  const m = useMessages();
  const t = m.products;
  const cluster = useApi((signal) => api.GET("/api/v1/clusters/{cluster_id}", {
    signal, params: { path: { cluster_id: product.cluster_id } },
  }), [product.cluster_id]);
  const source = product.source;
  const documents = useApi((signal) => source ? api.GET("/api/v1/documents", { signal }) : null, [source?.document]);
  const sourceTitle = documents.data?.items.find((d) => d.key === source?.document)?.title ?? source?.document;
  return (
    <article class="product">
      <p>
        {t.ofCluster}{" "}
        <Link href={`/clusters/${product.cluster_id}`}>{cluster.data?.name ?? `#${product.cluster_id}`}</Link>
      </p>
      <h1>{product.name}</h1>
      <h2>{t.facts}</h2>
      <dl class="facts">
        <dt>{t.description}</dt>
        <dd>{product.description ?? "–"}</dd>
        <dt>{t.code}</dt>
        <dd>{product.code ?? "–"}</dd>
        <dt>{t.declaredUnit}</dt>
        <dd>{product.declared_unit ?? "–"}</dd>
        {source && <><dt>{t.source}</dt><dd class="source">{sourceTitle}{source.locator ? `, ${source.locator}` : ""}</dd></>}
      </dl>
      <p>
        {product.code
          ? <Link class="button secondary" href={comparisonHref(product.code)}>{t.compare}</Link>
          : <span class="state">{t.noCodeToCompare}</span>}
      </p>
      <h2>{t.studies}</h2>
      {product.lca_studies.length === 0 ? <Empty>{t.noStudies}</Empty>
        : product.lca_studies.map((s) => <StudyCard key={s.id} study={s} indicators={indicators} />)}
      <h2>{t.epds}</h2>
      {product.epds.length === 0 ? <Empty>{t.noEpds}</Empty>
        : product.epds.map((e) => <EpdCard key={e.id} epd={e} studies={product.lca_studies} />)}
    </article>
  );
}

function StudyCard({ study, indicators }: { study: Study; indicators: Indicator[] }) {
  const m = useMessages();
  const t = m.products;
  const lang = useLanguage();
  const heading = `study-${study.id}`;
  const known = new Map(indicators.map((i) => [i.key, i]));
  const fu = study.functional_unit;
  return (
    <section class="card study" aria-labelledby={heading}>
      <h3 id={heading}>{study.title ?? fill(t.study, { id: study.id })}</h3>
      {study.is_illustrative && <p><span class="badge warn">{t.illustrativeStudy}</span></p>}
      <dl class="facts">
        <dt>{t.functionalUnit}</dt>
        <dd>{functionalUnitText(fu, lang, t.units, t.unitsMany)}{fu.description ? ` (${fu.description})` : ""}</dd>
        <dt>{t.boundary}</dt>
        <dd>{t.boundaries[study.system_boundary] ?? study.system_boundary}</dd>
        <dt>{t.referenceYear}</dt>
        <dd>{study.reference_year ?? "–"}</dd>
        <dt>{t.method}</dt>
        <dd>{study.method}</dd>
        {study.practitioner && <><dt>{t.practitioner}</dt><dd>{study.practitioner}</dd></>}
        {study.note && <><dt>{t.note}</dt><dd>{study.note}</dd></>}
      </dl>
      <div class="table-wrap">
        <table>
          <caption>{t.results}</caption>
          <thead>
            <tr>
              <th scope="col">{t.indicator}</th>
              <th scope="col">{t.abbreviation}</th>
              <th scope="col" class="num">{t.value}</th>
              <th scope="col">{t.unit}</th>
            </tr>
          </thead>
          <tbody>
            {study.results.map((r) => (
              <tr key={r.indicator}>
                <th scope="row">{t.indicators[r.indicator] ?? known.get(r.indicator)?.name ?? r.indicator}</th>
                <td>{known.get(r.indicator)?.abbreviation ?? "–"}</td>
                <td class="num">{decimalText(r.value, lang)}</td>
                <td>{r.unit}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>{t.documents}</h4>
      {study.files.length === 0 ? <Empty>{t.noDocuments}</Empty> : (
        <ul class="downloads study-files">
          {study.files.map((f) => (
            <li key={f.id}>
              <a class="button secondary" download={f.filename} aria-label={fill(t.download, { name: f.filename })}
                 href={apiUrl(`/api/v1/lca-studies/${study.id}/files/${f.id}/content`)}>
                {f.filename}
              </a>{" "}
              <span class="source">{humanSize(f.size, lang)} · {fill(t.uploaded, { date: date(f.uploaded_at, lang) })}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EpdCard({ epd, studies }: { epd: Epd; studies: Study[] }) {
  const m = useMessages();
  const t = m.products;
  const lang = useLanguage();
  const heading = `epd-${epd.id}`;
  const declared = studies.find((s) => s.id === epd.lca_study_id);
  return (
    <section class="card epd" aria-labelledby={heading}>
      <h3 id={heading}>
        {epd.programme_operator} {epd.registration_number}{" "}
        <span class={`badge ${epd.expired ? "warn" : "ok"}`}>{epd.expired ? t.expired : t.inForce}</span>
      </h3>
      {epd.is_illustrative && <p><span class="badge warn">{t.illustrative}</span></p>}
      <dl class="facts">
        <dt>{t.programmeOperator}</dt>
        <dd>{epd.programme_operator}</dd>
        <dt>{t.registrationNumber}</dt>
        <dd>{epd.registration_number}</dd>
        <dt>{t.standards}</dt>
        <dd>{epd.standards.join(", ")}</dd>
        {epd.pcr && <><dt>{t.pcr}</dt><dd>{epd.pcr}</dd></>}
        <dt>{t.issueDate}</dt>
        <dd>{date(epd.issue_date, lang)}</dd>
        <dt>{t.validUntil}</dt>
        <dd>{date(epd.valid_until, lang)}</dd>
        {epd.verifier && <><dt>{t.verifier}</dt><dd>{epd.verifier}</dd></>}
        {declared && <><dt>{t.declaresStudy}</dt><dd><a href={`#study-${declared.id}`}>{declared.title ?? fill(t.study, { id: declared.id })}</a></dd></>}
        {epd.url && <><dt>{t.link}</dt><dd><a href={epd.url} rel="noopener noreferrer">{epd.url}</a></dd></>}
      </dl>
    </section>
  );
}
