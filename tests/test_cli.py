"""The `cartesio` command, run as operators run it: a subprocess, from another working directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import reset_database

CARTESIO = shutil.which("cartesio") or str(Path(sys.executable).with_name("cartesio"))


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str):  # noqa: ANN201
    """A scratch database of the suite's engine, and settings that point at it."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    else:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from api.core.db import make_sync_engine

        name = f"cartesio_cli_{os.getpid()}"
        admin = make_sync_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        reset_database(url)
    env = {**os.environ, "CARTESIO_DATABASE_URL": url, "CARTESIO_VAR_DIR": str(tmp_path / "var"),
           "CARTESIO_ENVIRONMENT": "development"}
    env.pop("CARTESIO_DEMO_PASSWORD", None)
    return env


def run(env: dict, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CARTESIO, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_upgrade_seed_and_users_from_any_directory(cli_env, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(cli_env, "db", "upgrade", cwd=elsewhere).returncode == 0
    first = run(cli_env, "seed", "demo", cwd=elsewhere)
    assert first.returncode == 0, first.stderr
    assert "records created" in first.stdout and " 0 records" not in first.stdout
    second = run(cli_env, "seed", "demo", cwd=elsewhere)
    assert "0 records created" in second.stdout
    password = (tmp_path / "var" / "demo-password").read_text().strip()
    assert password not in first.stdout + first.stderr
    created = run(cli_env, "users", "create", "--email", "officer@lombardia.example", "--password",
                  "a-long-password", "--role", "region_officer", "--scope", "region:ITC4", cwd=elsewhere)
    assert created.returncode == 0, created.stderr
    assert "officer@lombardia.example" in created.stdout


def test_seed_reference_installs_the_emas_catalogue_once(cli_env):
    assert run(cli_env, "db", "upgrade").returncode == 0
    first = run(cli_env, "seed", "reference")
    assert first.returncode == 0, first.stderr
    installed = int(first.stdout.split("installed: ")[1].split()[0])
    assert installed > 50
    assert "installed: 0 new" in run(cli_env, "seed", "reference").stdout


@pytest.mark.parametrize(("args", "message"), [
    (["users", "create", "--email", "x@y.example", "--password", "short", "--role", "reader"], "10 characters"),
    (["users", "create", "--email", "x@y.example", "--password", "a-long-password", "--role", "king"],
     "Unknown role"),
    (["users", "create", "--email", "x@y.example", "--password", "a-long-password", "--role", "region_officer",
      "--scope", "cluster:1"], "does not take cluster scopes"),
])
def test_errors_are_one_line_without_traceback(cli_env, args, message):
    assert run(cli_env, "db", "upgrade").returncode == 0
    result = run(cli_env, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def test_unreachable_database_is_one_clear_line(cli_env):
    env = {**cli_env, "CARTESIO_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}
    result = run(env, "db", "upgrade")
    assert result.returncode == 1
    assert "database error" in result.stderr and "Traceback" not in result.stderr


def test_clients_create_prints_the_secret_once(cli_env):
    assert run(cli_env, "db", "upgrade").returncode == 0
    result = run(cli_env, "clients", "create", "--name", "SIT Lombardia", "--role", "region_officer",
                 "--scope", "region:ITC4")
    assert result.returncode == 0, result.stderr
    assert "client_id: cli_" in result.stdout and "client_secret: " in result.stdout


def test_openapi_check(tmp_path):
    out = tmp_path / "spec.json"
    env = {**os.environ}
    assert run(env, "openapi", "export", "--output", str(out)).returncode == 0
    assert run(env, "openapi", "export", "--output", str(out), "--check").returncode == 0
    out.write_text("{}")
    assert run(env, "openapi", "export", "--output", str(out), "--check").returncode == 1
