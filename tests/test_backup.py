"""`cartesio db backup` and `cartesio db restore`, run as commands on the suite's engine: a SQLite file by default
(the online backup API), PostgreSQL when TEST_DATABASE_URL is set (pg_dump and pg_restore, on databases
`<test database>_backup_src` and `_backup_dst` of their own).

A round trip gives back every table row for row and a database that serves; a restore refuses a database that
has tables unless forced, and a backup of a revision this code does not know; a backup taken while a writer
pushes batches holds each batch whole or not at all.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import uuid
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning

import api.models  # noqa: F401  (every table in Base.metadata)
from api.core import migrate
from api.core.backup import current_revision, head_revision
from api.core.config import Settings, normalise_database_url
from api.core.db import Base, make_sync_engine
from api.main import create_app
from tests.conftest import DEMO_PASSWORD, TEST_SECRET, run_seed

ROOT = Path(__file__).resolve().parents[1]
CARTESIO = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "cartesio")
SOURCE = "backuptest"
BATCH = 100


@dataclass
class Databases:
    src: str
    dst: str
    tmp: Path
    postgres: bool

    def env(self, url: str) -> dict[str, str]:
        return {**os.environ, "CARTESIO_DATABASE_URL": url, "CARTESIO_VAR_DIR": str(self.tmp)}

    def settings(self, url: str) -> Settings:
        return Settings(environment="test", database_url=url, var_dir=self.tmp, jwt_secret=TEST_SECRET,
                        worker_in_process=False, rate_limit_per_second=0, rate_limit_anonymous_per_second=0)


def _admin(server_url: str, *statements: str) -> None:
    engine = make_sync_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    tmp = tmp_path_factory.mktemp("backup")
    base = os.environ.get("TEST_DATABASE_URL")
    names: list[str] = []
    if base:
        parsed = make_url(normalise_database_url(base))
        server = parsed.render_as_string(hide_password=False)
        names = [f"{parsed.database}_backup_src", f"{parsed.database}_backup_dst"]
        for name in names:
            _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        src, dst = (parsed.set(database=name).render_as_string(hide_password=False) for name in names)
    else:
        src, dst = f"sqlite:///{tmp / 'source.db'}", f"sqlite:///{tmp / 'restored.db'}"
    databases = Databases(src, dst, tmp, bool(base))
    migrate.upgrade(src)
    run_seed(databases.settings(src))
    yield databases
    if base:
        _admin(server, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))


def cartesio(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CARTESIO, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def backup(dbs: Databases, name: str, url: str | None = None) -> Path:
    path = dbs.tmp / name
    done = cartesio(dbs.env(url or dbs.src), "db", "backup", str(path))
    assert done.returncode == 0, done.stderr
    assert f"revision {head_revision()}" in done.stdout and path.is_file(), done.stdout
    return path


@pytest.fixture(scope="module")
def good(dbs: Databases) -> Path:
    """A backup of the seeded source at the head revision, taken before any test changes the source."""
    return backup(dbs, "good.backup")


def restore(dbs: Databases, path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return cartesio(dbs.env(dbs.dst), "db", "restore", str(path), *flags)


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, ordered by primary key (every column where a table has none)."""
    engine = make_sync_engine(url)
    try:
        metadata = MetaData()
        with warnings.catch_warnings():  # expression indexes are not reflected; rows are what is compared
            warnings.simplefilter("ignore", SAWarning)
            metadata.reflect(engine)
        out = {}
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                key = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*key))]
            if engine.dialect.name == "postgresql":
                # The next ids too: a restored database must not hand out ids it already holds.
                out["pg_sequences"] = [tuple(row) for row in conn.execute(text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
                    "ORDER BY sequencename"))]
            else:
                out["sqlite_sequence"] = [tuple(row) for row in conn.execute(text(
                    "SELECT name, seq FROM sqlite_sequence ORDER BY name"))]
        return out
    finally:
        engine.dispose()


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


