// Every state the application went through, with who moved it, when and why.
import { api } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { useLanguage, useMessages } from "../../i18n";
import { dateTime } from "../../lib/format";
import { useApi } from "../../lib/useApi";

export function History({ applicationId, version }: { applicationId: number; version: number }) {
  const m = useMessages();
  const lang = useLanguage();
  const history = useApi((signal) => api.GET("/api/v1/applications/{application_id}/transitions", {
    signal, params: { path: { application_id: applicationId } },
  }), [applicationId, version]);
  const label = (state: string | null) => (state ? m.calls.states[state] ?? state : m.calls.start);
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">{m.calls.history}</h2>
      <Async state={history}>
        {(rows) => rows.length === 0 ? <Empty>{m.calls.noHistory}</Empty> : (
          <ol class="calls-history">
            {rows.map((t, i) => (
              <li key={i}>
                <time dateTime={t.at}>{dateTime(t.at, lang)}</time>{" "}
                <span>{label(t.from_state)} → <strong>{label(t.to_state)}</strong></span>{" "}
                <span class="source">({m.calls.by}: {t.actor})</span>
                {t.reason && <div class="calls-reason">{m.calls.reason}: {t.reason}</div>}
              </li>
            ))}
          </ol>
        )}
      </Async>
    </section>
  );
}
