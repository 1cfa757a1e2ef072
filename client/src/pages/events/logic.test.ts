import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import type { Me } from "../../lib/session";
import {
  currentSession, groupByMonth, markKey, marksOf, matches, mayRun, monthLabel, nextDay, openness, periodQuery,
  promoted, when,
} from "./logic";

function event(over: Partial<Schemas["EventRead"]> = {}): Schemas["EventRead"] {
  return {
    id: 1, title: "Seminario", description: null, kind: "seminar", topics: [], audience: "everyone", organizer_id: 9,
    venue: null, address: null, online_url: null, starts_at: "2030-03-10T09:00:00Z", ends_at: "2030-03-10T12:00:00Z",
    date_note: null, timezone: "Europe/Rome", capacity: 10, per_organization_limit: null, registration_opens_at: null,
    registration_closes_at: null, language: "it", programme_id: null, output_id: null, status: "scheduled",
    sessions: [], seats_left: 10, waiting: 0, is_demo: false, version: 1, ...over,
  };
}

function registration(id: number, status: string, position: number, name = `P${id}`): Schemas["RegistrationRead"] {
  return {
    id, event_id: 1, status, position, waiting_position: null, name, email: `${name.toLowerCase()}@example.it`,
    organization_id: null, organization_name: "Conceria Demo", role: null, created_at: "2030-01-01T00:00:00Z",
    confirmed_at: null, cancelled_at: null, erased: false,
  };
}

const me = (over: Partial<Me>): Me => ({
  kind: "user", id: 7, role: "chamber_officer", label: "x", organization_id: 9, regions: [], clusters: [],
  organizations: [9], chambers: [9], ...over,
});

describe("periods", () => {
  const now = new Date("2026-11-29T10:00:00Z");
  it("asks the API for events ending after now, or starting before now (the latest first)", () => {
    expect(periodQuery("upcoming", "", "", now)).toEqual({ start: "2026-11-29T10:00:00.000Z" });
    expect(periodQuery("past", "", "", now)).toEqual({ end: "2026-11-29T10:00:00.000Z", sort: "-starts_at" });
    expect(periodQuery("all", "", "", now)).toEqual({});
  });
  it("sends a range as Rome days, the last one included", () => {
    expect(periodQuery("range", "2026-12-01", "2026-12-31", now)).toEqual({ start: "2026-12-01T00:00:00", end: "2027-01-01T00:00:00" });
    expect(periodQuery("range", "", "bad", now)).toEqual({ start: undefined, end: undefined });
    expect(nextDay("2028-02-28")).toBe("2028-02-29");
  });
});

describe("months", () => {
  it("groups by the month in Rome, keeping order, undated last", () => {
    const groups = groupByMonth([
      event({ id: 1, starts_at: "2026-11-30T23:30:00Z" }), // already 1 December in Rome
      event({ id: 2, starts_at: null, ends_at: null, date_note: "2 aprile" }),
      event({ id: 3, starts_at: "2026-12-05T09:00:00Z" }),
      event({ id: 4, starts_at: "2027-01-05T09:00:00Z" }),
    ]);
    expect(groups.map((g) => [g.key, g.events.map((e) => e.id)])).toEqual([
      ["2026-12", [1, 3]], ["2027-01", [4]], ["undated", [2]],
    ]);
  });
  it("names months in the interface's language", () => {
    expect(monthLabel("2026-12", "it")).toBe("Dicembre 2026");
    expect(monthLabel("2026-12", "en")).toBe("December 2026");
  });
  it("writes one day with its hours, in Rome time", () => {
    expect(when("2030-03-10T09:00:00Z", "2030-03-10T12:00:00Z", "en")).toMatch(/10 Mar 2030, 10:00.13:00$/);
    expect(when(null, null, "it")).toBeNull();
  });
});

describe("registration", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  it("is open for a scheduled, dated, future event within its window", () => {
    expect(openness(event(), now)).toEqual({ open: true });
    expect(openness(event({ status: "cancelled" }), now)).toMatchObject({ open: false, reason: "cancelled" });
    expect(openness(event({ starts_at: null }), now)).toMatchObject({ reason: "undated" });
    expect(openness(event({ starts_at: "2029-12-31T09:00:00Z" }), now)).toMatchObject({ reason: "started" });
    expect(openness(event({ registration_opens_at: "2030-02-01T00:00:00Z" }), now))
      .toEqual({ open: false, reason: "notYet", at: "2030-02-01T00:00:00Z" });
    expect(openness(event({ registration_closes_at: "2029-12-01T00:00:00Z" }), now)).toMatchObject({ reason: "closed" });
  });
  it("sees who moved up from the waiting list", () => {
    const before = [registration(1, "confirmed", 1), registration(3, "waiting", 3), registration(2, "waiting", 2)];
    const after = [registration(1, "cancelled", 1), registration(2, "confirmed", 2), registration(3, "waiting", 3)];
    expect(promoted(before, after).map((r) => r.id)).toEqual([2]);
  });
  it("lets administrators and the organizing body's officers run the event", () => {
    expect(mayRun(null, event())).toBe(false);
    expect(mayRun(me({ role: "admin", chambers: [], organization_id: null }), event())).toBe(true);
    expect(mayRun(me({}), event())).toBe(true);
    expect(mayRun(me({}), event({ organizer_id: 2 }))).toBe(false);
    expect(mayRun(me({ role: "region_officer", chambers: [], organization_id: 2 }), event({ organizer_id: 2 }))).toBe(true);
    expect(mayRun(me({ role: "cluster_manager", chambers: [], organization_id: 5 }), event({ organizer_id: null }))).toBe(true);
    expect(mayRun(me({ role: "enterprise" }), event())).toBe(false);
  });
});

describe("check-in", () => {
  it("finds a person by any of their words", () => {
    const r = registration(1, "confirmed", 1, "Maria Rossi");
    expect(matches(r, "ross mar")).toBe(true);
    expect(matches(r, "conceria")).toBe(true);
    expect(matches(r, "bianchi")).toBe(false);
    expect(matches(r, "  ")).toBe(true);
  });
  it("reads the marks the API recorded, per registration and session", () => {
    expect(marksOf([
      { registration_id: 1, session_id: null, attended: true, checked_at: "2030-01-01T09:00:00Z" },
      { registration_id: 1, session_id: 7, attended: false, checked_at: "2030-01-01T09:05:00Z" },
    ])).toEqual({ [markKey(1, null)]: true, [markKey(1, 7)]: false });
    expect(marksOf([])).toEqual({});
  });
  it("starts from the session running now", () => {
    const sessions = [
      { id: 1, title: "a", starts_at: "2030-01-01T09:00:00Z", ends_at: "2030-01-01T11:00:00Z" },
      { id: 2, title: "b", starts_at: "2030-01-01T11:30:00Z", ends_at: "2030-01-01T13:00:00Z" },
    ];
    expect(currentSession(sessions, new Date("2030-01-01T12:00:00Z"))).toBe(2);
    expect(currentSession(sessions, new Date("2030-01-01T11:10:00Z"))).toBe(2);
    expect(currentSession(sessions, new Date("2031-01-01T00:00:00Z"))).toBe(1);
    expect(currentSession([], new Date())).toBeNull();
  });
});
