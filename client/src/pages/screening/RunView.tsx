// Step 3: one run. While the worker has it (queued, running) its state is asked again every few seconds and
// shown as progress; once done come the funnel, the results with their explanations, the CSV and the comparison.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Loading, Progress } from "../../components/ui";
import { type Messages, fill, useLanguage, useMessages } from "../../i18n";
import { dateTime } from "../../lib/format";
import { useApi } from "../../lib/useApi";
import { Compare } from "./Compare";
import { Funnel } from "./Funnel";
import { Results } from "./Results";

const POLL_MS = 1500;
const STEPS: Record<Schemas["Status"], number> = { queued: 1, running: 2, done: 3, failed: 3 };

export function RunView({ id, sets, runsRound, onFinished }: {
  id: number; sets: Schemas["CriteriaSetRead"][]; runsRound: number; onFinished: () => void;
}) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  const [tick, setTick] = useState(0);
  const run = useApi((signal) => api.GET("/api/v1/screenings/{screening_id}", {
    signal, params: { path: { screening_id: id } },
  }), [id, tick]);
  const status = run.data?.status;
  const wasPending = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // The next question goes out once the last answer is in (each answer is a new object), never two at once.
  useEffect(() => {
    if (status === "queued" || status === "running") {
      wasPending.current = true;
      const timer = setTimeout(() => setTick((t) => t + 1), POLL_MS);
      return () => clearTimeout(timer);
    }
    if (status === "done" || status === "failed") {
      if (wasPending.current) onFinished();
      wasPending.current = false;
    }
    return undefined;
  }, [run.data]);

  // A new run's view takes the focus, so keyboard and screen-reader users land on its outcome.
  useEffect(() => {
    heading.current?.focus();
  }, [id]);

  const set = sets.find((x) => x.id === run.data?.criteria_set_id);
  return (
    <section aria-labelledby="run-title" class="run">
      <h2 id="run-title" tabIndex={-1} ref={heading}>{fill(s.runTitle, { id })}</h2>
      <Async state={run}>
        {(r) => (
          <>
            <p class="source">
              {fill(s.runFacts, { set: set?.name ?? `#${r.criteria_set_id}`, version: r.version,
                                  when: dateTime(r.created_at, lang), who: r.requested_by ?? "–" })}
              {" "}{scopeText(r.scope, m)}
            </p>
            {(r.status === "queued" || r.status === "running") && (
              <div role="status" aria-live="polite">
                <Progress value={STEPS[r.status]} max={3} label={s.status[r.status]} />
                <Loading label={s.pollNote} />
              </div>
            )}
            {r.status === "failed" && <p class="problem" role="alert">{s.status.failed}: {r.error ?? "–"}</p>}
            {r.status === "done" && (
              <>
                <p class="notice" role="status">
                  {s.status.done}{r.data_read_at ? ` ${fill(s.dataReadAt, { when: dateTime(r.data_read_at, lang) })}` : ""}
                </p>
                {r.note && <p class="state">{r.note}</p>}
                <Funnel run={r} />
                {(r.entered ?? 0) > 0 && <Results run={r} />}
                <Compare run={r} sets={sets} round={runsRound} />
              </>
            )}
          </>
        )}
      </Async>
    </section>
  );
}

function scopeText(scope: Record<string, unknown>, m: Messages): string {
  const s = m.screening;
  const parts: string[] = [];
  const items = (key: string) => (Array.isArray(scope[key]) ? (scope[key] as unknown[]).map(String) : []);
  const list = (key: string) => items(key).join(", ");
  if (list("countries")) parts.push(`${s.countries}: ${list("countries")}`);
  if (list("regions")) parts.push(`${s.regions}: ${list("regions")}`);
  if (list("kinds")) parts.push(`${s.kinds}: ${items("kinds").map((k) => m.common.kinds[k] ?? k).join(", ")}`);
  if (list("cluster_ids")) parts.push(s.someClusters);
  if (scope.from_screening) parts.push(s.savedList);
  return `${s.scope}: ${parts.length ? parts.join("; ") : s.wholeRegistry}.`;
}
