// Registering for an event and following the registrations: a person without an account registers and
// confirms by e-mail; a signed-in user of an organization registers its people at once (a seat, or the waiting
// list) and sees, cancels and gets certificates for them; the organizers see everyone.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Empty, Field, ProblemBox } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime } from "../../lib/format";
import { asProblem, type Problem } from "../../lib/problem";
import { type Me, useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import { hasEnded, mayRun, openness, promoted } from "./logic";
import { saveBlob } from "../../lib/download";
import { certificateProblem, organizationName, StatusBadge, useName } from "./shared";

type EventRead = Schemas["EventRead"];
type RegistrationRead = Schemas["RegistrationRead"];
type Body = Schemas["RegistrationCreate"];

export function RegistrationArea({ event, onChange }: { event: EventRead; onChange: () => void }) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const [outcome, setOutcome] = useState<RegistrationRead | null>(null);
  const [round, setRound] = useState(0);
  const state = openness(event, new Date());
  const reasons = m.events.closedBecause;
  return (
    <section aria-labelledby="registration">
      <h2 id="registration">{m.events.registration}</h2>
      {state.open ? (
        <RegisterForm event={event} me={me} onRegistered={(r) => { setOutcome(r); setRound(round + 1); onChange(); }} />
      ) : (
        <p class="notice">{fill(reasons[state.reason], { at: state.at ? dateTime(state.at, lang) : "" })}</p>
      )}
      {outcome && <Outcome registration={outcome} />}
      {me && <Registrations event={event} me={me} round={round} onChange={onChange} />}
    </section>
  );
}

function RegisterForm({ event, me, onRegistered }: { event: EventRead; me: Me | null; onRegistered: (r: RegistrationRead) => void }) {
  const m = useMessages();
  const empty: Body = { name: "", email: "", organization_name: "", role: "" };
  const [body, setBody] = useState<Body>(empty);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  // A user of an organization registers its people: the API records the organization itself.
  const bound = me?.organization_id ?? null;
  const organization = useName(bound, organizationName);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const sent: Body = { name: body.name.trim(), email: body.email.trim(), role: body.role?.trim() || null,
                         organization_name: bound ? null : body.organization_name?.trim() || null };
    const r = await api.POST("/api/v1/events/{event_id}/registrations", {
      params: { path: { event_id: event.id } }, body: sent,
    }).catch((error: unknown) => ({ data: undefined, error: String(error), response: undefined }));
    setBusy(false);
    if (r.data) {
      setBody(empty);
      onRegistered(r.data);
    } else {
      setProblem(asProblem(r.error, r.response));
    }
  }

  const input = (key: keyof Body) => (e: Event) => setBody({ ...body, [key]: (e.target as HTMLInputElement).value });
  const fields = ["name", "email", "organization_name", "role"];
  return (
    <form class="event-register" onSubmit={submit} aria-describedby="register-who" noValidate>
      <p id="register-who">
        {bound ? fill(m.events.registerFor, { org: organization ?? "…" }) : m.events.registerSelf}
      </p>
      <Field label={m.events.personName} name="name" value={body.name} onInput={input("name")} problem={problem}
             required maxLength={200} autoComplete={bound ? "off" : "name"} />
      <Field label={m.events.email} name="email" type="email" value={body.email} onInput={input("email")} problem={problem}
             required maxLength={254} autoComplete={bound ? "off" : "email"}
             hint={bound ? m.events.emailHintOrganization : m.events.emailHint} />
      {!bound && (
        <Field label={m.events.organizationName} name="organization_name" value={body.organization_name ?? ""}
               onInput={input("organization_name")} problem={problem} maxLength={300} autoComplete="organization" />
      )}
      <Field label={m.events.role} name="role" value={body.role ?? ""} onInput={input("role")} problem={problem}
             maxLength={200} autoComplete={bound ? "off" : "organization-title"} />
      <ProblemBox problem={problem} fields={fields} />
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? m.events.registering : m.events.register}</button>
      </div>
      <p class="source">{m.events.privacy}</p>
    </form>
  );
}

/** What became of a registration just made: a seat, the waiting list, or an e-mail to confirm. */
function Outcome({ registration: r }: { registration: RegistrationRead }) {
  const m = useMessages();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [r.id]);
  const who = r.name ?? "";
  return (
    <div class="notice event-outcome" role="status" tabIndex={-1} ref={box}>
      {r.status === "confirmed" && <strong>{fill(m.events.outcome.confirmed, { name: who })}</strong>}
      {r.status === "waiting" && (
        <>
          <strong>{fill(m.events.outcome.waiting, { name: who, n: r.waiting_position ?? "?" })}</strong>
          <p>{m.events.outcome.waitingNext}</p>
        </>
      )}
      {r.status === "pending" && (
        <>
          <strong>{m.events.outcome.pending}</strong>
          <p>{fill(m.events.outcome.pendingNext, { email: r.email ?? "" })}</p>
        </>
      )}
    </div>
  );
}

