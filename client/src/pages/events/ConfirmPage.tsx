// The page the confirmation e-mail links to: it confirms the registration (following the link twice is
// harmless) and, as the e-mail promises, lets the registrant see it, cancel it, erase their data and, after the
// event, download the certificate, all with the link's token.
import { useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Loading, ProblemBox } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime } from "../../lib/format";
import { asProblem, type Problem } from "../../lib/problem";
import { Link, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { hasEnded, when } from "./logic";
import { saveBlob } from "../../lib/download";
import { certificateProblem, StatusBadge } from "./shared";

type RegistrationRead = Schemas["RegistrationRead"];

export default function ConfirmPage() {
  const m = useMessages();
  const token = useLocation().query.get("token") ?? "";
  const confirmed = useApi((signal) => token
    ? api.POST("/api/v1/registrations/confirm", { signal, body: { token } })
    : null, [token]);

  return (
    <section>
      <h1>{m.events.confirmTitle}</h1>
      {!token && <p class="problem" role="alert">{m.events.confirmNoToken}</p>}
      {confirmed.loading && <Loading label={m.events.confirming} />}
      {confirmed.problem && <ConfirmProblem problem={confirmed.problem} onRetry={confirmed.reload} />}
      {confirmed.data && <Confirmed initial={confirmed.data} token={token} />}
    </section>
  );
}

function ConfirmProblem({ problem, onRetry }: { problem: Problem; onRetry: () => void }) {
  const m = useMessages();
  // Say what the problem means for the registrant; the API's own words follow.
  const slug = problem.type.split(":").pop() ?? "";
  const message = slug === "registration-not-found" ? m.events.confirmUnknown
    : slug === "registration-closed" ? m.events.confirmClosed
    : problem.status === 422 ? m.events.confirmMalformed : null;
  return (
    <>
      {message && <p><strong>{message}</strong></p>}
      <ProblemBox problem={problem} onRetry={problem.status === 0 || problem.status >= 500 ? onRetry : undefined} />
      <p><Link href="/events">{m.events.backToCalendar}</Link></p>
    </>
  );
}

function Confirmed({ initial, token }: { initial: RegistrationRead; token: string }) {
  const m = useMessages();
  const lang = useLanguage();
  const [registration, setRegistration] = useState(initial);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [asking, setAsking] = useState<"cancel" | "erase" | null>(null);
  const [busy, setBusy] = useState(false);
  const [gone, setGone] = useState(false);
  const event = useApi((signal) => api.GET("/api/v1/events/{event_id}", {
    signal, params: { path: { event_id: initial.event_id } },
  }), [initial.event_id]);
  const header = { "Registration-Token": token };
  const r = registration;

  async function act(what: "cancel" | "erase") {
    setBusy(true);
    setProblem(null);
    const done = what === "cancel"
      ? await api.DELETE("/api/v1/registrations/mine", { params: { header } })
      : await api.POST("/api/v1/registrations/mine/erasure", { params: { header } });
    setBusy(false);
    setAsking(null);
    if (!done.data) return setProblem(asProblem(done.error, done.response));
    setRegistration(done.data);
    // After erasure the token no longer works: nothing more can be done from this link.
    if (what === "erase") setGone(true);
  }

  async function certificate() {
    setBusy(true);
    setProblem(null);
    const pdf = await api.GET("/api/v1/registrations/mine/certificate.pdf", { params: { header }, parseAs: "blob" });
    setBusy(false);
    if (pdf.data) saveBlob(pdf.data as Blob, `attestato-${r.id}.pdf`);
    else setProblem(certificateProblem(asProblem(pdf.error, pdf.response), m.events.noCertificate));
  }

  const e = event.data;
  return (
    <>
      <div class="notice" role="status">
        {r.status === "confirmed" && <strong>{fill(m.events.outcome.confirmed, { name: r.name ?? "" })}</strong>}
        {r.status === "waiting" && (
          <>
            <strong>{fill(m.events.outcome.waiting, { name: r.name ?? "", n: r.waiting_position ?? "?" })}</strong>
            <p>{m.events.outcome.waitingNext}</p>
          </>
        )}
        {r.status === "cancelled" && <strong>{m.events.confirmCancelled}</strong>}
        {gone && <p>{m.events.erasedDone}</p>}
      </div>
      {e && (
        <p>
          <Link href={`/events/${e.id}`}>{e.title}</Link>
          <br />
          <span class="event-when">{when(e.starts_at, e.ends_at, lang) ?? e.date_note}</span>
        </p>
      )}
      {!gone && (
        <dl class="facts">
          <dt>{m.events.personName}</dt><dd>{r.name}</dd>
          <dt>{m.events.email}</dt><dd>{r.email}</dd>
          {r.organization_name && <><dt>{m.events.organizationName}</dt><dd>{r.organization_name}</dd></>}
          {r.role && <><dt>{m.events.role}</dt><dd>{r.role}</dd></>}
          <dt>{m.events.state}</dt><dd><StatusBadge registration={r} /></dd>
          <dt>{m.events.registeredOn}</dt><dd>{dateTime(r.created_at, lang)}</dd>
        </dl>
      )}
      <ProblemBox problem={problem} />
      {!gone && (
        <div class="actions">
          {e && hasEnded(e, new Date()) && r.status === "confirmed" && (
            <button type="button" class="secondary" onClick={certificate} disabled={busy}>{m.events.certificate}</button>
          )}
          {r.status !== "cancelled" && asking === null && (
            <button type="button" class="secondary" onClick={() => setAsking("cancel")} disabled={busy}>{m.events.cancelMine}</button>
          )}
          {asking === null && (
            <button type="button" class="secondary" onClick={() => setAsking("erase")} disabled={busy}>{m.events.eraseMine}</button>
          )}
        </div>
      )}
      {asking && (
        <div class="actions" role="group" aria-label={asking === "cancel" ? m.events.cancelMineAsk : m.events.eraseMineAsk}>
          <span>{asking === "cancel" ? m.events.cancelMineAsk : m.events.eraseMineAsk}</span>
          <button type="button" class="danger" onClick={() => act(asking)} disabled={busy}>{m.events.cancelYes}</button>
          <button type="button" class="secondary" onClick={() => setAsking(null)}>{m.events.cancelNo}</button>
        </div>
      )}
    </>
  );
}
