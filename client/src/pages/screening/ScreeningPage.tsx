// Screening the registry with a criteria set: choose (or compose) the set, narrow the scope, run it, then read the
// funnel, the results with each criterion's explanation, the CSV, and how it differs from an earlier run.
// The set, version and run being looked at live in the address, so a result can be shared and reloaded.
import { useState } from "preact/hooks";
import { api } from "../../api/client";
import { Async } from "../../components/ui";
import { useMessages } from "../../i18n";
import { setQuery, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { CriteriaPanel } from "./CriteriaPanel";
import { RunForm } from "./RunForm";
import { RunsList } from "./RunsList";
import { RunView } from "./RunView";

export default function ScreeningPage() {
  const m = useMessages();
  const s = m.screening;
  const { query } = useLocation();
  const sets = useApi((signal) => api.GET("/api/v1/criteria-sets", { signal, params: { query: { limit: 200 } } }), []);
  const [runsRound, setRunsRound] = useState(0);
  const runId = Number(query.get("run")) || null;

  return (
    <section class="screening">
      <h1>{s.title}</h1>
      <p>{s.intro}</p>
      <Async state={sets}>
        {(page) => {
          // The IMAGINE study's set is the demo's reference: chosen unless the address names another.
          const imagine = [...page.items].sort((a, b) => a.id - b.id).find((x) => /IMAGINE/i.test(x.name));
          const setId = Number(query.get("set")) || imagine?.id || page.items[0]?.id || null;
          const chosen = page.items.find((x) => x.id === setId) ?? null;
          const version = Number(query.get("version")) || chosen?.latest_version || null;
          return (
            <>
              <CriteriaPanel sets={page.items} set={chosen} version={version} onSetsChanged={sets.reload} />
              {chosen && version && (
                <RunForm set={chosen} version={version}
                         onStarted={(id) => { setRunsRound((r) => r + 1); setQuery({ run: id }, false); }} />
              )}
              {runId && <RunView key={runId} id={runId} sets={page.items} runsRound={runsRound}
                                 onFinished={() => setRunsRound((r) => r + 1)} />}
              <RunsList sets={page.items} current={runId} round={runsRound} />
            </>
          );
        }}
      </Async>
    </section>
  );
}