function Registrations({ event, me, round, onChange }: { event: EventRead; me: Me; round: number; onChange: () => void }) {
  const m = useMessages();
  const lang = useLanguage();
  const [again, setAgain] = useState(0);
  const list = useApi((signal) => api.GET("/api/v1/events/{event_id}/registrations", {
    signal, params: { path: { event_id: event.id } },
  }), [event.id, round, again]);
  const [asking, setAsking] = useState<number | null>(null);
  // A problem with one registration is shown beside it (id), others above the list (null).
  const [problem, setProblem] = useState<{ id: number | null; problem: Problem } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const organizer = mayRun(me, event);
  const ended = hasEnded(event, new Date());

  async function cancel(r: RegistrationRead) {
    const before = list.data ?? [];
    setBusy(r.id);
    setProblem(null);
    const done = await api.DELETE("/api/v1/events/{event_id}/registrations/{registration_id}", {
      params: { path: { event_id: event.id, registration_id: r.id } },
    });
    setBusy(null);
    setAsking(null);
    if (!done.data) {
      setProblem({ id: r.id, problem: asProblem(done.error, done.response) });
      return;
    }
    // The cancellation answers with the cancelled registration only: read the list again to see who moved up.
    const after = await api.GET("/api/v1/events/{event_id}/registrations", { params: { path: { event_id: event.id } } });
    const up = after.data ? promoted(before, after.data) : [];
    setNotice([fill(m.events.cancelled, { name: r.name ?? `#${r.id}` }),
               ...up.map((p) => fill(m.events.promoted, { name: p.name ?? `#${p.id}` }))].join(" "));
    setAgain(again + 1);
    onChange();
  }

  async function certificate(r: RegistrationRead) {
    setBusy(r.id);
    setProblem(null);
    const pdf = await api.GET("/api/v1/events/{event_id}/registrations/{registration_id}/certificate.pdf", {
      params: { path: { event_id: event.id, registration_id: r.id } }, parseAs: "blob",
    });
    setBusy(null);
    if (pdf.data) saveBlob(pdf.data as Blob, `attestato-${r.id}.pdf`);
    else setProblem({ id: r.id, problem: certificateProblem(asProblem(pdf.error, pdf.response), m.events.noCertificate) });
  }

  async function exportCsv() {
    setProblem(null);
    const csv = await api.GET("/api/v1/events/{event_id}/registrations", {
      params: { path: { event_id: event.id }, query: { format: "csv" } }, parseAs: "blob",
    });
    if (csv.data) saveBlob(csv.data as unknown as Blob, `event-${event.id}-registrations.csv`);
    else setProblem({ id: null, problem: asProblem(csv.error, csv.response) });
  }

  return (
    <>
      <h3>{organizer ? m.events.allRegistrations : m.events.yourRegistrations}</h3>
      {notice && <p class="notice" role="status">{notice}</p>}
      <ProblemBox problem={problem?.id === null ? problem.problem : null} />
      <Async state={list}>
        {(rows) => rows.length === 0 ? <Empty>{m.events.noRegistrations}</Empty> : (
          <>
            {organizer && (
              <p><button type="button" class="secondary" onClick={exportCsv}>{m.events.exportCsv}</button></p>
            )}
            <ul class="event-registrations">
              {rows.map((r) => (
                <li key={r.id} class="card">
                  <div>
                    <strong>{r.erased ? m.events.erased : r.name}</strong>
                    {(r.email || r.organization_name || r.role) && (
                      <div class="source">{[r.email, r.organization_name, r.role].filter(Boolean).join(" · ")}</div>
                    )}
                    <div>
                      <StatusBadge registration={r} />{" "}
                      <small class="source">{fill(m.events.registeredAt, { at: dateTime(r.created_at, lang) })}</small>
                    </div>
                  </div>
                  <div class="actions">
                    {r.status !== "cancelled" && asking !== r.id && !ended && (
                      <button type="button" class="secondary" onClick={() => setAsking(r.id)} disabled={busy === r.id}
                              aria-label={`${m.events.cancel}: ${r.name ?? ""}`}>
                        {m.events.cancel}
                      </button>
                    )}
                    {asking === r.id && (
                      <span role="group" aria-label={fill(m.events.cancelAsk, { name: r.name ?? "" })} class="actions">
                        <span>{fill(m.events.cancelAsk, { name: r.name ?? "" })}</span>
                        <button type="button" class="danger" onClick={() => cancel(r)} disabled={busy === r.id}>
                          {m.events.cancelYes}
                        </button>
                        <button type="button" class="secondary" onClick={() => setAsking(null)}>{m.events.cancelNo}</button>
                      </span>
                    )}
                    {ended && r.status === "confirmed" && !r.erased && (
                      <button type="button" class="secondary" onClick={() => certificate(r)} disabled={busy === r.id}
                              aria-label={`${m.events.certificate}: ${r.name ?? ""}`}>
                        {m.events.certificate}
                      </button>
                    )}
                  </div>
                  {problem?.id === r.id && <ProblemBox problem={problem.problem} />}
                </li>
              ))}
            </ul>
          </>
        )}
      </Async>
    </>
  );
}
