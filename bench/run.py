"""Benchmark driver: the real app against the ceiling and the ORM baseline, with wrk, medians of repetitions.

    .venv/bin/python bench/run.py                      # 20 s per measurement, 3 repetitions
    .venv/bin/python bench/run.py --duration 5 --repeat 1   # quick look

For each repetition and each target in turn (app, ceiling, orm, app, ceiling, orm, ...): start the target
with uvicorn (1 worker, --no-access-log, uvloop/httptools when installed) on a loopback port, check that it
answers correctly, warm it up, then drive GET by id (random ids in 1..N, a different row each request) with
wrk for --duration seconds twice: once for throughput, once with --latency for p50/p99. The app also gets two
filtered list pages at random cursors. The server's RSS (/proc/PID/status VmRSS) is sampled every second; the
server's and PostgreSQL's CPU time per request are read from /proc. Medians over the repetitions, ratios and
memory are printed and written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
from rich.console import Console
from rich.table import Table

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import generate  # noqa: E402
from common import DEFAULT_DATABASE_URL, libpq_url, uvicorn_options  # noqa: E402

from api.clusters.schemas import ClusterRead  # noqa: E402
from api.core.pagination import encode_cursor  # noqa: E402

console = Console(width=175)
CLK_TCK = os.sysconf("SC_CLK_TCK")
VENV_BIN = Path(sys.executable).parent

# Targets: how to start them and where their by-id endpoint lives.
TARGETS = {
    "app": {"module": "api.asgi:app", "prefix": "/api/v1/clusters/", "label": "app (api.asgi)"},
    "ceiling": {"module": "ceiling:app", "prefix": "/clusters/", "label": "ceiling (Starlette+psycopg)"},
    "orm": {"module": "orm_baseline:app", "prefix": "/clusters/", "label": "ORM baseline (FastAPI+ORM+Pydantic)"},
}

LISTS = {
    "list_it_district": {
        "path": "/api/v1/clusters?country=IT&kind=industrial_district&limit=50",
        "where": "country = 'IT' AND kind = 'industrial_district'",
    },
    "list_iti_ent50": {
        "path": "/api/v1/clusters?region=ITI&min_enterprises=50&limit=50",
        "where": "region_code LIKE 'ITI%%' AND enterprises_count >= 50",
    },
}


# ---- /proc ---------------------------------------------------------------------------------------------

def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError):
        return 0


def postgres_ticks() -> int:
    """CPU ticks of every postgres process (backends of all targets and the auxiliary processes)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.find("(") + 1: raw.rfind(")")]
        if comm.startswith("postgres"):
            fields = raw.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


