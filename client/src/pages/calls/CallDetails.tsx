// What a call says: conditions, eligibility, phases, funders and evaluation criteria.
import { Fragment } from "preact";
import { useLanguage, useMessages } from "../../i18n";
import { dateTime, euro, number, percent } from "../../lib/format";
import type { Call } from "./logic";

export function CallDetails({ call }: { call: Call }) {
  const m = useMessages();
  const lang = useLanguage();
  return (
    <>
      <h2>{m.calls.conditions}</h2>
      <dl class="facts">
        <dt>{m.calls.budget}</dt><dd>{euro(call.budget, lang)}</dd>
        {call.topics.length > 0 && <><dt>{m.calls.topics}</dt><dd><ul class="calls-plain">{call.topics.map((t) => <li key={t}>{t}</li>)}</ul></dd></>}
        {call.categories.length > 0 && <><dt>{m.calls.categories}</dt><dd>{call.categories.join(", ")}</dd></>}
        <dt>{m.calls.maxGrant}</dt><dd>{euro(call.max_grant, lang)}</dd>
        <dt>{m.calls.minInvestment}</dt><dd>{euro(call.min_investment, lang)}</dd>
        <dt>{m.calls.cofinancingRate}</dt><dd>{call.cofinancing_rate ? percent(Number(call.cofinancing_rate), lang) : "–"}</dd>
        <dt>{m.calls.requiredDocuments}</dt>
        <dd>{call.required_documents.length ? call.required_documents.join("; ") : m.calls.none}</dd>
        {call.settings_note && <><dt>{m.calls.settingsNote}</dt><dd>{call.settings_note}</dd></>}
      </dl>
      <Eligibility rules={call.eligibility} />
      <h2>{m.calls.phases}</h2>
      {call.phases.length === 0 ? <p class="state">{m.calls.none}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{m.calls.phase}</th><th scope="col">{m.calls.opensAt}</th>
                <th scope="col">{m.calls.closesAt}</th><th scope="col">{m.calls.note}</th>
              </tr>
            </thead>
            <tbody>
              {call.phases.map((p) => (
                <tr key={p.id}>
                  <td>{p.name} {p.open_now && <span class="badge ok">{m.calls.openNow}</span>}</td>
                  <td>{dateTime(p.opens_at, lang)}</td>
                  <td>{dateTime(p.closes_at, lang)}</td>
                  <td>{p.note ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{m.calls.funders}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{m.calls.funder}</th><th scope="col">{m.calls.funderRole}</th>
              <th scope="col">{m.calls.provinces}</th><th scope="col" class="num">{m.calls.contribution}</th>
            </tr>
          </thead>
          <tbody>
            {call.funders.map((f) => (
              <tr key={f.id}>
                <td>{f.name}</td>
                <td>{m.calls.funderRoles[f.role] ?? f.role}</td>
                <td>{f.provinces.join(", ") || "–"}</td>
                <td class="num">{euro(f.contribution, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{m.calls.criteria}</h2>
      {call.criteria.length === 0 ? <p class="state">{m.calls.none}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{m.calls.criterion}</th><th scope="col" class="num">{m.calls.weight}</th>
                <th scope="col" class="num">{m.calls.maxScore}</th><th scope="col" class="num">{m.calls.minScore}</th>
              </tr>
            </thead>
            <tbody>
              {call.criteria.map((c) => (
                <tr key={c.code}>
                  <td>{c.name}</td>
                  <td class="num">{number(Number(c.weight), lang, 4)}</td>
                  <td class="num">{number(Number(c.max_score), lang, 3)}</td>
                  <td class="num">{c.min_score === null ? "–" : number(Number(c.min_score), lang, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {call.threshold_score && <p>{m.calls.thresholdScore}: {number(Number(call.threshold_score), lang, 3)}</p>}
    </>
  );
}

function Eligibility({ rules }: { rules: Record<string, unknown> }) {
  const m = useMessages();
  const entries = Object.entries(rules).filter(([, v]) => v !== null && v !== undefined && v !== false
    && !(Array.isArray(v) && v.length === 0));
  if (entries.length === 0) return null;
  const show = (key: string, value: unknown): string => {
    if (value === true) return m.common.yes;
    if (key === "size_classes" && Array.isArray(value)) return value.map((s) => m.calls.sizes[String(s)] ?? String(s)).join(", ");
    if (key === "kinds" && Array.isArray(value)) return value.map((k) => m.calls.orgKinds[String(k)] ?? String(k)).join(", ");
    return Array.isArray(value) ? value.join(", ") : String(value);
  };
  return (
    <>
      <h3>{m.calls.eligibility}</h3>
      <dl class="facts">
        {entries.map(([key, value]) => (
          <Fragment key={key}><dt>{m.calls.eligibilityRules[key] ?? key}</dt><dd>{show(key, value)}</dd></Fragment>
        ))}
      </dl>
    </>
  );
}
