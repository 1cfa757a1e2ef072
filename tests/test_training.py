"""Programmes, events, registrations that never overbook (also under 300 concurrent requests), waiting lists,
attendance, iCalendar, and monitoring against the programme's targets."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import text

from tests.helpers import assert_problem, every_item

ADMIN = "admin@cartesio.example"
ORGANIZER = "camera@cartesio.example"     # Unioncamere Lombardia's officer
ENTERPRISE = "conceria@cartesio.example"


def _uid() -> str:
    return uuid.uuid4().hex[:8]


def soon(days: int = 10, hours: int = 0) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(microsecond=0)


def event_body(**overrides):  # noqa: ANN003, ANN201
    start = soon()
    body = {"title": f"Seminario {_uid()}", "kind": "seminar", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 40,
            "topics": ["riuso e riciclo"], "audience": "enterprises", "venue": "Camera di Commercio di Milano"}
    body.update(overrides)
    return body


def new_event(client, auth, **overrides) -> dict:  # noqa: ANN001
    created = client.post("/api/v1/events", headers=auth(ORGANIZER), json=event_body(**overrides))
    assert created.status_code == 201, created.text
    return created.json()


def register(client, event_id: int, headers=None, **body):  # noqa: ANN001, ANN201
    payload = {"name": "Mario Rossi", "email": f"m.{_uid()}@example.it", **body}
    return client.post(f"/api/v1/events/{event_id}/registrations", headers=headers or {}, json=payload)


def outbox_token(engine, registration_id: int) -> str:  # noqa: ANN001
    with engine.connect() as conn:
        detail = conn.execute(text("SELECT detail FROM outbox_messages WHERE registration_id = :r AND "
                                   "kind = 'confirm_registration'"), {"r": registration_id}).scalar_one()
    import json
    return (json.loads(detail) if isinstance(detail, str) else detail)["token"]


class TestEvents:
    @pytest.mark.parametrize(("overrides", "field"), [
        ({"capacity": 0}, "body.capacity"),
        ({"capacity": -5}, "body.capacity"),
        ({"ends_at": "2020-01-01T10:00:00", "starts_at": "2020-01-01T12:00:00"}, "body.ends_at"),
        ({"kind": "party"}, "body.kind"),
    ])
    def test_bad_events_are_refused(self, client, auth, engine, overrides, field):
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        body = assert_problem(client.post("/api/v1/events", headers=auth(ORGANIZER), json=event_body(**overrides)),
                              422)
        assert any(e["field"].startswith(field) for e in body["errors"]), body
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == before

    def test_times_without_a_zone_are_rome_and_stored_in_utc(self, client, auth):
        event = new_event(client, auth, starts_at="2030-07-01T10:00:00", ends_at="2030-07-01T12:00:00")
        assert event["starts_at"] == "2030-07-01T08:00:00Z" and event["timezone"] == "Europe/Rome"

    def test_filters(self, client, auth):
        mark = _uid()
        new_event(client, auth, title=f"Ecoprogettazione {mark}", kind="webinar", topics=["ecoprogettazione"],
                  online_url="https://example.org/webinar")
        found = client.get("/api/v1/events", params={"q": mark, "kind": "webinar", "topic": "ecoprog"}).json()
        assert [e["title"] for e in found["items"]] == [f"Ecoprogettazione {mark}"]
        assert client.get("/api/v1/events", params={"q": mark, "kind": "seminar"}).json()["items"] == []

    def test_only_organizers_change_an_event(self, client, auth):
        event = new_event(client, auth)
        assert_problem(client.patch(f"/api/v1/events/{event['id']}", headers=auth(ENTERPRISE),
                                    json={"capacity": 50}), 403)
        assert_problem(client.patch(f"/api/v1/events/{event['id']}", headers=auth("toscana@cartesio.example"),
                                    json={"capacity": 50}), 403)


class TestRegistrations:
    def test_seats_then_waiting_list_then_promotion(self, client, auth, engine):
        event = new_event(client, auth, capacity=2)
        answers = [register(client, event["id"], auth(ENTERPRISE)) for _ in range(4)]
        assert [a.json()["status"] for a in answers] == ["confirmed", "confirmed", "waiting", "waiting"]
        assert [a.json()["waiting_position"] for a in answers[2:]] == [1, 2]
        cancelled = client.delete(f"/api/v1/events/{event['id']}/registrations/{answers[0].json()['id']}",
                                  headers=auth(ENTERPRISE))
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        listed = {r["id"]: r["status"] for r in client.get(f"/api/v1/events/{event['id']}/registrations",
                                                           headers=auth(ORGANIZER)).json()}
        assert listed[answers[2].json()["id"]] == "confirmed" and listed[answers[3].json()["id"]] == "waiting"
        with engine.connect() as conn:
            told = conn.execute(text("SELECT to_email FROM outbox_messages WHERE registration_id = :r AND kind = "
                                     "'promoted'"), {"r": answers[2].json()["id"]}).all()
        assert [t[0] for t in told] == [answers[2].json()["email"]]
        assert client.get(f"/api/v1/events/{event['id']}").json()["seats_left"] == 0

    def test_the_list_shows_waiting_places_and_a_cached_read_sees_seats_go(self, client, auth):
        event = new_event(client, auth, capacity=1)
        before = client.get(f"/api/v1/events/{event['id']}")
        assert before.json()["seats_left"] == 1
        answers = [register(client, event["id"], auth(ENTERPRISE)).json() for _ in range(3)]
        # A revalidation after registrations must not be told "not modified": seats changed.
        after = client.get(f"/api/v1/events/{event['id']}", headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and after.json()["seats_left"] == 0 and after.json()["waiting"] == 2
        assert after.headers["ETag"] != before.headers["ETag"]
        assert client.get(f"/api/v1/events/{event['id']}",
                          headers={"If-None-Match": after.headers["ETag"]}).status_code == 304
        for reader in (ORGANIZER, ENTERPRISE):
            listed = client.get(f"/api/v1/events/{event['id']}/registrations", headers=auth(reader)).json()
            assert [r["waiting_position"] for r in listed] == [None, 1, 2], reader
        # Editing the event with the ETag just read works; with the one read before the registrations, 412.
        stale = client.patch(f"/api/v1/events/{event['id']}", headers={**auth(ORGANIZER), "If-Match": before.headers["ETag"]},
                             json={"capacity": 2})
        assert_problem(stale, 412)
        fresh = client.patch(f"/api/v1/events/{event['id']}", headers={**auth(ORGANIZER), "If-Match": after.headers["ETag"]},
                             json={"capacity": 2})
        assert fresh.status_code == 200 and fresh.json()["waiting"] == 1, fresh.text
        assert answers[1]["id"] in {r["id"] for r in client.get(f"/api/v1/events/{event['id']}/registrations",
                                                                 headers=auth(ORGANIZER)).json()
                                    if r["status"] == "confirmed"}

    def test_latest_first(self, client, auth):
        older, newer = (new_event(client, auth, starts_at=soon(days).isoformat(),
                                  ends_at=soon(days, hours=3).isoformat()) for days in (40, 41))
        ids = [e["id"] for e in client.get("/api/v1/events?sort=-starts_at&limit=200").json()["items"]]
        assert ids.index(newer["id"]) < ids.index(older["id"])
        ids = [e["id"] for e in client.get("/api/v1/events?limit=200").json()["items"]]
        assert ids.index(older["id"]) < ids.index(newer["id"])

    def test_anonymous_registration_is_confirmed_by_its_link(self, client, auth, engine):
        event = new_event(client, auth, capacity=1)
        pending = register(client, event["id"], name="Anna Bianchi", email="Anna.Bianchi@Example.it")
        assert pending.status_code == 201 and pending.json()["status"] == "pending"
        assert pending.json()["email"] == "anna.bianchi@example.it" and "token" not in pending.text
        token = outbox_token(engine, pending.json()["id"])
        confirmed = client.post("/api/v1/registrations/confirm", json={"token": token})
        assert confirmed.json()["status"] == "confirmed"
        assert client.post("/api/v1/registrations/confirm", json={"token": token}).json()["status"] == "confirmed"
        mine = client.get("/api/v1/registrations/mine", headers={"Registration-Token": token}).json()
        assert mine["name"] == "Anna Bianchi"
        erased = client.post("/api/v1/registrations/mine/erasure", headers={"Registration-Token": token}).json()
        assert erased["erased"] and erased["name"] is None and erased["email"] is None
        assert_problem(client.get("/api/v1/registrations/mine", headers={"Registration-Token": token}), 404)
        assert client.get(f"/api/v1/events/{event['id']}/stats").json()["confirmed"] == 1
        assert_problem(client.post("/api/v1/registrations/confirm", json={"token": "x" * 30}), 404)

    def test_bad_registrations_store_nothing(self, client, auth, engine):
        event = new_event(client, auth, per_organization_limit=1)
        first = register(client, event["id"], auth(ENTERPRISE), email="dup@example.it")
        assert first.status_code == 201
        assert_problem(register(client, event["id"], email="dup@example.it"), 409)
        assert_problem(register(client, event["id"], auth(ENTERPRISE)), 409)  # the organization's limit
        assert_problem(register(client, event["id"], email="not-an-email"), 422, field="body.email")
        closed = new_event(client, auth, registration_closes_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                           registration_opens_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
        assert_problem(register(client, closed["id"]), 409)
        past = new_event(client, auth, starts_at="2020-01-01T10:00:00", ends_at="2020-01-01T12:00:00")
        assert_problem(register(client, past["id"]), 409)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM registrations WHERE event_id IN (:a, :b, :c)"),
                                {"a": event["id"], "b": closed["id"], "c": past["id"]}).scalar_one() == 1

    def test_registrants_data_is_the_organizers_and_the_registrants(self, client, auth):
        event = new_event(client, auth)
        register(client, event["id"], auth(ENTERPRISE))
        register(client, event["id"])
        assert len(client.get(f"/api/v1/events/{event['id']}/registrations", headers=auth(ORGANIZER)).json()) == 2
        assert len(client.get(f"/api/v1/events/{event['id']}/registrations", headers=auth(ENTERPRISE)).json()) == 1
        assert client.get(f"/api/v1/events/{event['id']}/registrations").json() == []
        exported = client.get(f"/api/v1/events/{event['id']}/registrations", params={"format": "csv"},
                              headers=auth(ORGANIZER))
        assert exported.headers["content-type"].startswith("text/csv") and exported.text.count("\n") == 3
        assert_problem(client.get(f"/api/v1/events/{event['id']}/registrations", params={"format": "csv"},
                                  headers=auth(ENTERPRISE)), 403)


def test_300_concurrent_registrations_fill_40_seats_in_arrival_order(client, auth, live_url, engine):
    event = new_event(client, auth, capacity=40)
    headers = auth(ENTERPRISE)
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(300)

    def fire(n: int) -> None:
        with httpx.Client(base_url=live_url, timeout=120) as http:
            barrier.wait()
            answers.append(http.post(f"/api/v1/events/{event['id']}/registrations", headers=headers,
                                     json={"name": f"Persona {n}", "email": f"p{n}.{event['id']}@example.it"}))

    threads = [threading.Thread(target=fire, args=(n,)) for n in range(300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers if a.status_code != 201][:3]
    by_position = sorted((a.json()["position"], a.json()["status"]) for a in answers)
    assert [p for p, _ in by_position] == list(range(1, 301))
    assert [s for _, s in by_position] == ["confirmed"] * 40 + ["waiting"] * 260
    stats = client.get(f"/api/v1/events/{event['id']}/stats").json()
    assert (stats["confirmed"], stats["waiting"]) == (40, 260)
    # Cancellations promote in arrival order.
    seated = [a.json() for a in answers if a.json()["status"] == "confirmed"][:3]
    for registration in seated:
        client.delete(f"/api/v1/events/{event['id']}/registrations/{registration['id']}", headers=headers)
    with engine.connect() as conn:
        promoted = [row[0] for row in conn.execute(text(
            "SELECT position FROM registrations WHERE event_id = :e AND status = 'confirmed' AND position > 40 "
            "ORDER BY position"), {"e": event["id"]})]
    assert promoted == [41, 42, 43]


class TestAttendance:
    def test_bulk_check_in_is_safe_to_retry_and_counts_per_session(self, client, auth):
        start = soon(5)
        event = new_event(client, auth, kind="training_cycle", sessions=[
            {"title": "Modulo 1", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()},
            {"title": "Modulo 2", "starts_at": (start + timedelta(days=1)).isoformat(),
             "ends_at": (start + timedelta(days=1, hours=2)).isoformat()}],
            ends_at=(start + timedelta(days=1, hours=3)).isoformat(), starts_at=start.isoformat())
        people = [register(client, event["id"], auth(ENTERPRISE)).json()["id"] for _ in range(3)]
        first, second = (s["id"] for s in client.get(f"/api/v1/events/{event['id']}").json()["sessions"])
        records = [{"registration_id": people[0], "session_id": first, "attended": True},
                   {"registration_id": people[1], "session_id": first, "attended": True},
                   {"registration_id": people[0], "session_id": second, "attended": True},
                   {"registration_id": people[2], "session_id": second, "attended": False}]
        url = f"/api/v1/events/{event['id']}/attendance"
        done = client.put(url, headers=auth(ORGANIZER), json={"records": records}).json()
        again = client.put(url, headers=auth(ORGANIZER), json={"records": records}).json()
        assert done["changed"] == 4 and again["changed"] == 0
        stats = again["stats"]
        assert stats["attended"] == 2 and [s["attended"] for s in stats["sessions"]] == [2, 1]
        # A check-in device opened later reads who is already in; only organizers may.
        recorded = client.get(url, headers=auth(ORGANIZER)).json()
        assert {(r["registration_id"], r["session_id"], r["attended"]) for r in recorded} == {
            (people[0], first, True), (people[1], first, True), (people[0], second, True), (people[2], second, False)}
        assert_problem(client.get(url, headers=auth(ENTERPRISE)), 403)
        assert_problem(client.get(url), 401)
        assert_problem(client.put(url, headers=auth(ENTERPRISE), json={"records": records}), 403)
        certificate = client.get(f"/api/v1/events/{event['id']}/registrations/{people[0]}/certificate.pdf",
                                 headers=auth(ENTERPRISE))
        assert certificate.status_code == 200 and certificate.headers["content-type"] == "application/pdf"
        assert certificate.content.startswith(b"%PDF") and b"Attestato di partecipazione" in certificate.content
        assert b"Mario Rossi" in certificate.content and b"Modulo 1; Modulo 2" in certificate.content
        assert_problem(client.get(f"/api/v1/events/{event['id']}/registrations/{people[2]}/certificate.pdf",
                                  headers=auth(ENTERPRISE)), 409)
        assert_problem(client.put(url, headers=auth(ORGANIZER), json={"records": [
            {"registration_id": people[0], "session_id": 999999, "attended": True}]}), 422)


class TestReviewFindings:
    def test_dates_without_a_zone_in_filters_are_rome(self, client):
        assert client.get("/api/v1/events", params={"start": "2026-01-01"}).status_code == 200
        assert client.get("/api/v1/events.ics", params={"end": "2031-01-01T00:00:00"}).status_code == 200
        assert client.get("/api/v1/stats/events", params={"start": "2020-01-01"}).status_code == 200

    def test_an_undated_event_can_still_be_changed(self, client, auth):
        workshop = next(e for e in client.get("/api/v1/events", params={"q": "CARTESIO"}).json()["items"]
                        if e["kind"] == "workshop")
        changed = client.patch(f"/api/v1/events/{workshop['id']}", headers=auth(ADMIN), json={"capacity": 120})
        assert changed.status_code == 200 and changed.json()["starts_at"] is None

    def test_certificate_hours_add_up_the_sessions(self, client, auth):
        start = soon(3)
        sessions = [{"title": f"Giorno {d + 1}", "starts_at": (start + timedelta(days=d)).isoformat(),
                     "ends_at": (start + timedelta(days=d, hours=4)).isoformat()} for d in range(3)]
        event = new_event(client, auth, kind="training_cycle", sessions=sessions, starts_at=start.isoformat(),
                          ends_at=(start + timedelta(days=2, hours=4)).isoformat())
        person = register(client, event["id"], auth(ENTERPRISE)).json()["id"]
        client.put(f"/api/v1/events/{event['id']}/attendance", headers=auth(ORGANIZER),
                   json={"records": [{"registration_id": person, "attended": True}]})
        pdf = client.get(f"/api/v1/events/{event['id']}/registrations/{person}/certificate.pdf",
                         headers=auth(ENTERPRISE)).content
        assert b"(12)" in pdf or b"12" in pdf.split(b"ore")[1][:200]

    def test_an_unknown_promoter_is_a_bad_reference(self, client, auth):
        assert_problem(client.post("/api/v1/programmes", headers=auth(ORGANIZER), json={
            "title": "x", "starts_on": "2020-01-01", "ends_on": "2020-05-01", "promoter_id": 999999}), 422,
            field="body.promoter_id")


class TestCalendar:
    def test_ics_with_stable_uid_sequence_zones_and_cancellation(self, client, auth):
        event = new_event(client, auth, starts_at="2031-03-10T09:00:00", ends_at="2031-03-10T13:00:00")
        first = Calendar.from_ical(client.get(f"/api/v1/events/{event['id']}.ics").content)
        (vevent,) = first.walk("VEVENT")
        assert vevent["DTSTART"].dt.utcoffset() == timedelta(hours=1)  # CET on 10 March
        assert str(vevent["DTSTART"].params.get("TZID")) == "Europe/Rome"
        uid, sequence = str(vevent["UID"]), int(vevent["SEQUENCE"])
        client.patch(f"/api/v1/events/{event['id']}", headers=auth(ORGANIZER), json={"status": "cancelled"})
        response = client.get(f"/api/v1/events/{event['id']}.ics")
        assert response.headers["content-type"].startswith("text/calendar")
        (changed,) = Calendar.from_ical(response.content).walk("VEVENT")
        assert str(changed["UID"]) == uid and int(changed["SEQUENCE"]) == sequence + 1
        assert str(changed["STATUS"]) == "CANCELLED"
        listing = Calendar.from_ical(client.get("/api/v1/events.ics", params={"q": event["title"]}).content)
        assert [str(v["UID"]) for v in listing.walk("VEVENT")] == [uid]


class TestProgrammes:
    def test_the_lombard_programme_monitoring(self, client):
        goals = client.get("/api/v1/programmes/goals").json()
        assert {(g["scheme"], g["code"]) for g in goals} >= {("agenda2030", "12.5"), ("snsvs", "III.5")}
        with_programme = every_item(client, "/api/v1/events", {"q": "(demo)"})
        programme_id = next(e["programme_id"] for e in with_programme if e["programme_id"])
        programme = client.get(f"/api/v1/programmes/{programme_id}").json()
        assert programme["external_resources"] == "150000.00" and programme["internal_resources"] is None
        assert (programme["starts_on"], programme["ends_on"]) == ("2019-09-01", "2020-09-30")
        monitoring = client.get(f"/api/v1/programmes/{programme_id}/monitoring").json()
        by_title = {o["title"][:30]: o for o in monitoring["outputs"]}
        waste = next(o for o in monitoring["outputs"] if "tema rifiuti" in o["title"])
        circular = next(o for o in monitoring["outputs"] if "economia circolare" in o["title"])
        assert (waste["target_count"], waste["achieved"], waste["missing"], waste["met"]) == (9, 5, 4, False)
        assert circular["met"] is True and circular["events_meeting_attendance"] == 9
        assert waste["attendance_target"] == {"min": 30, "max": 40}
        assert monitoring["met"] >= 1 and monitoring["open"] >= 1 and by_title

    def test_the_cartesio_workshop_has_its_sessions_and_no_invented_date(self, client):
        found = client.get("/api/v1/events", params={"q": "CARTESIO"}).json()["items"]
        workshop = next(e for e in found if e["kind"] == "workshop")
        assert workshop["starts_at"] is None and "2 aprile" in workshop["date_note"]
        assert [s["title"] for s in workshop["sessions"]] == [
            "Il Regolamento EMAS negli APO", "Le APEA: caratteristiche e potenzialità",
            "Scenari per la valorizzazione dei prodotti", "Strumenti di governance per le aree omogenee"]
        assert_problem(register(client, workshop["id"]), 409)

    def test_bad_programmes_are_refused(self, client, auth):
        assert_problem(client.post("/api/v1/programmes", headers=auth(ORGANIZER), json={
            "title": "x", "starts_on": "2020-05-01", "ends_on": "2020-01-01"}), 422)
        assert_problem(client.post("/api/v1/programmes", headers=auth(ORGANIZER), json={
            "title": "x", "starts_on": "2020-01-01", "ends_on": "2020-05-01",
            "goals": [{"scheme": "agenda2030", "code": "99.9"}]}), 422, field="body.goals.0")


class TestMailer:
    def test_the_outbox_goes_out_by_smtp_once(self, client, auth, seeded, engine):
        import asyncio
        import socket

        from aiosmtpd.controller import Controller

        from api.core.db import Database
        from api.training import mailer

        received = []

        class Inbox:
            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
                received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        event = new_event(client, auth)
        pending = register(client, event["id"], name="Lucia Verdi", email=f"lucia.{_uid()}@example.it").json()
        token = outbox_token(engine, pending["id"])

        async def deliver(settings) -> int:  # noqa: ANN001
            db = Database(settings)
            try:
                return await mailer.deliver(db)
            finally:
                await db.dispose()

        closed = seeded.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        assert asyncio.run(deliver(closed)) == 0  # nothing listens yet: the messages wait
        controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            rounds = [asyncio.run(deliver(closed))]
            while rounds[-1] and len(rounds) < 100:  # batches of 50 until the outbox is empty
                rounds.append(asyncio.run(deliver(closed)))
        finally:
            controller.stop()
        assert rounds[0] >= 1 and rounds[-1] == 0
        import email
        from email import policy

        mine = [email.message_from_string(body, policy=policy.default) for rcpt, body in received
                if rcpt == [pending["email"]]]
        assert len(mine) == 1 and "Conferma" in mine[0]["Subject"]
        link = f"{seeded.public_url}/registrations/confirm?token={token}"
        assert link in mine[0].get_content()