class RssSampler(threading.Thread):
    """VmRSS of one process every `interval` seconds, each sample tagged with the current phase."""

    def __init__(self, pid: int, interval: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.phase = "startup"
        self.samples: list[tuple[float, str, int]] = []
        self._halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self._halt.is_set():
            kb = rss_kb(self.pid)
            if kb is not None:
                self.samples.append((round(time.monotonic() - self.t0, 1), self.phase, kb))
            self._halt.wait(self.interval)

    def mark(self, phase: str) -> None:
        self.phase = phase
        kb = rss_kb(self.pid)
        if kb is not None:
            self.samples.append((round(time.monotonic() - self.t0, 1), phase, kb))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

    def summary(self) -> dict[str, Any]:
        measured = [kb for _, phase, kb in self.samples if phase not in ("startup", "warmup")]
        if not measured:
            return {}
        return {"start_kb": measured[0], "max_kb": max(measured), "end_kb": measured[-1],
                "samples": len(measured)}


# ---- servers -------------------------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    var_dir: str | None = None
    sampler: RssSampler | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
        finally:
            if self.sampler:
                self.sampler.stop()
            if self.var_dir:
                shutil.rmtree(self.var_dir, ignore_errors=True)


def start_server(name: str, *, port: int, database_url: str, pool: int, log_dir: Path) -> Server:
    """Start TARGETS[name] under uvicorn and wait until it answers GET <prefix>1."""
    spec = TARGETS[name]
    env = dict(os.environ)
    env["BENCH_DATABASE_URL"] = database_url
    env["BENCH_POOL_SIZE"] = str(pool)
    env.update(spec.get("env", {}))
    var_dir = None
    args = [str(VENV_BIN / "uvicorn"), spec["module"], "--host", "127.0.0.1", "--port", str(port),
            *uvicorn_options()]
    if spec["module"].startswith("api.") or spec.get("cartesio"):
        var_dir = tempfile.mkdtemp(prefix="cartesio-bench-var-")
        env.update({"CARTESIO_DATABASE_URL": database_url, "CARTESIO_ENVIRONMENT": "development",
                    "CARTESIO_VAR_DIR": var_dir, "CARTESIO_DB_POOL_SIZE": str(pool),
                    "CARTESIO_DB_READ_POOL_SIZE": str(pool)})
    if not spec["module"].startswith("api."):
        args += ["--app-dir", str(BENCH)]
    log = log_dir / f"{name}-{port}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, port, proc, log, var_dir)
    server.sampler = RssSampler(proc.pid)
    server.sampler.start()
    probe = f"{server.base}{TARGETS[name]['prefix']}1"
    deadline = time.monotonic() + 60
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as r:
                if r.status == 200:
                    return server
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}: {e.read()[:300]!r}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            last = e
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer {probe} within 60 s (last: {last}); see {log}")


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def check_target(server: Server, samples: list[tuple[int, int, str]]) -> None:
    """The by-id answers equal the stored documents (byte for byte for app/ceiling, as ClusterRead for the ORM)."""
    for cid, version, document in samples:
        status, body, headers = fetch(f"{server.base}{TARGETS[server.name]['prefix']}{cid}")
        if status != 200:
            raise RuntimeError(f"{server.name}: GET {cid} answered {status}")
        if server.name == "orm":
            if ClusterRead.model_validate_json(body) != ClusterRead.model_validate_json(document):
                raise RuntimeError(f"{server.name}: cluster {cid} differs from the stored document")
        elif body != document.encode():
            raise RuntimeError(f"{server.name}: cluster {cid} is not the stored document byte for byte")
        if headers.get("etag", headers.get("ETag")) != f'"cluster-{cid}-v{version}"':
            raise RuntimeError(f"{server.name}: cluster {cid} has ETag {headers.get('etag')!r}")
    status, _, _ = fetch(f"{server.base}{TARGETS[server.name]['prefix']}{10**9}")
    if status != 404:
        raise RuntimeError(f"{server.name}: a missing id answered {status}, not 404")


def check_list(server: Server, name: str, where: str, conn: psycopg.Connection) -> None:
    spec = LISTS[name]
    status, body, _ = fetch(server.base + spec["path"])
    if status != 200:
        raise RuntimeError(f"{name}: answered {status}: {body[:300]!r}")
    page = orjson.loads(body)
    expected = [r[0] for r in conn.execute(
        f"SELECT id FROM clusters WHERE {where.replace('%%', '%')} ORDER BY name, id LIMIT 50").fetchall()]
    got = [item["id"] for item in page["items"]]
    if got != expected:
        raise RuntimeError(f"{name}: first page ids {got[:5]}... differ from the database's {expected[:5]}...")


# ---- wrk -----------------------------------------------------------------------------------------------

