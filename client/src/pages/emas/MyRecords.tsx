// What the firm has recorded: the versions it adopted (with the state of their validation today) and its own
// evidence, each of which it may withdraw.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Empty, ProblemBox } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { date } from "../../lib/format";
import { type Problem, asProblem } from "../../lib/problem";
import { Link } from "../../lib/router";

export function MyRecords({ organizationId, adoptions, evidence, onChange }: {
  organizationId: number; adoptions: Schemas["AdoptionRead"][]; evidence: Schemas["EvidenceRead"][]; onChange: () => void;
}) {
  const m = useMessages().emas;
  const lang = useLanguage();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const path = { organization_id: organizationId };

  async function run(key: string, question: string, action: () => Promise<{ response: Response; error?: unknown }>) {
    if (!confirm(question)) return;
    setBusy(key);
    const r = await action();
    setBusy(null);
    if (r.response.ok) {
      setProblem(null);
      onChange();
    } else setProblem(asProblem(r.error, r.response));
  }

  return (
    <section aria-labelledby="emas-records">
      <h2 id="emas-records">{m.coverage.records}</h2>
      <ProblemBox problem={problem} />
      <h3>{m.coverage.adoptions}</h3>
      {adoptions.length === 0 ? <Empty>{m.coverage.noAdoptions}</Empty> : (
        <ul class="emas-list">
          {adoptions.map((a) => (
            <li key={a.id}>
              <Link href={`/emas/resources/${a.resource_id}`}>{a.resource_title}</Link>, {fill(m.versionN, { n: a.version })}{" "}
              <span class={`badge${a.validation_status === "current" ? " ok" : " warn"}`}>
                {m.validationStatus[a.validation_status] ?? a.validation_status}
              </span>
              <span class="source"> · {m.adopt.on} {date(a.adopted_at, lang)}{a.valid_until && <> · {m.validUntil} {date(a.valid_until, lang)}</>}</span>{" "}
              <button type="button" class="secondary emas-small" disabled={busy !== null}
                      aria-label={fill(m.adopt.withdrawName, { title: a.resource_title })}
                      onClick={() => run(`a${a.id}`, fill(m.adopt.confirmWithdraw, { title: a.resource_title }), () =>
                        api.DELETE("/api/v1/organizations/{organization_id}/adoptions/{adoption_id}", { params: { path: { ...path, adoption_id: a.id } } }))}>
                {m.adopt.withdraw}
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>{m.evidence.list}</h3>
      {evidence.length === 0 ? <Empty>{m.evidence.none}</Empty> : (
        <ul class="emas-list">
          {evidence.map((e) => (
            <li key={e.id}>
              <span class="emas-code">{e.requirement_code}</span> {e.title}
              {e.reference && <span class="source"> · {e.reference}</span>}
              {e.valid_until && <span class="source"> · {m.validUntil} {date(e.valid_until, lang)}</span>}{" "}
              <button type="button" class="secondary emas-small" disabled={busy !== null}
                      aria-label={fill(m.evidence.removeName, { title: e.title })}
                      onClick={() => run(`e${e.id}`, fill(m.evidence.confirmRemove, { title: e.title }), () =>
                        api.DELETE("/api/v1/organizations/{organization_id}/evidence/{evidence_id}", { params: { path: { ...path, evidence_id: e.id } } }))}>
                {m.evidence.remove}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
