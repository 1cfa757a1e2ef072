// The events calendar: filters live in the address (a view can be shared, and subscribed to as iCalendar),
// events are grouped by month in Rome time, pages follow the API's cursors.
import { useState } from "preact/hooks";
import { api, apiUrl, type Schemas } from "../../api/client";
import { Async, Empty, Field, Pager, Select } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { Link, setQuery, useLocation } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { groupByMonth, monthLabel, type Period, PERIODS, periodQuery, when } from "./logic";
import { organizationName, programmeTitle, Seats, useName, useOrganizers } from "./shared";

type EventRead = Schemas["EventRead"];
type Kind = Schemas["EventKind"];
type Audience = Schemas["Audience"];

const KINDS: Kind[] = ["seminar", "training_day", "training_cycle", "focus_group", "panel", "workshop", "conference", "webinar"];
const AUDIENCES: Audience[] = ["enterprises", "public_bodies", "chamber_staff", "everyone"];
const LIMIT = 50;

export default function EventsPage() {
  const m = useMessages();
  const { query } = useLocation();
  const period = (PERIODS.includes(query.get("period") as Period) ? query.get("period") : "upcoming") as Period;
  const filters = {
    q: query.get("q") ?? "", topic: query.get("topic") ?? "", kind: query.get("kind") ?? "",
    audience: query.get("audience") ?? "", organizer_id: query.get("organizer_id") ?? "",
    programme_id: query.get("programme_id") ?? "", period, from: query.get("from") ?? "", to: query.get("to") ?? "",
    cursor: query.get("cursor") ?? "",
  };
  const [passed, setPassed] = useState<string[]>([]);
  const [draft, setDraft] = useState(filters);
  const organizers = useOrganizers();
  const topics = useApi((signal) => api.GET("/api/v1/events/topics", { signal }), []);

  // The filters the API and the iCalendar feed share.
  const common = {
    q: filters.q || undefined, topic: filters.topic || undefined, kind: (filters.kind || undefined) as Kind | undefined,
    audience: (filters.audience || undefined) as Audience | undefined,
    organizer_id: Number(filters.organizer_id) || undefined, programme_id: Number(filters.programme_id) || undefined,
  };
  const page = useApi((signal) => api.GET("/api/v1/events", {
    signal,
    params: { query: { ...common, ...periodQuery(filters.period, filters.from, filters.to, new Date()),
                       cursor: filters.cursor || undefined, limit: LIMIT } },
  }), [filters.q, filters.topic, filters.kind, filters.audience, filters.organizer_id,
    filters.programme_id, filters.period, filters.from, filters.to, filters.cursor]);

  function search(event: Event) {
    event.preventDefault();
    setPassed([]);
    setQuery({ q: draft.q.trim(), topic: draft.topic, kind: draft.kind, audience: draft.audience,
               organizer_id: draft.organizer_id, period: draft.period === "upcoming" ? null : draft.period,
               from: draft.period === "range" ? draft.from : null, to: draft.period === "range" ? draft.to : null,
               cursor: null });
  }

  function reset() {
    const empty = { ...filters, q: "", topic: "", kind: "", audience: "", organizer_id: "", programme_id: "",
                    period: "upcoming" as Period, from: "", to: "", cursor: "" };
    setDraft(empty);
    setPassed([]);
    setQuery({ q: null, topic: null, kind: null, audience: null, organizer_id: null, programme_id: null, period: null,
               from: null, to: null, cursor: null });
  }

  const input = (key: keyof typeof draft) => (e: Event) =>
    setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });
  const calendarUrl = apiUrl("/api/v1/events.ics", common);

  return (
    <section>
      <h1>{m.events.title}</h1>
      <p>{m.events.intro}</p>
      <form class="filters event-filters" role="search" aria-label={m.common.filters} onSubmit={search}>
        <Field label={m.events.query} name="q" type="search" value={draft.q} onInput={input("q")} maxLength={100} />
        <Select label={m.events.period} name="period" value={draft.period} onChange={input("period")}
                options={PERIODS.map((p) => ({ value: p, label: m.events.periods[p] }))} />
        {draft.period === "range" && (
          <>
            <Field label={m.events.from} name="start" type="date" value={draft.from} onInput={input("from")} problem={page.problem} />
            <Field label={m.events.to} name="end" type="date" value={draft.to} onInput={input("to")} problem={page.problem} />
          </>
        )}
        <Select label={m.events.topic} name="topic" value={draft.topic} onChange={input("topic")}
                options={[{ value: "", label: m.events.anyTopic },
                          ...(topics.data ?? []).map((t) => ({ value: t, label: t }))]} />
        <Select label={m.events.kind} name="kind" value={draft.kind} onChange={input("kind")}
                options={[{ value: "", label: m.events.anyKind }, ...KINDS.map((k) => ({ value: k, label: m.events.kinds[k] }))]} />
        <Select label={m.events.audience} name="audience" value={draft.audience} onChange={input("audience")}
                options={[{ value: "", label: m.events.anyAudience },
                          ...AUDIENCES.map((a) => ({ value: a, label: m.events.audiences[a] }))]} />
        <Select label={m.events.organizer} name="organizer_id" value={draft.organizer_id} onChange={input("organizer_id")}
                options={[{ value: "", label: m.events.anyOrganizer },
                          ...organizers.map((o) => ({ value: String(o.id), label: o.name })),
                          // A body shared in an address may not be among the listed kinds: keep it selectable.
                          ...(draft.organizer_id && !organizers.some((o) => String(o.id) === draft.organizer_id)
                            ? [{ value: draft.organizer_id, label: `#${draft.organizer_id}` }] : [])]} />
        <div class="actions">
          <button type="submit">{m.common.search}</button>
          <button type="button" class="secondary" onClick={reset}>{m.common.reset}</button>
        </div>
      </form>
      {filters.programme_id && <ProgrammeFilter id={Number(filters.programme_id)} />}
      <p class="events-subscribe">
        <a href={calendarUrl} class="button secondary">{m.events.subscribe}</a>{" "}
        <small class="source">{m.events.subscribeHint}</small>
      </p>
      <Async state={page}>
        {(p) => (
          <>
            {p.items.length === 0 ? (
              <Empty>
                {filters.period === "upcoming" ? m.events.noUpcoming : m.events.noEvents}{" "}
                {filters.period === "upcoming" && (
                  <button type="button" class="secondary" onClick={() => { setDraft({ ...draft, period: "past" }); setQuery({ period: "past", cursor: null }); }}>
                    {m.events.showPast}
                  </button>
                )}
              </Empty>
            ) : groupByMonth(p.items).map((group) => <Month key={group.key} id={group.key} events={group.events} />)}
            <Pager hasPrevious={passed.length > 0} nextCursor={p.next_cursor}
                   onPrevious={() => { const back = passed.slice(0, -1); setPassed(back); setQuery({ cursor: passed[passed.length - 1] || null }); }}
                   onNext={(cursor) => { setPassed([...passed, filters.cursor]); setQuery({ cursor }); }} />
          </>
        )}
      </Async>
    </section>
  );
}