def wrk(url: str, script: Path, script_args: list[str], *, duration: float, connections: int, threads: int,
        latency: bool) -> dict[str, Any]:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
           "--timeout", "10s", "-s", str(script)]
    if latency:
        cmd.append("--latency")
    cmd += [url, "--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    match = re.search(r"^BENCHJSON (.*)$", out.stdout, re.M)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["text"] = out.stdout[: match.start()].rstrip()
    return result


@dataclass
class Measure:
    """One wrk run plus the CPU the server and PostgreSQL spent on it."""

    target: str
    scenario: str
    rep: int
    wrk: dict[str, Any]
    server_cpu_s: float
    postgres_cpu_s: float
    rss: dict[str, int] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        w, n = self.wrk, max(1, self.wrk["requests"])
        errors = sum(w["errors"].values())
        return {
            "target": self.target, "scenario": self.scenario, "rep": self.rep, "rps": round(w["rps"], 1),
            "requests": w["requests"], "errors": errors, "non_2xx": w["errors"]["status"],
            "p50_ms": w["latency_us"]["p50"] / 1000, "p90_ms": w["latency_us"]["p90"] / 1000,
            "p99_ms": w["latency_us"]["p99"] / 1000, "max_ms": w["latency_us"]["max"] / 1000,
            "server_cpu_us_per_req": round(self.server_cpu_s * 1e6 / n, 1),
            "postgres_cpu_us_per_req": round(self.postgres_cpu_s * 1e6 / n, 1),
            "bytes_per_req": round(w["bytes"] / n),
        }


def measure(server: Server, scenario: str, rep: int, script: Path, script_args: list[str], *, args,
            latency: bool) -> Measure:
    assert server.sampler is not None
    server.sampler.mark(scenario)
    cpu0, pg0 = cpu_ticks(server.proc.pid), postgres_ticks()
    result = wrk(server.base, script, script_args, duration=args.duration, connections=args.connections,
                 threads=args.threads, latency=latency)
    cpu1, pg1 = cpu_ticks(server.proc.pid), postgres_ticks()
    m = Measure(server.name, scenario, rep, result, (cpu1 - cpu0) / CLK_TCK, (pg1 - pg0) / CLK_TCK)
    r = m.row()
    console.print(f"  {server.name:<8} {scenario:<18} {r['rps']:>9.0f} req/s  p50 {r['p50_ms']:>7.2f} ms  "
                  f"p99 {r['p99_ms']:>7.2f} ms  server {r['server_cpu_us_per_req']:>6.0f} µs/req  "
                  f"postgres {r['postgres_cpu_us_per_req']:>5.0f} µs/req  errors {r['errors']}"
                  f"  rss {rss_kb(server.proc.pid) or 0:,} kB")
    if r["errors"]:
        console.print(f"[red]    {r['errors']} errors: {result['errors']}[/]")
    return m


# ---- the run -------------------------------------------------------------------------------------------

def list_paths(conn: psycopg.Connection, name: str, count: int, rng: random.Random, out: Path) -> Path:
    """The list's first page plus pages at `count` random positions (cursors of random matching rows)."""
    spec = LISTS[name]
    rows = conn.execute(f"SELECT name, id FROM clusters WHERE {spec['where']} ORDER BY random() LIMIT %s",
                        (count,)).fetchall()
    if not rows:
        raise SystemExit(f"no cluster matches {spec['path']}: is the bench database filled?")
    paths = [spec["path"]] + [f"{spec['path']}&cursor={encode_cursor('name', n, i)}" for n, i in rows]
    rng.shuffle(paths)
    path = out / f"{name}.txt"
    path.write_text("\n".join(paths) + "\n")
    return path


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(measures: list[Measure]) -> dict[str, dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in measures:
        groups.setdefault((m.target, m.scenario), []).append(m.row())
    out: dict[str, dict[str, Any]] = {}
    for (target, scenario), rows in groups.items():
        keys = ["rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "server_cpu_us_per_req", "postgres_cpu_us_per_req",
                "bytes_per_req"]
        summary = {k: round(median([r[k] for r in rows]), 3) for k in keys}
        summary["runs"] = len(rows)
        summary["errors"] = sum(r["errors"] for r in rows)
        summary["rps_all"] = [r["rps"] for r in rows]
        out[f"{target}/{scenario}"] = summary
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    p.add_argument("--duration", type=float, default=20, help="seconds per wrk measurement (default 20)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions, targets interleaved (default 3)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=float, default=5, help="seconds of wrk before measuring (default 5)")
    p.add_argument("--targets", default="app,ceiling,orm", help="comma-separated subset of app,ceiling,orm")
    p.add_argument("--no-list", action="store_true", help="skip the list-page scenarios")
    p.add_argument("--port", type=int, default=18400, help="first loopback port")
    p.add_argument("--results", type=Path, default=BENCH / "results")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    for t in targets:
        if t not in TARGETS:
            p.error(f"unknown target {t!r}")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    rng = random.Random(args.seed)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix="cartesio-bench-"))
    conn = psycopg.connect(libpq_url(args.database_url), autocommit=True)
    n_clusters = conn.execute("SELECT count(*) FROM clusters").fetchone()[0]
    max_id = conn.execute("SELECT coalesce(max(id), 0) FROM clusters").fetchone()[0]
    if n_clusters == 0 or n_clusters != max_id:
        raise SystemExit(f"expected clusters with ids 1..N (count {n_clusters}, max id {max_id}): run generate.py")
    if asyncio.run(generate.verify(args.database_url, 30, max_id, args.seed)):
        raise SystemExit("the stored documents are not what render() makes today: run generate.py --reset "
                         "(or --recreate) again")
    samples = conn.execute("SELECT id, version, document FROM clusters WHERE id = ANY(%s)",
                           (rng.sample(range(1, max_id + 1), 25),)).fetchall()
    list_files = {name: list_paths(conn, name, 500, rng, work) for name in LISTS} if not args.no_list else {}
    env_info = {
        "python": platform.python_version(), "cpus": os.cpu_count(), "kernel": platform.release(),
        "postgres": conn.execute("SHOW server_version").fetchone()[0],
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0].strip(),
        "uvicorn_options": uvicorn_options(),
        "git_commit": subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True).stdout.strip(),
        "git_dirty": bool(subprocess.run(["git", "status", "--porcelain", "--", "api", "migrations"], cwd=ROOT,
                                         capture_output=True, text=True).stdout.strip()),
    }
    console.print(f"[bold]Cartesio benchmark[/] {n_clusters:,} clusters, {args.connections} connections, "
                  f"{args.threads} wrk threads, {args.duration:g} s x {args.repeat} repetitions, targets {targets}; "
                  f"{os.cpu_count()} CPUs (wrk, server and PostgreSQL share them)")

    measures: list[Measure] = []
    memory: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
    rss_series: dict[str, list[list[tuple[float, str, int]]]] = {t: [] for t in targets}
    byid = BENCH / "wrk" / "byid.lua"
    paths_lua = BENCH / "wrk" / "paths.lua"
    checked: set[str] = set()
    server: Server | None = None
    try:
        for rep in range(1, args.repeat + 1):
            console.rule(f"repetition {rep}/{args.repeat}")
            for i, name in enumerate(targets):
                port = args.port + (rep - 1) * len(targets) + i
                server = start_server(name, port=port, database_url=args.database_url, pool=args.connections,
                                      log_dir=work)
                if name not in checked:
                    check_target(server, samples)
                    if name == "app":
                        for lname, spec in LISTS.items():
                            if not args.no_list:
                                check_list(server, lname, spec["where"], conn)
                    checked.add(name)
                id_args = [TARGETS[name]["prefix"], str(max_id)]
                assert server.sampler is not None
                server.sampler.mark("warmup")
                wrk(server.base, byid, id_args, duration=args.warmup, connections=args.connections,
                    threads=args.threads, latency=False)
                measures.append(measure(server, "by_id", rep, byid, id_args, args=args, latency=False))
                measures.append(measure(server, "by_id_latency", rep, byid, id_args, args=args, latency=True))
                if name == "app":
                    for lname, path in list_files.items():
                        server.sampler.mark("warmup")
                        wrk(server.base, paths_lua, [str(path)], duration=2, connections=args.connections,
                            threads=args.threads, latency=False)
                        measures.append(measure(server, lname, rep, paths_lua, [str(path)], args=args, latency=True))
                server.sampler.mark("end")
                server.stop()
                mem = server.sampler.summary()
                memory[name].append(mem)
                rss_series[name].append(server.sampler.samples)
                console.print(f"  {name:<8} RSS start {mem.get('start_kb', 0):,} kB, max {mem.get('max_kb', 0):,} kB,"
                              f" end {mem.get('end_kb', 0):,} kB")
                server = None
    finally:
        if server is not None:
            server.stop()
        conn.close()

    summary = summarise(measures)
    ratios = compute_ratios(summary, targets, list_files)
    print_report(summary, ratios, memory, targets, list_files, args)
    out = args.results / f"run-{stamp}.json"
    out.write_text(json.dumps({
        "started": stamp, "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "clusters": n_clusters, "environment": env_info, "medians": summary, "ratios": ratios,
        "memory": memory, "runs": [m.row() | {"wrk_output": m.wrk["text"]} for m in measures],
        "rss_samples": rss_series,
    }, indent=2, default=str))
    console.print(f"results written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def compute_ratios(summary: dict[str, dict[str, Any]], targets: list[str],
                   list_files: dict[str, Path]) -> dict[str, dict[str, Any]]:
    ratios: dict[str, dict[str, Any]] = {}

    def get(key: str, metric: str) -> float | None:
        return summary.get(key, {}).get(metric)

    app = get("app/by_id", "rps")
    if app and get("ceiling/by_id", "rps"):
        value = app / get("ceiling/by_id", "rps")
        ratios["app_over_ceiling"] = {"value": round(value, 3), "target": ">= 0.3", "ok": value >= 0.3}
    if app and get("orm/by_id", "rps"):
        value = app / get("orm/by_id", "rps")
        ratios["app_over_orm"] = {"value": round(value, 3), "target": "> 1", "ok": value > 1}
    if get("app/by_id_latency", "p50_ms"):
        value = get("app/by_id_latency", "p99_ms") / get("app/by_id_latency", "p50_ms")
        ratios["app_p99_over_p50"] = {"value": round(value, 2), "target": "<= 5", "ok": value <= 5}
    for lname in list_files:
        value = get(f"app/{lname}", "p99_ms")
        if value is not None:
            ratios[f"{lname}_p99_ms"] = {"value": value, "target": "< 50", "ok": value < 50}
    return ratios


