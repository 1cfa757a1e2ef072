// An event: when and where, its sessions and seats, the registration form and, for those signed in, the
// registrations they may see (their organization's, or all of them for the event's organizers).
import { api, apiUrl, type Schemas } from "../../api/client";
import { Async, Empty } from "../../components/ui";
import { fill, useLanguage, useMessages } from "../../i18n";
import { dateTime, number } from "../../lib/format";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useApi } from "../../lib/useApi";
import type { PageProps } from "../../routes";
import { hasEnded, mayRun, when } from "./logic";
import { RegistrationArea } from "./Registration";
import { organizationName, programmeTitle, Seats, useName } from "./shared";

type EventRead = Schemas["EventRead"];

export default function EventPage({ params }: PageProps) {
  const id = Number(params.id);
  const event = useApi((signal) => api.GET("/api/v1/events/{event_id}", {
    signal, params: { path: { event_id: id } },
  }), [id]);
  return (
    <Async state={event}>
      {(e) => (
        <article>
          <EventDetails event={e} />
          <Sessions event={e} />
          <RegistrationArea event={e} onChange={event.reload} />
        </article>
      )}
    </Async>
  );
}

function EventDetails({ event }: { event: EventRead }) {
  const m = useMessages();
  const lang = useLanguage();
  const { me } = useSession();
  const organizer = useName(event.organizer_id, organizationName);
  const programme = useName(event.programme_id, programmeTitle);
  const place = [event.venue, event.address].filter(Boolean).join(", ");
  return (
    <>
      <p><Link href="/events">← {m.events.backToCalendar}</Link></p>
      <h1>{event.title}</h1>
      {event.status === "cancelled" && <p class="problem" role="status">{m.events.eventCancelled}</p>}
      <p class="event-when">{when(event.starts_at, event.ends_at, lang) ?? event.date_note ?? m.events.dateToBeFixed}</p>
      <div class="actions">
        {event.starts_at && (
          <a class="button secondary" href={apiUrl(`/api/v1/events/${event.id}.ics`)} download={`event-${event.id}.ics`}>
            {m.events.addToCalendar}
          </a>
        )}
        {mayRun(me, event) && <Link class="button" href={`/events/${event.id}/check-in`}>{m.events.checkIn}</Link>}
      </div>
      <dl class="facts">
        <dt>{m.events.kind}</dt>
        <dd>{m.events.kinds[event.kind] ?? event.kind}</dd>
        <dt>{m.events.place}</dt>
        <dd>
          {place || (event.online_url ? "" : m.events.placeToBeFixed)}
          {event.online_url && <>{place ? " · " : ""}<a href={event.online_url} rel="noopener noreferrer">{m.events.onlineLink}</a></>}
        </dd>
        <dt>{m.events.organizer}</dt>
        <dd>{organizer ?? m.common.notGiven}</dd>
        {programme && (
          <><dt>{m.events.programme}</dt><dd><Link href={`/events?programme_id=${event.programme_id}`}>{programme}</Link></dd></>
        )}
        <dt>{m.events.audience}</dt>
        <dd>{m.events.audiences[event.audience] ?? event.audience}</dd>
        {event.topics.length > 0 && <><dt>{m.events.topics}</dt><dd>{event.topics.join(", ")}</dd></>}
        <dt>{m.events.language}</dt>
        <dd>{m.events.languages[event.language] ?? event.language}</dd>
        <dt>{m.events.capacity}</dt>
        <dd>{hasEnded(event, new Date()) ? number(event.capacity, lang) : <Seats event={event} />}</dd>
        {event.per_organization_limit && (
          <><dt>{m.events.perOrganization}</dt><dd>{number(event.per_organization_limit, lang)}</dd></>
        )}
        {(event.registration_opens_at || event.registration_closes_at) && (
          <>
            <dt>{m.events.registrationWindow}</dt>
            <dd>
              {event.registration_opens_at && `${m.events.opens} ${dateTime(event.registration_opens_at, lang)}`}
              {event.registration_opens_at && event.registration_closes_at && " · "}
              {event.registration_closes_at && `${m.events.closes} ${dateTime(event.registration_closes_at, lang)}`}
            </dd>
          </>
        )}
      </dl>
      {event.description && <p class="event-description">{event.description}</p>}
    </>
  );
}

function Sessions({ event }: { event: EventRead }) {
  const m = useMessages();
  const lang = useLanguage();
  if (!event.sessions.length) return null;
  return (
    <>
      <h2>{fill(m.events.sessions, { n: event.sessions.length })}</h2>
      <ol class="event-sessions">
        {event.sessions.map((s) => (
          <li key={s.id}>
            <strong>{s.title}</strong>
            {s.starts_at && <> — {when(s.starts_at, s.ends_at, lang)}</>}
          </li>
        ))}
      </ol>
      {event.sessions.every((s) => !s.starts_at) && <Empty>{m.events.sessionsUndated}</Empty>}
    </>
  );
}