class TestRoundTrip:
    def test_every_table_comes_back_row_for_row_and_the_copy_serves(self, dbs: Databases, good: Path) -> None:
        done = restore(dbs, good)  # the module's first restore meets an empty database: no --force needed
        assert done.returncode == 0, done.stderr
        assert f"at revision {head_revision()}" in done.stdout and "upgrade" not in done.stdout
        before, after = snapshot(dbs.src), snapshot(dbs.dst)
        assert set(Base.metadata.tables) <= set(before), set(Base.metadata.tables) - set(before)
        assert set(before) == set(after)
        for table in before:
            assert before[table] == after[table], f"{table} differs after the round trip"
        filled = [t for t, rows in before.items() if rows and t not in ("pg_sequences", "sqlite_sequence")]
        assert len(filled) >= 20 and sum(len(before[t]) for t in filled) > 300, filled  # not vacuous
        assert after["alembic_version"] == [(head_revision(),)]
        # The restored database serves: readiness, a sign-in against its accounts, reads equal the source's.
        with TestClient(create_app(dbs.settings(dbs.dst))) as restored, \
                TestClient(create_app(dbs.settings(dbs.src))) as source:
            assert restored.get("/readyz").status_code == 200
            token = restored.post("/api/v1/auth/token", data={
                "grant_type": "password", "username": "admin@cartesio.example", "password": DEMO_PASSWORD})
            assert token.status_code == 200, token.text
            for path_ in ("/api/v1/clusters?limit=200", "/api/v1/organizations?limit=200", "/api/v1/calls/1",
                          "/api/v1/stats/clusters?group_by=country"):
                assert restored.get(path_).json() == source.get(path_).json(), path_

    def test_a_database_with_tables_is_replaced_only_when_forced(self, dbs: Databases, good: Path) -> None:
        path = good
        assert restore(dbs, path, "--force").returncode == 0
        engine = make_sync_engine(dbs.dst)
        try:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_events"))
                touched = conn.execute(text("UPDATE clusters SET name = 'cambiato' WHERE id = 1")).rowcount
            assert touched == 1
            one_line_error(restore(dbs, path), "--force", "table")
            with engine.connect() as conn:  # refused: nothing was touched
                assert conn.execute(text("SELECT name FROM clusters WHERE id = 1")).scalar_one() == "cambiato"
            assert restore(dbs, path, "--force").returncode == 0
            with engine.connect() as conn:
                assert conn.execute(text("SELECT name FROM clusters WHERE id = 1")).scalar_one() != "cambiato"
        finally:
            engine.dispose()
        assert snapshot(dbs.dst) == snapshot(dbs.src)

    def test_a_backup_of_an_unknown_revision_is_refused_and_an_older_one_asks_for_an_upgrade(
            self, dbs: Databases) -> None:
        head = head_revision()
        scripts = migrate.alembic_config(dbs.src)
        from alembic.script import ScriptDirectory

        older = ScriptDirectory.from_config(scripts).get_revision(head).down_revision
        assert isinstance(older, str)
        made = {}
        engine = make_sync_engine(dbs.src)
        try:
            for label, revision in (("unknown", "f00dfeedbeef"), ("older", older)):
                with engine.begin() as conn:
                    conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
                try:
                    path = dbs.tmp / f"{label}.backup"
                    done = cartesio(dbs.env(dbs.src), "db", "backup", str(path))
                    assert done.returncode == 0 and revision in done.stdout, done.stderr
                    made[label] = path
                finally:
                    with engine.begin() as conn:
                        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": head})
        finally:
            engine.dispose()
        before = current_revision(dbs.dst)
        one_line_error(restore(dbs, made["unknown"], "--force"), "f00dfeedbeef", "does not know")
        assert current_revision(dbs.dst) == before  # refused before touching anything
        done = restore(dbs, made["older"], "--force")
        assert done.returncode == 0 and "cartesio db upgrade" in done.stdout, done.stderr
        assert current_revision(dbs.dst) == older

    def test_a_file_of_the_other_engine_or_no_file_is_refused(self, dbs: Databases) -> None:
        other = dbs.tmp / "other-engine.backup"
        other.write_bytes(b"SQLite format 3\x00" if dbs.postgres else b"PGDMP\x01\x0e\x00")
        one_line_error(restore(dbs, other, "--force"), "backup")
        one_line_error(restore(dbs, dbs.tmp / "missing.backup"), "No backup file")