function ProgrammeFilter({ id }: { id: number }) {
  const m = useMessages();
  const title = useName(id, programmeTitle);
  return (
    <p class="notice">
      {fill(m.events.onlyProgramme, { title: title ?? `#${id}` })}{" "}
      <button type="button" class="secondary" onClick={() => setQuery({ programme_id: null, cursor: null })}>
        {m.events.allProgrammes}
      </button>
    </p>
  );
}

function Month({ id, events }: { id: string; events: EventRead[] }) {
  const m = useMessages();
  const lang = useLanguage();
  const heading = `month-${id}`;
  return (
    <section class="event-month" aria-labelledby={heading}>
      <h2 id={heading}>{id === "undated" ? m.events.undated : monthLabel(id, lang)}</h2>
      <ul class="event-list">
        {events.map((e) => <EventCard key={e.id} event={e} />)}
      </ul>
    </section>
  );
}

function EventCard({ event }: { event: EventRead }) {
  const m = useMessages();
  const lang = useLanguage();
  const organizer = useName(event.organizer_id, organizationName);
  const programme = useName(event.programme_id, programmeTitle);
  const place = [event.venue, event.address].filter(Boolean).join(", ");
  return (
    <li class="card event-card">
      <p class="event-when">{when(event.starts_at, event.ends_at, lang) ?? event.date_note ?? m.events.dateToBeFixed}</p>
      <div>
        <h3><Link href={`/events/${event.id}`}>{event.title}</Link></h3>
        <p class="event-meta">
          <span class="badge">{m.events.kinds[event.kind] ?? event.kind}</span>{" "}
          {place || (event.online_url ? m.events.online : m.events.placeToBeFixed)}
          {place && event.online_url ? ` · ${m.events.online}` : ""}
        </p>
        {event.topics.length > 0 && <p class="event-topics">{m.events.topics}: {event.topics.join(", ")}</p>}
        {organizer && <p class="source">{m.events.organizer}: {organizer}</p>}
        {programme && (
          <p class="source">
            {m.events.programme}: <Link href={`/events?programme_id=${event.programme_id}`}>{programme}</Link>
          </p>
        )}
        <p><Seats event={event} /></p>
        <p class="event-links">
          <Link href={`/events/${event.id}`} aria-label={`${m.events.details}: ${event.title}`}>{m.events.details}</Link>
          {event.starts_at && (
            <a href={apiUrl(`/api/v1/events/${event.id}.ics`)} download={`event-${event.id}.ics`}
               aria-label={`${m.events.addToCalendar}: ${event.title}`}>
              {m.events.addToCalendar}
            </a>
          )}
        </p>
      </div>
    </li>
  );
}