def print_report(summary, ratios, memory, targets, list_files, args) -> None:  # noqa: ANN001
    table = Table(title=f"Medians of {args.repeat} runs, {args.duration:g} s each, {args.connections} connections, "
                        f"{args.threads} wrk threads")
    for col in ("target", "scenario", "req/s", "p50 ms", "p90 ms", "p99 ms", "server µs/req", "postgres µs/req",
                "bytes/resp", "errors", "req/s of each run"):
        table.add_column(col, justify="left" if col in ("target", "scenario") else "right")
    order = [(t, s) for t in targets for s in ("by_id", "by_id_latency")] + [("app", n) for n in list_files]
    for target, scenario in order:
        s = summary.get(f"{target}/{scenario}")
        if not s:
            continue
        table.add_row(target, scenario, f"{s['rps']:.0f}", f"{s['p50_ms']:.2f}", f"{s['p90_ms']:.2f}",
                      f"{s['p99_ms']:.2f}", f"{s['server_cpu_us_per_req']:.0f}", f"{s['postgres_cpu_us_per_req']:.0f}",
                      f"{s['bytes_per_req']:.0f}", str(s["errors"]), " ".join(f"{v:.0f}" for v in s["rps_all"]))
    console.print(table)

    rt = Table(title="Ratios")
    for col in ("ratio", "value", "target", "ok"):
        rt.add_column(col)
    names = {"app_over_ceiling": "app by-id req/s / ceiling", "app_over_orm": "app by-id req/s / ORM baseline",
             "app_p99_over_p50": "app by-id p99 / p50"}
    for key, r in ratios.items():
        label = names.get(key, f"{key.removesuffix('_p99_ms')} p99 (ms)")
        rt.add_row(label, f"{r['value']}", r["target"], "[green]yes[/]" if r["ok"] else "[red]NO[/]")
    console.print(rt)

    mt = Table(title="Server RSS (kB) during the measured runs: start / max / end of each process")
    mt.add_column("target")
    for i in range(args.repeat):
        mt.add_column(f"rep {i + 1}", justify="right")
    mt.add_column("growth start→end", justify="right")
    for target in targets:
        cells = [f"{m.get('start_kb', 0):,} / {m.get('max_kb', 0):,} / {m.get('end_kb', 0):,}" for m in memory[target]]
        growth = [m.get("end_kb", 0) - m.get("start_kb", 0) for m in memory[target]]
        mt.add_row(target, *cells, " ".join(f"{g:+,}" for g in growth))
    console.print(mt)


if __name__ == "__main__":
    raise SystemExit(main())
