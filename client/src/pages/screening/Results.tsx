// The run's clusters by score, filtered by outcome, country and score, a page at a time (the API's cursors);
// each row opens onto its phases and its criteria with the one-line explanation the database wrote for it.
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { api, apiUrl, type Schemas } from "../../api/client";
import { Async, Field, Pager, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import { Link } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { valueOf } from "../registry/edit/controls";
import { OutcomeBadge } from "./OutcomeBadge";

type Outcome = Schemas["Outcome"];
type Run = Schemas["ScreeningRead"];
type Row = Schemas["ScreeningResultRead"];

// "on the list" is the two outcomes that keep a cluster in: the default, since that is what a Region acts on.
const CHOICES: Record<string, Outcome[]> = {
  all: [], list: ["selected", "needs_review"], selected: ["selected"], needs_review: ["needs_review"],
  rejected: ["rejected"],
};
const PAGE = 20;

interface Filters { outcome: string; country: string; minScore: string }

export function Results({ run }: { run: Run }) {
  const m = useMessages();
  const s = m.screening;
  const lang = useLanguage();
  const [draft, setDraft] = useState<Filters>({ outcome: "all", country: "", minScore: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const [cursor, setCursor] = useState<string | null>(null);
  const [passed, setPassed] = useState<(string | null)[]>([]);
  const [open, setOpen] = useState<number[]>([]);

  const outcome = CHOICES[filters.outcome] ?? [];
  const country = filters.country.trim().toUpperCase();
  const minScore = filters.minScore.trim() ? Number(filters.minScore.replace(",", ".")) : undefined;
  const query = {
    outcome: outcome.length ? outcome : undefined, country: country ? [country] : undefined,
    min_score: minScore !== undefined && Number.isFinite(minScore) ? minScore : undefined,
  };
  const page = useApi(async (signal) => {
    const r = await api.GET("/api/v1/screenings/{screening_id}/results", {
      signal, params: { path: { screening_id: run.id }, query: { ...query, limit: PAGE, cursor: cursor ?? undefined } },
    });
    // The same operation answers CSV when asked for it; asked for JSON, a text body would be a broken answer.
    return { error: r.error, response: r.response, data: typeof r.data === "string" ? undefined : r.data };
  }, [run.id, filters, cursor]);

  const csv = new URL(apiUrl(`/api/v1/screenings/${run.id}/results`, {
    format: "csv", min_score: query.min_score, country: country || undefined,
  }));
  for (const o of outcome) csv.searchParams.append("outcome", o);

  function apply(event: Event) {
    event.preventDefault();
    setFilters({ ...draft });
    setCursor(null);
    setPassed([]);
  }
  const toggle = (id: number) => setOpen(open.includes(id) ? open.filter((x) => x !== id) : [...open, id]);
  const phaseName = (position: number) => run.funnel?.find((f) => f.position === position)?.name ?? `${position}`;

  return (
    <section aria-labelledby="results-title">
      <h3 id="results-title">{s.results}</h3>
      <form class="filters" onSubmit={apply} role="search" aria-label={s.resultFilters}>
        <Select label={s.outcome} name="outcome" value={draft.outcome}
                options={Object.keys(CHOICES).map((k) => ({ value: k, label: s.outcomeChoices[k] ?? k }))}
                onChange={(e) => setDraft({ ...draft, outcome: valueOf(e) })} />
        <Field label={s.country} name="country" value={draft.country} maxLength={2} size={3} placeholder="IT"
               onInput={(e) => setDraft({ ...draft, country: valueOf(e) })} />
        <Field label={s.minScore} name="min_score" value={draft.minScore} inputMode="decimal" size={5}
               onInput={(e) => setDraft({ ...draft, minScore: valueOf(e) })} />
        <div class="actions"><button type="submit">{s.applyFilters}</button></div>
      </form>
      <p><a class="button secondary" href={csv.toString()} download={`screening-${run.id}.csv`}>{s.csv}</a></p>
      <Async state={page} empty={(p) => p.items.length === 0}>
        {(p) => (
          <>
            <div class="table-wrap">
              <table class="results" aria-label={s.results}>
                <thead>
                  <tr>
                    <th scope="col"><span class="sr-only">{s.details}</span></th>
                    <th scope="col">{m.registry.name}</th>
                    <th scope="col" class="wide-only">{s.place}</th>
                    <th scope="col">{s.outcome}</th>
                    <th scope="col" class="num wide-only">{s.score}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((row) => {
                    const expanded = open.includes(row.cluster_id);
                    const detailId = `result-${run.id}-${row.cluster_id}`;
                    return (
                      <Fragment key={row.cluster_id}>
                        <tr class={expanded ? "expanded" : ""}>
                          <td>
                            <button type="button" class="secondary toggle" aria-expanded={expanded}
                                    aria-controls={detailId} onClick={() => toggle(row.cluster_id)}
                                    aria-label={fill(s.explain, { name: row.name })}>
                              <span aria-hidden="true">{expanded ? "▾" : "▸"}</span>
                            </button>
                          </td>
                          <td>
                            <Link href={`/clusters/${row.cluster_id}`}>{row.name}</Link>
                            {/* On a phone the place and score columns fold under the name (see styles.css). */}
                            <span class="narrow-only source">
                              <br />{[row.region_code, row.country].filter(Boolean).join(", ")} · {s.score} {number(row.score, lang, 2)}
                            </span>
                          </td>
                          <td class="wide-only">{[row.region_code, row.country].filter(Boolean).join(", ")}</td>
                          <td><OutcomeBadge outcome={row.outcome} /></td>
                          <td class="num wide-only">{number(row.score, lang, 2)}</td>
                        </tr>
                        {expanded && (
                          <tr class="explanations">
                            <td colSpan={5} id={detailId}>
                              <Explanations row={row} phaseName={phaseName} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager hasPrevious={passed.length > 0} nextCursor={p.next_cursor}
                   onPrevious={() => { setCursor(passed[passed.length - 1] ?? null); setPassed(passed.slice(0, -1)); }}
                   onNext={(next) => { setPassed([...passed, cursor]); setCursor(next); }} />
          </>
        )}
      </Async>
    </section>
  );
}

function Explanations({ row, phaseName }: { row: Row; phaseName: (position: number) => string }) {
  const s = useMessages().screening;
  return (
    <ol class="explain">
      {row.phases.map((phase) => (
        <li key={phase.position}>
          <p>
            <strong>{phaseName(phase.position)}</strong>{" "}
            <OutcomeBadge outcome={phase.outcome} />{" "}
            <span class="source">{phase.on_list_after ? s.onListAfter : s.offListAfter}</span>
          </p>
          <ul>
            {row.criteria.filter((c) => c.phase === phase.position).map((c) => (
              <li key={c.criterion_id}>
                <OutcomeBadge outcome={c.outcome} /> <strong>{c.name}</strong>: <span class="why">{c.explanation}</span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
