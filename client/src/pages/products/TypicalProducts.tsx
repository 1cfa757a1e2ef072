// A cluster's typical products on its page: each with the climate-change result of its latest LCA study and
// whether an EPD of it is in force, linking to the product's page.
import { api } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { Link } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { climateFigure, decimalText, epdState, functionalUnitText } from "./logic";

export function TypicalProducts({ clusterId }: { clusterId: number }) {
  const m = useMessages();
  const p = m.products;
  const lang = useLanguage();
  const products = useApi((signal) => api.GET("/api/v1/clusters/{cluster_id}/products", {
    signal, params: { path: { cluster_id: clusterId }, query: { limit: 200 } },
  }), [clusterId]);
  return (
    <>
      <h2 id="typical-products">{p.typicalProducts}</h2>
      <Async state={products}>
        {(page) => page.items.length === 0 ? <Empty>{p.noProducts}</Empty> : (
          <div class="table-wrap">
            <table aria-labelledby="typical-products">
              <thead>
                <tr>
                  <th scope="col">{p.product}</th>
                  <th scope="col">{p.code}</th>
                  <th scope="col">{p.climateLatest}</th>
                  <th scope="col">{p.epd}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((product) => {
                  const figure = climateFigure(product);
                  const state = epdState(product.epds);
                  return (
                    <tr key={product.id}>
                      <td><Link href={`/products/${product.id}`}>{product.name}</Link></td>
                      <td>{product.code ?? "–"}</td>
                      <td>
                        {figure ? (
                          <>
                            {decimalText(figure.value, lang)} {figure.unit}{" "}
                            {fill(p.perUnit, { unit: functionalUnitText(figure.study.functional_unit, lang, p.units, p.unitsMany) })}
                            {figure.study.is_illustrative && <> <span class="badge warn">{p.illustrative}</span></>}
                          </>
                        ) : <span class="state">{p.noStudy}</span>}
                      </td>
                      <td>
                        <span class={`badge${state === "in_force" ? " ok" : state === "expired" ? " warn" : ""}`}>
                          {p.epdStates[state]}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </>
  );
}
