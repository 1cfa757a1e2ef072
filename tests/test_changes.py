"""The changes feed: order, full resources, tombstones, filters, retention (410), and no skipped change when
transactions commit out of order."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest
from sqlalchemy import text

from api.auth.principal import Principal
from api.changes import service as changes
from api.clusters import service as clusters_service
from api.clusters.schemas import ClusterCreate
from api.core.db import Database
from tests.helpers import assert_problem

ADMIN = "admin@cartesio.example"
ADMIN_PRINCIPAL = Principal(kind="user", id=0, role="admin", label="test")


def read_all(client, headers, since=None, types=None, limit=1000):  # noqa: ANN001, ANN201
    """Every change after `since`, and the cursor at the end."""
    out = []
    while True:
        params = {"limit": limit}
        if since:
            params["since"] = since
        if types:
            params["types"] = types
        page = client.get("/api/v1/changes", params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        out.extend(body["changes"])
        since = body["next_cursor"]
        if not body["has_more"]:
            return out, since


def test_feed_needs_a_token(client):
    assert_problem(client.get("/api/v1/changes"), 401)


def test_creates_updates_and_deletes_in_order_with_full_resources(client, auth):
    headers = auth(ADMIN)
    _, cursor = read_all(client, headers)
    created = client.post("/api/v1/clusters", headers=headers, json={
        "name": f"Feed {uuid.uuid4().hex[:6]}", "kind": "cluster", "country": "IT", "region_code": "ITI17"}).json()
    updated = client.patch(f"/api/v1/clusters/{created['id']}", headers=headers, json={"locality": "Pisa"}).json()
    assert client.delete(f"/api/v1/clusters/{created['id']}", headers=headers).status_code == 204
    seen, end = read_all(client, headers, since=cursor)
    mine = [c for c in seen if c["type"] == "clusters" and c["id"] == created["id"]]
    assert [(c["operation"], c["event"], c["version"]) for c in mine] == [
        ("upsert", "created", 1), ("upsert", "updated", 2), ("delete", "deleted", 3)]
    assert mine[0]["resource"] == created and mine[1]["resource"] == updated
    assert mine[2]["resource"]["deleted"] is True and mine[2]["resource"]["id"] == created["id"]
    cursors = [c["cursor"] for c in seen]
    assert len(set(cursors)) == len(cursors) and end == cursors[-1]
    # Nothing new: the same cursor comes back with no changes.
    again = client.get("/api/v1/changes", params={"since": end}, headers=headers).json()
    assert again["changes"] == [] and again["next_cursor"] == end and again["has_more"] is False


def test_types_filter_and_external_ids(client, auth, service_client):
    headers = auth(ADMIN)
    _, cursor = read_all(client, headers)
    sync = service_client("lombardia", "ITC4")
    ext = f"F-{uuid.uuid4().hex[:8]}"
    client.put(f"/api/v1/sync/lombardia/organizations/{ext}", headers=sync,
               json={"name": "Filtro S.r.l.", "kind": "enterprise", "country": "IT", "region_code": "ITC4C"})
    client.post("/api/v1/clusters", headers=headers, json={"name": "Filtro", "kind": "cluster", "country": "IT"})
    orgs, _ = read_all(client, headers, since=cursor, types="organizations")
    assert orgs and {c["type"] for c in orgs} == {"organizations"}
    assert orgs[-1]["external_id"] == {"source": "lombardia", "id": ext}
    assert_problem(client.get("/api/v1/changes", params={"types": "volcanoes"}, headers=headers), 422)
    assert_problem(client.get("/api/v1/changes", params={"since": "@@not-a-cursor"}, headers=headers), 422)


def test_paging_with_small_pages_sees_every_change_once(client, auth):
    headers = auth(ADMIN)
    everything, _ = read_all(client, headers)
    paged, _ = read_all(client, headers, limit=7)
    assert [c["cursor"] for c in paged[:len(everything)]] == [c["cursor"] for c in everything]


def test_unchanged_sync_emits_no_change(client, auth, service_client):
    headers, sync = auth(ADMIN), service_client("lombardia", "ITC4")
    ext = f"U-{uuid.uuid4().hex[:8]}"
    body = {"name": "Invariato", "kind": "cluster", "country": "IT", "region_code": "ITC41"}
    client.put(f"/api/v1/sync/lombardia/clusters/{ext}", headers=sync, json=body)
    _, cursor = read_all(client, headers)
    client.put(f"/api/v1/sync/lombardia/clusters/{ext}", headers=sync, json=body)
    client.post("/api/v1/sync/lombardia/clusters:batch", headers=sync, json=[{**body, "external_id": ext}])
    seen, _ = read_all(client, headers, since=cursor)
    assert [c for c in seen if c["external_id"] == {"source": "lombardia", "id": ext}] == []


def test_pruned_tombstones_make_old_cursors_gone(client, auth, seeded):
    headers = auth(ADMIN)
    _, old = read_all(client, headers)
    created = client.post("/api/v1/clusters", headers=headers, json={
        "name": "Da potare", "kind": "cluster", "country": "IT"}).json()
    client.delete(f"/api/v1/clusters/{created['id']}", headers=headers)
    _, after_delete = read_all(client, headers)

    async def prune() -> dict[str, int]:
        db = Database(seeded)
        try:
            # The dispatcher mark stands in for webhook fan-out having passed these changes.
            async with db.session_scope() as session:
                await session.execute(text("DELETE FROM feed_marks WHERE name = 'webhooks'"))
                await session.execute(text("INSERT INTO feed_marks (name, txid, change_id, updated_at) "
                                           "SELECT 'webhooks', MAX(txid), MAX(id), CURRENT_TIMESTAMP FROM changes"))
            return await changes.prune(db, retention_seconds=0, compact_after_seconds=0)
        finally:
            await db.dispose()

    result = asyncio.run(prune())
    assert result["tombstones"] >= 1
    gone = assert_problem(client.get("/api/v1/changes", params={"since": old}, headers=headers), 410)
    assert gone["resync"] is True
    # A cursor at or past the pruned tombstone still reads on.
    assert client.get("/api/v1/changes", params={"since": after_delete}, headers=headers).status_code == 200
    # From the beginning, the pruned cluster never shows up: not alive, not as a tombstone.
    everything, _ = read_all(client, headers)
    # Paging from the beginning after the prune never trips on the horizon, however small the pages.
    assert [c["cursor"] for c in read_all(client, headers, limit=3)[0]] == [c["cursor"] for c in everything]
    assert not [c for c in everything if c["type"] == "clusters" and c["id"] == created["id"]]


def test_a_transaction_that_commits_late_is_not_skipped(client, auth, seeded):
    """Writer A takes its transaction id first, writer B commits first: a reader must not pass A's change."""
    headers = auth(ADMIN)
    _, cursor = read_all(client, headers)
    postgres = seeded.resolved_database_url.startswith("postgresql")

    async def scenario() -> None:
        db = Database(seeded)
        try:
            async with db.sessionmaker() as first, db.sessionmaker() as second:
                if not postgres:
                    # SQLite: writers queue, so commit order is id order; a second writer cannot even start.
                    await clusters_service.create(first, data=ClusterCreate(name="Lento", kind="cluster",
                                                                            country="IT"), actor=ADMIN_PRINCIPAL)
                    path = seeded.resolved_database_url.removeprefix("sqlite:///")
                    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("BEGIN IMMEDIATE")
                    other.close()
                    await first.commit()
                    return
                slow = await clusters_service.create(first, data=ClusterCreate(name="Lento", kind="cluster",
                                                                               country="IT"), actor=ADMIN_PRINCIPAL)
                fast = await clusters_service.create(second, data=ClusterCreate(name="Veloce", kind="cluster",
                                                                                country="IT"), actor=ADMIN_PRINCIPAL)
                await second.commit()
                # B is committed, A is not: a reader sees neither yet, because A is older than B.
                seen, held = read_all(client, headers, since=cursor)
                assert fast.id not in [c["id"] for c in seen if c["type"] == "clusters"]
                assert held == cursor or all(c["type"] != "clusters" or c["id"] not in (slow.id, fast.id)
                                             for c in seen)
                await first.commit()
                seen, _ = read_all(client, headers, since=held)
                order = [c["id"] for c in seen if c["type"] == "clusters" and c["id"] in (slow.id, fast.id)]
                assert order == [slow.id, fast.id]
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_a_transaction_in_another_database_does_not_hold_the_feed(client, auth, seeded, tmp_path):
    """Only this database's writers can add to its feed; an idle transaction elsewhere must not stall it."""
    headers = auth(ADMIN)
    _, cursor = read_all(client, headers)
    url = seeded.resolved_database_url
    if url.startswith("postgresql"):
        import psycopg
        from sqlalchemy.engine import make_url

        other = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(False)
        holder = psycopg.connect(other)
        holder.execute("SELECT pg_current_xact_id()")  # an open transaction with an id, left idle
    else:
        holder = sqlite3.connect(tmp_path / "other.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    try:
        created = client.post("/api/v1/clusters", headers=headers, json={
            "name": "Non bloccato", "kind": "cluster", "country": "IT"}).json()
        seen, _ = read_all(client, headers, since=cursor)
        assert created["id"] in [c["id"] for c in seen if c["type"] == "clusters"]
    finally:
        holder.rollback()
        holder.close()
