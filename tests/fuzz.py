"""Fuzzing from the contract: Schemathesis generates requests from the committed `openapi/openapi.json` and sends
them to a real `cartesio serve` process on a database of its own (migrated, loaded with the demo data, rate
limiter off), as every demo role and anonymously.

Every answer must be documented: no 5xx, a documented status code and content type, a body that matches its
schema, and every 4xx an RFC 9457 problem (the `problem_json_on_4xx` check below). tests/test_fuzz.py runs a
short, seeded pass in the suite; this module's command runs the long one:

    .venv/bin/python -m tests.fuzz --examples 1000 [--roles admin,reader] [--phases examples,coverage,fuzzing]

On PostgreSQL (TEST_DATABASE_URL set) the server gets a database named `<that database>_fuzz`, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import schemathesis

from tests.helpers import Served, demo_server, free_port, own_database

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "openapi.json"
ST = shutil.which("st") or str(Path(sys.executable).with_name("st"))
PASSWORD = "fuzz-demo-password"
PROBLEM = "application/problem+json"

# The demo accounts of README.md, by role; None is the anonymous caller.
ROLES: dict[str, str | None] = {
    "admin": "admin@cartesio.example",
    "region_officer": "toscana@cartesio.example",
    "cluster_manager": "prato@cartesio.example",
    "enterprise": "conceria@cartesio.example",
    "evaluator": "valutatore@cartesio.example",
    "verifier": "verificatore@cartesio.example",
    "chamber_officer": "camera@cartesio.example",
    "reader": "ricerca@cartesio.example",
    "anonymous": None,
}

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "problem_json_on_4xx")


@schemathesis.check
def problem_json_on_4xx(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                        case: schemathesis.Case) -> bool | None:
    """Every 4xx is `application/problem+json` whose body has `type`, `title` and the response's `status`."""
    if not 400 <= response.status_code < 500:
        return None
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if media_type != PROBLEM:
        raise AssertionError(f"{response.status_code} answered as {media_type or 'no content type'!r}, "
                             f"not {PROBLEM}")
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} problem body is not JSON: {exc}") from None
    missing = [key for key in ("type", "title", "status") if not isinstance(body, dict) or not body.get(key)]
    if missing:
        raise AssertionError(f"{response.status_code} problem lacks {', '.join(missing)}")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem status {body['status']} differs from the answer's {response.status_code}")
    return True


# ---- a server of its own ---------------------------------------------------------------------------------

@contextmanager
def database(tmp: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or `<TEST_DATABASE_URL's database>_fuzz` created beside it and dropped after."""
    with own_database(tmp, "fuzz") as url:
        yield url


class Server(Served):
    def tokens(self) -> dict[str, str | None]:
        """A bearer token for each role's demo account (None for the anonymous caller)."""
        out: dict[str, str | None] = {}
        with httpx.Client(base_url=self.url, timeout=30) as http:
            for role, email in ROLES.items():
                if email is None:
                    out[role] = None
                    continue
                answer = http.post("/api/v1/auth/token",
                                   data={"grant_type": "password", "username": email, "password": PASSWORD})
                answer.raise_for_status()
                out[role] = answer.json()["access_token"]
        return out


@contextmanager
def server(tmp: Path) -> Iterator[Server]:
    """`cartesio serve` on a fresh, migrated database with the demo data, the rate limiter and worker off."""
    with database(tmp) as url:
        port = free_port()
        env = {**os.environ, "CARTESIO_VAR_DIR": str(tmp), "CARTESIO_DATABASE_URL": url,
               "CARTESIO_DEMO_PASSWORD": PASSWORD, "CARTESIO_ENVIRONMENT": "development",
               "CARTESIO_STORAGE_DIR": str(tmp / "files"), "CARTESIO_CLIENT_DIR": str(tmp / "no-client"),
               # Generated webhooks name arbitrary hosts: no worker may deliver to them.
               "CARTESIO_WORKER_IN_PROCESS": "false", "CARTESIO_SMTP_HOST": "",
               "CARTESIO_RATE_LIMIT_PER_SECOND": "0", "CARTESIO_RATE_LIMIT_ANONYMOUS_PER_SECOND": "0",
               "CARTESIO_ACCESS_TOKEN_TTL_SECONDS": "86400", "CARTESIO_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        with demo_server(tmp, env, port) as served:
            yield Server(url=served.url, log=served.log, process=served.process)


# ---- the long run ------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="most cases per operation and role")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles (and 'anonymous')")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run (printed at its start)")
    parser.add_argument("--max-time", type=int, default=None, help="seconds per role, at most")
    # One worker: Hypothesis describing strategies from two threads at once fails inside ast.parse on 3.11.
    parser.add_argument("--workers", default="1", help="concurrent Schemathesis workers")
    parser.add_argument("--report-dir", default=None, help="keep JUnit and NDJSON reports here")
    parser.add_argument("extra", nargs="*", help="further `st run` options, after --")
    args = parser.parse_args(argv)
    roles = [r for r in args.roles.split(",") if r]
    unknown = set(roles) - set(ROLES)
    if unknown:
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")
    # Stopped with SIGTERM, still stop the server and drop its database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cartesio-fuzz-") as tmp_name, server(Path(tmp_name)) as srv:
        tokens = srv.tokens()
        print(f"server {srv.url} (log {srv.log})", flush=True)
        # No state of Schemathesis's own kept between runs (it would go into the working directory).
        config = Path(tmp_name) / "schemathesis.toml"
        config.write_text("[cache]\nenabled = false\n")
        for role in roles:
            command = [ST, "--config-file", str(config), "run", str(SPEC), "--url", srv.url,
                       "--checks", ",".join(CHECKS),
                       "--max-examples", str(args.examples), "--phases", args.phases, "--workers", args.workers,
                       "--continue-on-failure", "--suppress-health-check", "all", "--warnings", "off"]
            if tokens[role]:
                command += ["--header", f"Authorization: Bearer {tokens[role]}"]
            if args.seed is not None:
                command += ["--seed", str(args.seed)]
            if args.max_time:
                command += ["--max-time", str(args.max_time)]
            if args.report_dir:
                command += ["--report", "junit,ndjson", "--report-dir", str(Path(args.report_dir) / role)]
            command += args.extra
            print(f"\n=== {role} ===", flush=True)
            started = time.monotonic()
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            done = subprocess.run(command, env=env, cwd=tmp_name, check=False)
            print(f"=== {role}: exit {done.returncode} in {time.monotonic() - started:.0f} s ===", flush=True)
            if done.returncode != 0:
                failed.append(role)
            if not srv.alive():
                print(srv.log.read_text(), file=sys.stderr)
                return 2
    print("failed roles: " + (", ".join(failed) or "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
