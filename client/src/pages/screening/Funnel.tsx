// The funnel: how many clusters each phase looked at, passed, failed or left unknown, removed or added, and how
// many were on the list after it, drawn as bars against the clusters in scope, beside the document's counts.
import type { Schemas } from "../../api/client";
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";

export function Funnel({ run }: { run: Schemas["ScreeningRead"] }) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  const entered = run.entered ?? 0;
  const n = (v: number | null | undefined) => number(v ?? 0, lang);
  const width = (v: number) => `${entered ? Math.max(0.5, (100 * v) / entered) : 0}%`;
  const rejected = entered - (run.selected ?? 0) - (run.needs_review ?? 0);
  return (
    <section aria-labelledby="funnel-title">
      <h3 id="funnel-title">{s.funnel}</h3>
      <ol class="funnel">
        <li>
          <div class="funnel-head">
            <strong>{s.inScope}</strong>
            <span>{fill(s.clusters, { n: n(entered) })}</span>
            {run.reported_population !== null && (
              <span class="source">{fill(s.documentSays, { n: n(run.reported_population) })}</span>
            )}
          </div>
          <div class="bar" aria-hidden="true"><span style={{ width: width(entered) }} /></div>
        </li>
        {(run.funnel ?? []).map((phase) => (
          <li key={phase.position}>
            <div class="funnel-head">
              <strong>{phase.position}. {phase.name}</strong>{" "}
              <span class="badge">{s.modes[phase.mode] ?? phase.mode}</span>
              <span>{fill(s.afterPhase, { n: n(phase.after) })}</span>
              {phase.reported_count !== null && (
                <span class="source">{fill(s.documentSays, { n: n(phase.reported_count) })}</span>
              )}
            </div>
            <div class="bar" aria-hidden="true">
              <span style={{ width: width(phase.after) }} />
            </div>
            <p class="funnel-counts">
              {fill(s.phaseCounts, { considered: n(phase.considered), passed: n(phase.passed), failed: n(phase.failed),
                                     unknown: n(phase.unknown) })}
              {" "}
              {phase.mode === "include"
                ? fill(s.added, { n: n(phase.added) })
                : fill(s.removed, { n: n(phase.removed) })}
            </p>
          </li>
        ))}
      </ol>
      <p class="funnel-total">
        <span class="badge ok">{fill(s.totalSelected, { n: n(run.selected) })}</span>{" "}
        <span class="badge warn">{fill(s.totalReview, { n: n(run.needs_review) })}</span>{" "}
        <span class="badge">{fill(s.totalRejected, { n: n(rejected) })}</span>
      </p>
    </section>
  );
}
