"""Assertions and servers shared by the tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.core.config import normalise_database_url
from api.core.db import make_sync_engine


def assert_problem(response, status: int, *, field: str | None = None) -> dict:  # noqa: ANN001
    """The response is an RFC 9457 problem with this status (and, for 422, names this field)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"]
    if field is not None:
        assert any(e["field"] == field for e in body.get("errors", [])), body
    return body


def every_item(client, url: str, params: dict | None = None, *, limit: int = 200) -> list[dict]:  # noqa: ANN001
    """Every item of a cursor-paged list, however many other tests have added, walked to its end."""
    items, cursor = [], None
    for _ in range(10_000):
        page = client.get(url, params={**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items
    raise AssertionError(f"no end to the pages of {url}")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def own_database(tmp: Path, suffix: str) -> Iterator[str]:
    """A fresh database for a server a test starts itself: a SQLite file under tmp, or, when the suite runs on
    PostgreSQL, `<TEST_DATABASE_URL's database>_<suffix>` created beside it and dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp / f'{suffix}.db'}"
        return
    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{suffix}"

    def run(*statements: str) -> None:
        engine = make_sync_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The command beside the running interpreter (the project's virtual environment), else the one on PATH.
_BESIDE = Path(sys.executable).with_name("cartesio")
CARTESIO = str(_BESIDE) if _BESIDE.exists() else (shutil.which("cartesio") or "cartesio")


@dataclass
class Served:
    url: str
    log: Path
    process: subprocess.Popen

    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def demo_server(tmp: Path, env: dict[str, str], port: int) -> Iterator[Served]:
    """`cartesio serve` on 127.0.0.1:port with `env`, after `db upgrade` and `seed demo`, once /readyz answers;
    stopped (terminated, killed if it lingers) on the way out. Its output goes to tmp/server.log."""
    for step in (["db", "upgrade"], ["seed", "demo"]):
        done = subprocess.run([CARTESIO, *step], env=env, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"cartesio {' '.join(step)} failed: {done.stderr}")
    log_path = tmp / "server.log"
    with log_path.open("w") as log:
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
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not become ready:\n{log_path.read_text()}")
                time.sleep(0.3)
            yield Served(url=base, log=log_path, process=process)
        finally:
            stop_process(process)


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate a server the test started, killing it if it lingers."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
