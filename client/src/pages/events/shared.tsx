// Pieces the events screens share: names of organizers and programmes (read once per page load), the badges
// for seats and registration states, and saving a file the API only gives to a signed-in caller.
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "../../api/client";
import { fill, useMessages } from "../../i18n";
import { number } from "../../lib/format";
import type { Problem } from "../../lib/problem";
import { useLanguage } from "../../i18n";

type Event = Schemas["EventRead"];
type Kind = Schemas["OrganizationKind"];

// Organizers are chambers, Regions and associations: the bodies listed to filter by.
const ORGANIZER_KINDS: Kind[] = ["chamber_of_commerce", "public_administration", "association"];

const names = new Map<string, Promise<string | null>>();

function cachedName(key: string, load: () => Promise<string | null>): Promise<string | null> {
  let found = names.get(key);
  if (!found) {
    found = load().catch(() => null);
    names.set(key, found);
  }
  return found;
}

export function organizationName(id: number): Promise<string | null> {
  return cachedName(`o${id}`, async () => {
    const r = await api.GET("/api/v1/organizations/{organization_id}", { params: { path: { organization_id: id } } });
    return r.data?.name ?? null;
  });
}

export function programmeTitle(id: number): Promise<string | null> {
  return cachedName(`p${id}`, async () => {
    const r = await api.GET("/api/v1/programmes/{programme_id}", { params: { path: { programme_id: id } } });
    return r.data?.title ?? null;
  });
}

/** A name read on demand: shown when it arrives, the id until then (or if it cannot be read). */
export function useName(id: number | null | undefined, read: (id: number) => Promise<string | null>): string | null {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    setName(null);
    if (!id) return;
    let live = true;
    read(id).then((n) => live && setName(n ?? `#${id}`));
    return () => {
      live = false;
    };
  }, [id]);
  return name;
}

let organizers: Promise<{ id: number; name: string }[]> | null = null;

/** The bodies that may organize events, for the organizer filter. */
export function useOrganizers(): { id: number; name: string }[] {
  const [list, setList] = useState<{ id: number; name: string }[]>([]);
  useEffect(() => {
    organizers ??= Promise.all(ORGANIZER_KINDS.map((kind) => api.GET("/api/v1/organizations", {
      params: { query: { kind, limit: 200, sort: "name" } },
    }))).then((pages) => pages.flatMap((p) => p.data?.items ?? []).map((o) => ({ id: o.id, name: o.name }))
      .sort((a, b) => a.name.localeCompare(b.name)), () => []);
    let live = true;
    organizers.then((l) => live && setList(l));
    return () => {
      live = false;
    };
  }, []);
  return list;
}

/** Seats left and the waiting list, as words and a colour that does not carry the meaning alone. */
export function Seats({ event }: { event: Event }) {
  const m = useMessages();
  const lang = useLanguage();
  if (event.status === "cancelled") return <span class="badge warn">{m.events.status.cancelled}</span>;
  // Once it is over, seats no longer matter.
  if (event.ends_at && new Date(event.ends_at) <= new Date()) return <span class="badge">{m.events.status.ended}</span>;
  const full = event.seats_left <= 0;
  return (
    <span class="event-seats">
      <span class={`badge ${full ? "warn" : "ok"}`}>
        {full ? m.events.full : fill(m.events.seatsLeft, { n: number(event.seats_left, lang), of: number(event.capacity, lang) })}
      </span>
      {event.waiting > 0 && <> <span class="badge">{fill(m.events.waitingCount, { n: number(event.waiting, lang) })}</span></>}
    </span>
  );
}

export function StatusBadge({ registration }: { registration: Schemas["RegistrationRead"] }) {
  const m = useMessages();
  const status = registration.status as keyof typeof m.events.registrationStatus;
  const tone = status === "confirmed" ? "ok" : status === "waiting" || status === "pending" ? "warn" : "";
  const label = m.events.registrationStatus[status] ?? registration.status;
  const at = registration.waiting_position;
  return <span class={`badge ${tone}`}>{status === "waiting" && at ? fill(m.events.waitingAt, { n: at }) : label}</span>;
}

/** A certificate refused because no attendance is recorded, said in the interface's language. */
export function certificateProblem(problem: Problem, message: string): Problem {
  return problem.type.endsWith(":registration-state") ? { ...problem, detail: message } : problem;
}
