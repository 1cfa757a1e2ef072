"""The web client in a real browser: the built client served by a real API process on a fresh database with
the demo data, driven by Playwright in Debian's headless Chromium (client/e2e/*.spec.ts).

On the PostgreSQL run the server gets a database of its own beside the test database, so the browser tests
run on both engines. Screenshots of failed tests are kept in client/test-results/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.core.config import normalise_database_url
from api.core.db import make_sync_engine

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "client"
CARTESIO = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "cartesio")
PASSWORD = "browser-tests-password"


def _chromium() -> str | None:
    return os.environ.get("CARTESIO_E2E_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _needs(condition: bool, reason: str) -> None:
    # Outside CI a machine without a browser or without the built client skips, saying why; CI must run them.
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _database(tmp_path: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'e2e.db'}"
    url = make_url(normalise_database_url(url))
    name = f"{url.database}_e2e"
    engine = make_sync_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _needs((CLIENT / "dist" / "index.html").is_file(), "the web client is not built (npm run build in client/)")
    _needs(_chromium() is not None, "Chromium is not installed (apt-get install -y chromium)")
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {**os.environ, "CARTESIO_VAR_DIR": str(tmp), "CARTESIO_DATABASE_URL": _database(tmp),
           "CARTESIO_DEMO_PASSWORD": PASSWORD, "CARTESIO_ENVIRONMENT": "development",
           "CARTESIO_CLIENT_DIR": str(CLIENT / "dist"), "CARTESIO_WORKER_IN_PROCESS": "true",
           "CARTESIO_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    for step in (["db", "upgrade"], ["seed", "demo"]):
        done = subprocess.run([CARTESIO, *step], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    log = (tmp / "server.log").open("w")
    process = subprocess.Popen([CARTESIO, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (tmp / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_the_client_in_a_real_browser(server: str) -> None:
    env = {**os.environ, "CARTESIO_E2E_BASE_URL": server, "CARTESIO_E2E_PASSWORD": PASSWORD,
           "CARTESIO_E2E_CHROMIUM": _chromium() or ""}
    done = subprocess.run(["npx", "--no-install", "playwright", "test"], cwd=CLIENT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"browser tests failed (screenshots in client/test-results/):\n{done.stdout}\n{done.stderr}"
    assert " passed" in done.stdout, done.stdout