def test_without_the_postgresql_tools_the_error_is_one_line(tmp_path: Path) -> None:
    # An empty PATH: the command fails before it would connect anywhere.
    env = {**os.environ, "PATH": str(tmp_path), "CARTESIO_VAR_DIR": str(tmp_path),
           "CARTESIO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    one_line_error(cartesio(env, "db", "backup", str(tmp_path / "x.dump")), "pg_dump is not on PATH")
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    one_line_error(cartesio(env, "db", "restore", str(dump)), "pg_restore is not on PATH")


def test_a_backup_taken_while_a_writer_pushes_batches_holds_whole_batches(dbs: Databases) -> None:
    """Batches of 100 records, each in one transaction, pushed through the app while backups are taken: every
    copy has each batch whole or not at all, and a feed entry for each record it has."""
    with TestClient(create_app(dbs.settings(dbs.src))) as app:
        admin = app.post("/api/v1/auth/token", data={"grant_type": "password", "username": "admin@cartesio.example",
                                                      "password": DEMO_PASSWORD}).json()["access_token"]
        account = app.post("/api/v1/service-accounts", headers={"Authorization": f"Bearer {admin}"}, json={
            "name": "Backup test", "role": "region_officer", "source": SOURCE, "scopes": ["region:ITC4"]}).json()
        token = app.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                      "client_id": account["client_id"],
                                                      "client_secret": account["client_secret"]}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        stop, pushed, failures = threading.Event(), [], []

        def write() -> None:
            while not stop.is_set():
                mark = f"lotto-{len(pushed):03d}-{uuid.uuid4().hex[:4]}"
                answer = app.post(f"/api/v1/sync/{SOURCE}/clusters:batch", headers=headers, json=[
                    {"external_id": f"{mark}-{i:03d}", "name": f"Distretto {mark} {i}", "kind": "industrial_district",
                     "country": "IT", "region_code": "ITC4B", "sectors": [{"label": "Seta", "nace": ["13.20"]}]}
                    for i in range(BATCH)])
                if answer.status_code == 200:
                    pushed.append(mark)
                else:
                    failures.append(answer.text)

        writer = threading.Thread(target=write)
        writer.start()
        copies = []
        try:
            for n in range(2):
                while len(pushed) < 2 * (n + 1):  # let batches land before each copy
                    assert writer.is_alive() and not failures, failures
                    stop.wait(0.05)
                copies.append(backup(dbs, f"during-{n}.backup"))
        finally:
            stop.set()
            writer.join(timeout=120)
    assert not failures, failures[:3]
    for path in copies:
        if not dbs.postgres:
            with sqlite3.connect(path) as check:
                assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert restore(dbs, path, "--force").returncode == 0
        engine = make_sync_engine(dbs.dst)
        try:
            with engine.connect() as conn:
                ids = conn.execute(text("SELECT external_id FROM clusters WHERE source = :s"), {"s": SOURCE}).scalars()
                per_batch = Counter(external_id.rsplit("-", 1)[0] for external_id in ids)
                fed = conn.execute(text("SELECT count(*) FROM changes WHERE source = :s"), {"s": SOURCE}).scalar_one()
        finally:
            engine.dispose()
        assert set(per_batch.values()) <= {BATCH}, f"a batch cut in two in {path.name}: {per_batch}"
        assert fed == sum(per_batch.values())
        # The copy was taken mid-stream: some batches in, the last ones not yet written.
        assert 2 <= len(per_batch) < len(pushed), (len(per_batch), len(pushed))
