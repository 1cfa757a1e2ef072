// The events screens' pure logic: periods as API filters, months in Rome time, whether registration is open,
// and check-in marks. Kept apart from the components so it is tested without a browser.
import type { Schemas } from "../../api/client";
import type { paths } from "../../api/schema";
import { type Language, locales } from "../../i18n";
import type { Me } from "../../lib/session";

type Event = Schemas["EventRead"];
type Registration = Schemas["RegistrationRead"];

const ROME = "Europe/Rome";

export type Period = "upcoming" | "past" | "all" | "range";
export const PERIODS: Period[] = ["upcoming", "past", "all", "range"];

/** The day after a YYYY-MM-DD date, as the API's `end` means "starting before". */
export function nextDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

type Sort = NonNullable<paths["/api/v1/events"]["get"]["parameters"]["query"]>["sort"];

/**
 * The API's `start` (events ending after) and `end` (events starting before) for a period, and its order: past
 * events latest first. Range days are sent without a zone, which the API reads as Rome time, where the events
 * take place.
 */
export function periodQuery(period: Period, from: string, to: string, now: Date):
  { start?: string; end?: string; sort?: Sort } {
  switch (period) {
    case "upcoming":
      return { start: now.toISOString() };
    case "past":
      return { end: now.toISOString(), sort: "-starts_at" };
    case "range":
      return {
        start: /^\d{4}-\d{2}-\d{2}$/.test(from) ? `${from}T00:00:00` : undefined,
        end: /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${nextDay(to)}T00:00:00` : undefined,
      };
    default:
      return {};
  }
}

export interface MonthGroup {
  /** "YYYY-MM" in Rome time, or "undated" for events whose document gives no full date. */
  key: string;
  events: Event[];
}

const monthKey = new Intl.DateTimeFormat("en-CA", { timeZone: ROME, year: "numeric", month: "2-digit" });

/** Groups events by their starting month (Rome time), keeping the API's order; undated events come last. */
export function groupByMonth(events: Event[]): MonthGroup[] {
  const groups: MonthGroup[] = [];
  const byKey = new Map<string, MonthGroup>();
  const undated: Event[] = [];
  for (const event of events) {
    if (!event.starts_at) {
      undated.push(event);
      continue;
    }
    const parts = monthKey.formatToParts(new Date(event.starts_at));
    const key = `${parts.find((p) => p.type === "year")!.value}-${parts.find((p) => p.type === "month")!.value}`;
    let group = byKey.get(key);
    if (!group) {
      group = { key, events: [] };
      byKey.set(key, group);
      groups.push(group);
    }
    group.events.push(event);
  }
  if (undated.length) groups.push({ key: "undated", events: undated });
  return groups;
}

/** "novembre 2026" for "2026-11". */
export function monthLabel(key: string, lang: Language): string {
  const [year, month] = key.split("-").map(Number);
  const label = new Intl.DateTimeFormat(locales[lang], { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, 15)));
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** When an event takes place, in Rome time: one day with its hours, or from one day to another. */
export function when(starts: string | null, ends: string | null, lang: Language): string | null {
  if (!starts) return null;
  const locale = locales[lang];
  const day = new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: ROME });
  const hour = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: ROME });
  const a = new Date(starts);
  if (!ends) return `${day.format(a)}, ${hour.format(a)}`;
  const b = new Date(ends);
  if (day.format(a) === day.format(b)) return `${day.format(a)}, ${hour.format(a)}–${hour.format(b)}`;
  return `${day.format(a)}, ${hour.format(a)} – ${day.format(b)}, ${hour.format(b)}`;
}

export type Openness =
  | { open: true }
  | { open: false; reason: "cancelled" | "undated" | "started" | "notYet" | "closed"; at?: string };

/** Whether the API would take a registration now: the same checks it makes, to say why before anyone types. */
export function openness(event: Event, now: Date): Openness {
  if (event.status !== "scheduled") return { open: false, reason: "cancelled" };
  if (!event.starts_at) return { open: false, reason: "undated" };
  if (new Date(event.starts_at) <= now) return { open: false, reason: "started" };
  if (event.registration_opens_at && now < new Date(event.registration_opens_at))
    return { open: false, reason: "notYet", at: event.registration_opens_at };
  if (event.registration_closes_at && now >= new Date(event.registration_closes_at))
    return { open: false, reason: "closed", at: event.registration_closes_at };
  return { open: true };
}

export function hasEnded(event: Event, now: Date): boolean {
  return !!event.ends_at && new Date(event.ends_at) <= now;
}

/** Registrations that went from the waiting list to a seat between two readings (after a cancellation). */
export function promoted(before: Registration[], after: Registration[]): Registration[] {
  const was = new Map(before.map((r) => [r.id, r.status]));
  return after.filter((r) => r.status === "confirmed" && was.get(r.id) === "waiting");
}

/** Text a check-in search matches: name, e-mail, organization, role. */
export function matches(registration: Registration, query: string): boolean {
  const words = query.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const text = [registration.name, registration.email, registration.organization_name, registration.role]
    .filter(Boolean).join(" ").toLocaleLowerCase();
  return words.every((w) => text.includes(w));
}

/** The key of one check-in mark: a registration, for the event (session 0) or one of its sessions. */
export function markKey(registrationId: number, sessionId: number | null): string {
  return `${registrationId}:${sessionId ?? 0}`;
}

/** The roles the API lets organize events (api/auth/policy.py: events:manage). */
const ORGANIZING: string[] = ["chamber_officer", "region_officer", "cluster_manager"];

/**
 * Whether the signed-in person runs the event (check-in, every registration): administrators, and officers of
 * the organizing body. The API also counts the event's creator, whom the event does not name: an organizing role
 * sees the check-in link for events without an organizer too, and the API has the last word.
 */
export function mayRun(me: Me | null, event: Pick<Event, "organizer_id">): boolean {
  if (!me) return false;
  if (me.role === "admin") return true;
  if (!ORGANIZING.includes(me.role)) return false;
  const org = event.organizer_id;
  return org === null || org === me.organization_id || me.chambers.includes(org);
}

/** The check-in marks the API has recorded (GET …/attendance), keyed as the check-in screen keys its own. */
export function marksOf(attendance: Schemas["AttendanceRead"][]): Record<string, boolean> {
  return Object.fromEntries(attendance.map((a) => [markKey(a.registration_id, a.session_id), a.attended]));
}

/** The session running now, or the first one: where a check-in at the door starts. */
export function currentSession(sessions: Schemas["SessionRead"][], now: Date): number | null {
  if (!sessions.length) return null;
  const running = sessions.find((s) => s.starts_at && s.ends_at && new Date(s.starts_at) <= now && now < new Date(s.ends_at));
  const next = sessions.find((s) => s.starts_at && now < new Date(s.starts_at));
  return (running ?? next ?? sessions[0]).id;
}
