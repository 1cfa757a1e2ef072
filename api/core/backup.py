"""Backups of the whole database and their restore: pg_dump and pg_restore for PostgreSQL, SQLite's online
backup API for the embedded file. Both copy a consistent snapshot while the server keeps running."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from api.core.db import is_sqlite, make_sync_engine
from api.core.migrate import alembic_config

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the command line."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    revision: str | None
    size: int
    behind_head: bool = False  # a restored backup older than this code: `cartesio db upgrade` brings it up


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def _check_revision(revision: str | None, where: Path) -> bool:
    """Refuse a backup this code cannot run on; True when it is older than the code (upgrade after restoring)."""
    if revision is None:
        raise BackupError(f"{where} holds no migration revision: it is not a backup of a Cartesio database.")
    scripts = ScriptDirectory.from_config(alembic_config(""))
    try:
        known = scripts.get_revision(revision)
    except (CommandError, RevisionError):
        known = None
    if known is None:
        raise BackupError(f"{where} is at migration revision {revision}, which this version of Cartesio does not "
                          "know (a newer version made it): restore it with that version.")
    return revision != scripts.get_current_head()


def _tables(url: str) -> list[str]:
    engine = make_sync_engine(url)
    try:
        inspector = inspect(engine)
        if engine.dialect.name == "postgresql":
            return [f"{schema}.{table}" for schema in inspector.get_schema_names() if schema not in SYSTEM_SCHEMAS
                    and not schema.startswith("pg_") for table in inspector.get_table_names(schema=schema)]
        return inspector.get_table_names()
    finally:
        engine.dispose()


def _refuse_non_empty(url: str, force: bool) -> None:
    if force:
        return
    tables = _tables(url)
    if tables:
        raise BackupError(f"The database already has {len(tables)} table(s); restoring replaces what it holds: "
                          "pass --force to do so.")


def backup(url: str, path: Path) -> Outcome:
    """Write a backup of the database at `url` to `path` (replaced only once the copy is complete)."""
    path = path.expanduser().resolve()
    if not path.parent.is_dir():
        raise BackupError(f"No directory {path.parent} to write the backup in.")
    return _sqlite_backup(url, path) if is_sqlite(url) else _pg_backup(url, path)


def restore(url: str, path: Path, *, force: bool = False) -> Outcome:
    """Replace the database at `url` with the backup at `path`, refusing a database that holds tables unless
    forced, and a backup of a migration revision this code does not know."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise BackupError(f"No backup file {path}.")
    return _sqlite_restore(url, path, force) if is_sqlite(url) else _pg_restore(url, path, force)


# ---- SQLite ------------------------------------------------------------------------------------------------

def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore.")
    return Path(database).expanduser().resolve()


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _sqlite_backup(url: str, path: Path) -> Outcome:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"No database file {source_path}.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        source = sqlite3.connect(f"{source_path.as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(tmp)
        try:
            # One step (pages=-1) copies every page under one read transaction: a consistent snapshot, while
            # writers go on in WAL mode. The copy is then made self-contained (no -wal file beside it).
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
            revision = _sqlite_revision(target)
        finally:
            target.close()
            source.close()
        os.replace(tmp, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"SQLite could not copy {source_path}: {exc}.") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return Outcome(path, revision, path.stat().st_size)


def _sqlite_restore(url: str, path: Path, force: bool) -> Outcome:
    target_path = _sqlite_path(url)
    if not _is_sqlite_file(path):
        raise BackupError(f"{path} is not a SQLite backup (a PostgreSQL one restores into PostgreSQL).")
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        behind = _check_revision(revision := _sqlite_revision(source), path)
        if target_path.exists():
            _refuse_non_empty(url, force)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path)
        try:
            # The backup API writes the target under its lock and through its journal (WAL included): no
            # reader sees half a restore, and a restore that fails leaves the target as it was.
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"SQLite could not restore {path}: {exc}.") from exc
    finally:
        source.close()
    return Outcome(path, revision, path.stat().st_size, behind)


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


# ---- PostgreSQL --------------------------------------------------------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools of the server's version "
                          "(e.g. apt-get install postgresql-client).")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The connection as a libpq URL without the password, which goes in the environment (not in `ps`)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[0] if lines else f'exit status {done.returncode}'}")
    return done


def _pg_backup(url: str, path: Path) -> Outcome:
    pg_dump = _tool("pg_dump")
    conninfo, env = _libpq(url)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        # pg_dump reads every table in one repeatable-read snapshot: consistent while the server writes.
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}", f"--dbname={conninfo}"],
             env, "pg_dump")
        revision = _dump_revision(Path(tmp), env)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return Outcome(path, revision, path.stat().st_size)


def _dump_revision(path: Path, env: dict[str, str]) -> str | None:
    """The migration revision inside a custom-format dump, read without restoring it."""
    pg_restore = _tool("pg_restore")
    done = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)], env,
                f"pg_restore (reading {path.name})")
    lines = done.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line:
            rows = [row for row in lines[i + 1:] if row != "\\."][:1]
            return rows[0].strip() if rows and rows[0].strip() else None
    return None


def _pg_restore(url: str, path: Path, force: bool) -> Outcome:
    pg_restore = _tool("pg_restore")
    conninfo, env = _libpq(url)
    with path.open("rb") as f:
        if f.read(5) != b"PGDMP":
            raise BackupError(f"{path} is not a pg_dump custom-format backup.")
    revision = _dump_revision(path, env)
    behind = _check_revision(revision, path)
    _refuse_non_empty(url, force)
    # One transaction: a restore that fails leaves the database as it was.
    _run([pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-privileges",
          f"--dbname={conninfo}", str(path)], env, "pg_restore")
    return Outcome(path, revision, path.stat().st_size, behind)


def current_revision(url: str) -> str | None:
    """The migration revision of the database at `url` (None when it has none)."""
    from sqlalchemy import text

    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
