// Check-in at the door, made for a phone: find a name, tap it. The screen opens with the check-ins the API has
// recorded (from any device). Every tap is queued and sent in bulk, one request at a time, so taps made while a
// request runs are not lost nor applied out of order; the API's attendance is idempotent, so a failed request can
// simply be sent again.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { Async, Field, Loading, ProblemBox, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import { Link } from "../../lib/router";
import { asProblem, type Problem } from "../../lib/problem";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { currentSession, markKey, marksOf, matches, mayRun, when } from "./logic";

type EventRead = Schemas["EventRead"];
type RegistrationRead = Schemas["RegistrationRead"];
type Record_ = Schemas["AttendanceIn"];
type Tally = Schemas["EventCounts"];
type Saving = "saving" | "saved" | "error";

export default function CheckInPage({ params }: PageProps) {
  const id = Number(params.id);
  const event = useApi((signal) => api.GET("/api/v1/events/{event_id}", {
    signal, params: { path: { event_id: id } },
  }), [id]);
  return <Async state={event}>{(e) => <CheckIn event={e} />}</Async>;
}

function CheckIn({ event }: { event: EventRead }) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const list = useApi((signal) => api.GET("/api/v1/events/{event_id}/registrations", {
    signal, params: { path: { event_id: event.id } },
  }), [event.id]);
  const stats = useApi((signal) => api.GET("/api/v1/events/{event_id}/stats", {
    signal, params: { path: { event_id: event.id } },
  }), [event.id]);
  const recorded = useApi((signal) => api.GET("/api/v1/events/{event_id}/attendance", {
    signal, params: { path: { event_id: event.id } },
  }), [event.id]);
  const [tally, setTally] = useState<Tally | null>(null);
  useEffect(() => {
    if (stats.data) setTally(stats.data);
  }, [stats.data]);

  const [session, setSession] = useState<number | null>(() => currentSession(event.sessions, new Date()));
  const [search, setSearch] = useState("");
  const [marks, setMarks] = useState<Record<string, boolean>>({});
  const [saving, setSaving] = useState<Record<string, Saving>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const queue = useRef(new Map<string, Record_>());
  const running = useRef(false);
  const names = useRef(new Map<number, string>());

  // What the API recorded, read on opening and on refresh; a mark made here and not saved yet is newer.
  useEffect(() => {
    if (!recorded.data) return;
    const fromApi = marksOf(recorded.data);
    setMarks((mine) => {
      const next = { ...fromApi };
      for (const [key, state] of Object.entries(saving)) if (state !== "saved" && key in mine) next[key] = mine[key];
      return next;
    });
  }, [recorded.data]);
  for (const r of list.data ?? []) names.current.set(r.id, r.name ?? `#${r.id}`);

  async function flush() {
    if (running.current) return;
    running.current = true;
    while (queue.current.size) {
      const batch = [...queue.current.entries()];
      queue.current.clear();
      const keys = batch.map(([key]) => key);
      const settle = (state: Saving) => setSaving((s) => {
        const next = { ...s };
        // A key tapped again meanwhile waits in the queue: its newer state is what counts.
        for (const key of keys) if (!queue.current.has(key)) next[key] = state;
        return next;
      });
      const sent = await api.PUT("/api/v1/events/{event_id}/attendance", {
        params: { path: { event_id: event.id } }, body: { records: batch.map(([, record]) => record) },
      }).catch((error: unknown) => ({ data: undefined, error: String(error), response: undefined }));
      if (sent.data) {
        settle("saved");
        setProblem(null);
        setTally(sent.data.stats);
      } else {
        settle("error");
        setProblem(named(asProblem(sent.error, sent.response), batch.map(([, r]) => r),
                         (rid) => fill(m.events.person, { name: names.current.get(rid) ?? `#${rid}` })));
      }
    }
    running.current = false;
  }

  function send(registrationId: number, attended: boolean, sessionId: number | null = session) {
    const key = markKey(registrationId, sessionId);
    queue.current.set(key, { registration_id: registrationId, session_id: sessionId, attended });
    setSaving((s) => ({ ...s, [key]: "saving" }));
    void flush();
  }

  function toggle(r: RegistrationRead) {
    const key = markKey(r.id, session);
    const next = !marks[key];
    setMarks((all) => ({ ...all, [key]: next }));
    send(r.id, next);
  }

  /** Sends again every mark that failed, in whichever session it was made. */
  function resendFailed() {
    for (const [key, state] of Object.entries(saving)) {
      if (state !== "error") continue;
      const [registrationId, sessionId] = key.split(":").map(Number);
      send(registrationId, !!marks[key], sessionId || null);
    }
  }

  // The names are shown once the recorded check-ins are known too: a tap on someone shown absent who is already
  // in would check them out.
  const roster = {
    data: recorded.data ? list.data : null, problem: recorded.problem ?? list.problem,
    loading: list.loading || recorded.loading, reload: () => { list.reload(); recorded.reload(); },
  };
  const failed = Object.values(saving).filter((s) => s === "error").length;
  const inFlight = Object.values(saving).filter((s) => s === "saving").length;
  const attended = session === null ? tally?.attended : tally?.sessions.find((s) => s.session_id === session)?.attended;

  return (
    <section class="checkin">
      <p><Link href={`/events/${event.id}`}>← {m.events.backToEvent}</Link></p>
      <h1>{m.events.checkInTitle}</h1>
      <p class="event-when"><strong>{event.title}</strong><br />{when(event.starts_at, event.ends_at, lang) ?? event.date_note}</p>
      {!mayRun(me, event) && <p class="notice">{m.events.notOrganizer}</p>}
      {event.sessions.length > 0 && (
        <Select label={m.events.session} name="session_id" value={String(session ?? "")}
                onChange={(e) => setSession(Number((e.target as HTMLSelectElement).value) || null)}
                options={event.sessions.map((s, i) => ({ value: String(s.id), label: `${i + 1}. ${s.title}` }))} />
      )}
      <p class="checkin-count" aria-live="polite">
        {tally ? fill(m.events.attendedOf, { n: number(attended ?? 0, lang), of: number(tally.confirmed, lang) }) : <Loading />}
        {" "}
        <span class="source">
          {inFlight > 0 ? m.events.saving : failed > 0 ? fill(m.events.notSaved, { n: failed }) : m.events.allSaved}
        </span>
      </p>
      <ProblemBox problem={problem} />
      {failed > 0 && <p><button type="button" onClick={resendFailed}>{m.events.resend}</button></p>}
      <Field label={m.events.findName} name="q" type="search" value={search} autoComplete="off"
             onInput={(e) => setSearch((e.target as HTMLInputElement).value)} class="checkin-search" />
      <Async state={roster}>
        {(rows) => {
          const seated = rows.filter((r) => r.status === "confirmed");
          const shown = seated.filter((r) => matches(r, search));
          return (
            <>
              {seated.length === 0 ? <p class="state empty">{m.events.noneToCheck}</p> :
                shown.length === 0 ? <p class="state empty">{fill(m.events.noMatch, { q: search })}</p> : (
                  <ul class="checkin-list">
                    {shown.map((r) => {
                      const key = markKey(r.id, session);
                      return (
                        <CheckInRow key={r.id} registration={r} present={!!marks[key]} state={saving[key]}
                                    onToggle={() => toggle(r)} onRetry={() => send(r.id, !!marks[key])} />
                      );
                    })}
                  </ul>
                )}
              {rows.length > seated.length && (
                <p class="source">{fill(m.events.othersHidden, { n: rows.length - seated.length })}</p>
              )}
              <p>
                <button type="button" class="secondary" onClick={() => { list.reload(); stats.reload(); recorded.reload(); }}>
                  {m.events.refresh}
                </button>
              </p>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function CheckInRow({ registration: r, present, state, onToggle, onRetry }: {
  registration: RegistrationRead; present: boolean; state?: Saving; onToggle: () => void; onRetry: () => void;
}) {
  const m = useMessages();
  return (
    <li class={`checkin-row${present ? " present" : ""}`}>
      <button type="button" class="checkin-toggle" aria-pressed={present} onClick={onToggle}>
        <span class="checkin-mark" aria-hidden="true">{present ? "✓" : ""}</span>
        <span class="checkin-who">
          <strong>{r.name ?? `#${r.id}`}</strong>
          {r.organization_name && <small>{r.organization_name}</small>}
        </span>
        <span class="checkin-state">{present ? m.events.present : m.events.absent}</span>
      </button>
      <span class={`checkin-saving${state === "error" ? " field-error" : ""}`} role={state === "error" ? "alert" : undefined}>
        {state === "saving" && m.events.saving}
        {state === "saved" && m.events.saved}
        {state === "error" && (
          <>
            {m.events.saveFailed}{" "}
            <button type="button" class="secondary" onClick={onRetry} aria-label={`${m.common.retry}: ${r.name ?? ""}`}>{m.common.retry}</button>
          </>
        )}
      </span>
    </li>
  );
}

/** The API names records by their place in the batch ("records.0.registration_id"): name the person instead. */
function named(problem: Problem, records: Record_[], label: (registrationId: number) => string): Problem {
  if (!problem.errors?.length) return problem;
  return {
    ...problem,
    errors: problem.errors.map((e) => {
      const at = /records\.(\d+)/.exec(e.field);
      const record = at ? records[Number(at[1])] : undefined;
      return record ? { ...e, field: label(record.registration_id) } : e;
    }),
  };
}
