// One impact indicator across the products of the same kind (a NACE or PRODCOM code prefix), whichever their
// cluster: each product's latest study reporting it, set side by side per one unit only when the API finds the
// studies comparable, with its reasons when it does not. The choice lives in the address.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import type { paths } from "../../api/schema";
import { Async, Empty, Field, ProblemBox, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { Link, setQuery, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { BarChart } from "../dashboards/BarChart";
import { CLIMATE, decimalText, functionalUnitText } from "./logic";

type Query = paths["/api/v1/products/comparison"]["get"]["parameters"]["query"];
const BOUNDARIES: NonNullable<Query["system_boundary"]>[] = [
  "cradle_to_gate", "cradle_to_gate_with_options", "cradle_to_grave", "cradle_to_cradle", "gate_to_gate",
];

export default function ComparisonPage() {
  const m = useMessages();
  const t = m.products;
  const lang = useLanguage();
  const { query } = useLocation();
  const chosen = { code: query.get("code") ?? "", indicator: query.get("indicator") || CLIMATE, boundary: query.get("boundary") ?? "" };
  const [draft, setDraft] = useState(chosen);
  useEffect(() => setDraft(chosen), [chosen.code, chosen.indicator, chosen.boundary]);
  const indicators = useApi((signal) => api.GET("/api/v1/lca-indicators", { signal }), []);
  const comparison = useApi((signal) => chosen.code ? api.GET("/api/v1/products/comparison", {
    signal, params: { query: {
      code: chosen.code, indicator: chosen.indicator as Query["indicator"],
      system_boundary: (chosen.boundary || undefined) as Query["system_boundary"],
    } },
  }) : null, [chosen.code, chosen.indicator, chosen.boundary]);
  const name = (key: string, fallback?: string) => t.indicators[key] ?? fallback ?? key;
  const input = (key: keyof typeof draft) => (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });

  function submit(event: Event) {
    event.preventDefault();
    setQuery({ code: draft.code.trim(), indicator: draft.indicator, boundary: draft.boundary });
  }

  return (
    <section class="comparison">
      <h1>{t.comparisonTitle}</h1>
      <p>{t.comparisonIntro}</p>
      <form class="filters" onSubmit={submit}>
        <Field label={t.codePrefix} name="code" value={draft.code} onInput={input("code")} hint={t.codeHint}
               problem={comparison.problem} required size={14} maxLength={14} autoComplete="off" />
        <Select label={t.chooseIndicator} name="indicator" value={draft.indicator} onChange={input("indicator")}
                problem={comparison.problem}
                options={(indicators.data ?? [{ key: CLIMATE, name: "", abbreviation: "GWP-total", unit: "kg CO2 eq" }])
                  .map((i) => ({ value: i.key, label: `${name(i.key, i.name)} (${i.abbreviation}, ${i.unit})` }))} />
        <Select label={t.boundary} name="system_boundary" value={draft.boundary} onChange={input("boundary")}
                problem={comparison.problem}
                options={[{ value: "", label: t.anyBoundary }, ...BOUNDARIES.map((b) => ({ value: b, label: t.boundaries[b] }))]} />
        <div class="actions"><button type="submit">{t.compareButton}</button></div>
      </form>
      {!chosen.code ? <Empty>{t.giveCode}</Empty> : comparison.problem
        ? <ProblemBox problem={comparison.problem} fields={["code", "indicator", "system_boundary"]} onRetry={comparison.reload} />
        : (
          <Async state={comparison}>
            {(c) => {
              const indicator = name(c.indicator.key, c.indicator.name);
              const said = (d: Schemas["ComparisonDifference"]) => fill(t.differences[d.kind] ?? d.kind, {
                values: d.values.map((v) => t.boundaries[v] ?? t.units[v] ?? v).join(", "),
              });
              const per = c.per ? (t.units[c.per] ?? c.per) : null;
              const drawn = c.comparable && per ? c.items.filter((i) => i.value_per_unit !== null) : [];
              return (
                <>
                  <h2>{indicator} ({c.indicator.abbreviation}, {c.indicator.unit}) — {c.code}</h2>
                  {c.items.length > 0 && (c.comparable
                    ? <p class="notice">{t.comparable}</p>
                    : (
                      <div class="problem">
                        <strong>{t.notComparable}</strong>
                        <ul>{c.differences.filter((d) => d.blocking).map((d) => <li key={d.kind}>{said(d)}</li>)}</ul>
                      </div>
                    ))}
                  {c.differences.some((d) => !d.blocking) && (
                    <p>
                      <strong>{t.notes}</strong>{" "}
                      {c.differences.filter((d) => !d.blocking).map(said).join("; ")}
                    </p>
                  )}
                  {c.items.length === 0 ? <Empty>{t.noneCompared}</Empty> : (
                    <div class="table-wrap">
                      <table>
                        <caption class="sr-only">{indicator}</caption>
                        <thead>
                          <tr>
                            <th scope="col">{t.product}</th>
                            <th scope="col">{t.cluster}</th>
                            <th scope="col">{t.code}</th>
                            <th scope="col">{t.functionalUnit}</th>
                            <th scope="col">{t.boundary}</th>
                            <th scope="col">{t.method}</th>
                            <th scope="col">{t.referenceYear}</th>
                            <th scope="col" class="num">{t.reported} ({c.indicator.unit})</th>
                            {per && <th scope="col" class="num">{fill(t.perOne, { unit: per })} ({c.indicator.unit})</th>}
                          </tr>
                        </thead>
                        <tbody>
                          {c.items.map((i) => (
                            <tr key={i.product_id}>
                              <th scope="row">
                                <Link href={`/products/${i.product_id}`}>{i.product_name}</Link>
                                {i.is_illustrative && <> <span class="badge warn">{t.illustrative}</span></>}
                              </th>
                              <td><Link href={`/clusters/${i.cluster_id}`}>{i.cluster_name}</Link></td>
                              <td>{i.code ?? "–"}</td>
                              <td>
                                {functionalUnitText(i.functional_unit, lang, t.units, t.unitsMany)}
                                {i.functional_unit.description ? ` (${i.functional_unit.description})` : ""}
                              </td>
                              <td>{t.boundaries[i.system_boundary] ?? i.system_boundary}</td>
                              <td>{i.method}</td>
                              <td>{i.reference_year ?? "–"}</td>
                              <td class="num">{decimalText(i.value, lang)}</td>
                              {per && <td class="num">{decimalText(i.value_per_unit, lang)}</td>}
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  )}
                  {drawn.length > 1 && (
                    <BarChart id="comparison" title={fill(t.chartTitle, { indicator, unit: per ?? "" })} horizontal digits={6}
                              labels={drawn.map((i) => `${i.product_name} (${i.cluster_name})`)}
                              series={[{ label: c.indicator.unit, values: drawn.map((i) => Number(i.value_per_unit)) }]} />
                  )}
                  {c.without_result.length > 0 && (
                    <>
                      <h3>{t.withoutResult}</h3>
                      <ul>
                        {c.without_result.map((w) => (
                          <li key={w.product_id}><Link href={`/products/${w.product_id}`}>{w.product_name}</Link></li>
                        ))}
                      </ul>
                    </>
                  )}
                </>
              );
            }}
          </Async>
        )}
    </section>
  );
}
