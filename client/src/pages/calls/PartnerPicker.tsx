// The partners of an application: registered organizations found by name, each receiving funds or not.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Empty, Loading } from "../../components/ui";
import { fill, useMessages } from "../../i18n";
import { type Problem, fieldMessages } from "../../lib/problem";

/** A partner as the application's body names it. */
export type PartnerRow = Schemas["PartnerIn"];

type Organization = Schemas["OrganizationRead"];

/** Names of organizations by id, read once each. */
function useNames(ids: number[]): Record<number, string> {
  const [names, setNames] = useState<Record<number, string>>({});
  const missing = ids.filter((id) => !(id in names));
  useEffect(() => {
    if (missing.length === 0) return;
    let live = true;
    Promise.all(missing.map((id) => api.GET("/api/v1/organizations/{organization_id}", {
      params: { path: { organization_id: id } },
    }).then((res) => [id, res.data?.name ?? ""] as const))).then((found) => {
      if (live) setNames((known) => ({ ...known, ...Object.fromEntries(found) }));
    });
    return () => { live = false; };
  }, [missing.join(",")]);
  return names;
}

export function PartnerPicker({ partners, problem, onChange }: {
  partners: PartnerRow[];
  problem: Problem | null;
  onChange: (partners: PartnerRow[]) => void;
}) {
  const m = useMessages();
  const names = useNames(partners.map((p) => p.organization_id));
  const messages = fieldMessages(problem);
  const name = (id: number) => names[id] || fill(m.calls.organizationN, { id });

  return (
    <fieldset class={`calls-group${messages.partners ? " invalid" : ""}`}>
      <legend>{m.calls.partners}</legend>
      <p class="source">{m.calls.partnersHint}</p>
      {partners.length === 0 ? <p class="state">{m.calls.noPartners}</p> : (
        <ul class="calls-partners">
          {partners.map((p, i) => {
            const error = messages[`partners.${i}.organization_id`] ?? messages[`partners.${i}`];
            return (
              <li key={p.organization_id} class={error ? "calls-invalid" : ""}>
                <span class="calls-partner-name" id={`partner-${i}`}>{name(p.organization_id)}</span>
                <label class="calls-check">
                  <input type="checkbox" name={`partners.${i}.receives_funds`} checked={p.receives_funds}
                         aria-describedby={error ? `partner-${i}-error` : `partner-${i}`}
                         onChange={(e) => onChange(partners.map((q, j) => j === i
                           ? { ...q, receives_funds: (e.target as HTMLInputElement).checked } : q))} />
                  {m.calls.receivesFunds}
                </label>
                <button type="button" class="secondary" aria-label={fill(m.calls.removePartner, { name: name(p.organization_id) })}
                        onClick={() => onChange(partners.filter((_, j) => j !== i))}>✕</button>
                {error && <span class="field-error" id={`partner-${i}-error`}>{error}</span>}
              </li>
            );
          })}
        </ul>
      )}
      {messages.partners && <span class="field-error">{messages.partners}</span>}
      <Search exclude={partners.map((p) => p.organization_id)}
              onPick={(org) => onChange([...partners, { organization_id: org.id, receives_funds: true }])} />
    </fieldset>
  );
}

/** A search among registered organizations by name; no nested form, so Enter searches instead of saving. */
function Search({ exclude, onPick }: { exclude: number[]; onPick: (org: Organization) => void }) {
  const m = useMessages();
  const [text, setText] = useState("");
  const [state, setState] = useState<{ loading: boolean; items: Organization[] | null }>({ loading: false, items: null });

  async function run() {
    const q = text.trim();
    if (!q) return;
    setState({ loading: true, items: state.items });
    const res = await api.GET("/api/v1/organizations", { params: { query: { q, limit: 10 } } });
    setState({ loading: false, items: res.data?.items ?? [] });
  }

  const shown = state.items?.filter((o) => !exclude.includes(o.id)) ?? null;
  return (
    <div class="calls-partner-search">
      <div class="calls-row">
        <div class="field">
          <label for="partner-search">{m.calls.searchPartner}</label>
          <input id="partner-search" type="search" value={text} maxLength={200}
                 onInput={(e) => setText((e.target as HTMLInputElement).value)}
                 onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); void run(); } }} />
        </div>
        <button type="button" class="secondary" onClick={() => void run()}>{m.calls.searchPartnerButton}</button>
      </div>
      {state.loading && <Loading />}
      {shown && !state.loading && (shown.length === 0 ? <Empty>{m.calls.noOrganizations}</Empty> : (
        <ul class="calls-plain calls-found" aria-live="polite">
          {shown.map((o) => (
            <li key={o.id}>
              <button type="button" class="secondary" onClick={() => onPick(o)}>
                {fill(m.calls.addPartner, { name: o.name })}
              </button>
              <span class="source"> {[o.region_code, o.size_class].filter(Boolean).join(" · ")}</span>
            </li>
          ))}
        </ul>
      ))}
    </div>
  );
}
