// Finds an organization by name (GET /organizations?q=) and hands the chosen one to the caller.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../../api/client";
import { Async, Empty, Field } from "../../../components/ui";
import { fill, useMessages } from "../../../i18n";
import { useApi } from "../../../lib/useApi";
import { valueOf } from "./controls";

type Organization = Schemas["OrganizationRead"];

export function OrganizationSearch({ label, action, onPick, exclude = [] }: {
  label: string; action: string; onPick: (organization: Organization) => void; exclude?: number[];
}) {
  const m = useMessages();
  const e = m.registry.edit;
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  // Searching as one types, once the typing pauses; Enter searches at once.
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 350);
    return () => clearTimeout(timer);
  }, [text]);
  const found = useApi((signal) => q.length < 2 ? null : api.GET("/api/v1/organizations", {
    signal, params: { query: { q, limit: 10 } },
  }), [q]);
  return (
    <div class="org-search">
      {/* Not a form of its own: it may sit inside the cluster's form, and forms do not nest. */}
      <div class="inline-row" role="search">
        <Field label={label} name="q" type="search" value={text} onInput={(ev) => setText(valueOf(ev))}
               hint={e.searchHint} maxLength={200} autoComplete="off"
               onKeyDown={(ev) => { if (ev.key === "Enter") { ev.preventDefault(); setQ(text.trim()); } }} />
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setQ(text.trim())}>{m.common.search}</button>
        </div>
      </div>
      {q.length >= 2 && (
        <div aria-live="polite">
          <Async state={found}>
            {(page) => page.items.length === 0 ? <Empty>{fill(e.noOrganizations, { q })}</Empty> : (
              <ul class="picks">
                {page.items.map((o) => (
                  <li key={o.id}>
                    <span>
                      <strong>{o.name}</strong>
                      <span class="source"> {[o.municipality, o.province, o.vat_number].filter(Boolean).join(" · ")}</span>
                    </span>
                    {exclude.includes(o.id)
                      ? <span class="badge">{e.alreadyMember}</span>
                      : <button type="button" class="secondary" onClick={() => onPick(o)}
                                aria-label={`${action}: ${o.name}`}>{action}</button>}
                  </li>
                ))}
              </ul>
            )}
          </Async>
        </div>
      )}
    </div>
  );
}
