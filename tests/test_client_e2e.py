"""The web client in a real browser: the built client served by a real API process on a fresh database with
the demo data, driven by Playwright in Debian's headless Chromium (client/e2e/*.spec.ts).

On the PostgreSQL run the server gets a database of its own beside the test database, so the browser tests
run on both engines. Screenshots of failed tests are kept in client/test-results/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import demo_server, free_port, own_database

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "client"
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _needs((CLIENT / "dist" / "index.html").is_file(), "the web client is not built (npm run build in client/)")
    _needs(_chromium() is not None, "Chromium is not installed (apt-get install -y chromium)")
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    with own_database(tmp, "e2e") as url:
        env = {**os.environ, "CARTESIO_VAR_DIR": str(tmp), "CARTESIO_DATABASE_URL": url,
               "CARTESIO_DEMO_PASSWORD": PASSWORD, "CARTESIO_ENVIRONMENT": "development",
               "CARTESIO_CLIENT_DIR": str(CLIENT / "dist"), "CARTESIO_WORKER_IN_PROCESS": "true",
               "CARTESIO_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        with demo_server(tmp, env, port) as served:
            yield served.url


def test_the_client_in_a_real_browser(server: str) -> None:
    env = {**os.environ, "CARTESIO_E2E_BASE_URL": server, "CARTESIO_E2E_PASSWORD": PASSWORD,
           "CARTESIO_E2E_CHROMIUM": _chromium() or ""}
    done = subprocess.run(["npx", "--no-install", "playwright", "test"], cwd=CLIENT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"browser tests failed (screenshots in client/test-results/):\n{done.stdout}\n{done.stderr}"
    assert " passed" in done.stdout, done.stdout
