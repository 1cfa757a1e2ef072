"""What the sync benchmarks (sync_batch.py, feed_catchup.py, sync_profile.py) share.

* the database: drop/create, migrate, service accounts, all through the project's own CLI run as a
  subprocess from `--app-dir` (the checkout whose `api` package is benchmarked: by default the repository
  this file belongs to; point it at a `git worktree` of a commit to benchmark that commit undisturbed);
* the server: `python -m uvicorn api.asgi:app` started from `--app-dir` (one process), stopped with SIGTERM;
* /proc readings: RSS, the peak RSS (VmHWM, which can be reset for our own child), CPU time of the server
  and of all PostgreSQL processes;
* realistic cluster records of a regional register (Lombardia, NUTS ITC4x) for the batch endpoint.

Nothing here imports the project: the scripts talk to it over HTTP, SQL and its CLI, so the numbers are the
numbers of the checkout in `--app-dir`.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import admin_url, database_name, uvicorn_options  # noqa: E402,F401

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEFAULT_SYNC_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cartesio_bench_sync"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SOURCE = "lombardia"
REGIONS = "ITC4"


# ---- database and CLI ----------------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_exists(url: str) -> bool:
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (database_name(url),)).fetchone() is not None


def app_env(url: str, var_dir: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CARTESIO_DATABASE_URL": url, "CARTESIO_ENVIRONMENT": "development", "CARTESIO_VAR_DIR": var_dir,
        "CARTESIO_WORKER_IN_PROCESS": "false", "CARTESIO_RATE_LIMIT_PER_SECOND": "0",
        "CARTESIO_JWT_SECRET": env.get("CARTESIO_JWT_SECRET") or secrets.token_urlsafe(48),
    })
    env.update(extra)
    env.pop("PYTHONPATH", None)
    return env


def cartesio(app_dir: Path, url: str, *args: str) -> str:
    """Run the project's CLI (`cartesio ...`) from app_dir, so that app_dir's `api` package is the one used."""
    with tempfile.TemporaryDirectory(prefix="cartesio-bench-var-") as var_dir:
        proc = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", *args], cwd=app_dir,
                              env=app_env(url, var_dir, COLUMNS="200"), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"cartesio {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def migrate(app_dir: Path, url: str) -> None:
    cartesio(app_dir, url, "db", "upgrade")


def create_client(app_dir: Path, url: str, *, name: str, source: str | None = None, regions: str | None = None,
                  role: str | None = None) -> tuple[str, str]:
    args = ["clients", "create", "--name", name]
    if source:
        args += ["--source", source]
    if regions:
        args += ["--regions", regions]
    if role:
        args += ["--role", role]
    out = cartesio(app_dir, url, *args)
    found = dict(line.split(": ", 1) for line in out.splitlines() if line.startswith(("client_id: ", "client_secret: ")))
    return found["client_id"].strip(), found["client_secret"].strip()


def git_commit(app_dir: Path) -> str:
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=app_dir, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "api", "migrations"], cwd=app_dir,
                           capture_output=True, text=True).stdout.strip()
    return proc.stdout.strip() + ("+dirty" if dirty else "") if proc.returncode == 0 else "?"


# ---- /proc ---------------------------------------------------------------------------------------------

def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (writing 5 to clear_refs; allowed for our own child process)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def postgres_ticks() -> dict[int, int]:
    """CPU ticks (utime + stime) of every postgres process (backends and auxiliary processes), by pid."""
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        if raw[raw.find("(") + 1: raw.rfind(")")].startswith("postgres"):
            fields = raw.rsplit(")", 1)[1].split()
            out[int(entry.name)] = int(fields[11]) + int(fields[12])
    return out


def postgres_seconds_since(before: dict[int, int]) -> float:
    """PostgreSQL CPU seconds since `before` (postgres_ticks()); a process that exited meanwhile is not counted."""
    after = postgres_ticks()
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / CLK_TCK


class RssSampler(threading.Thread):
    """The highest VmRSS of a process seen every `interval` seconds (a cross-check of VmHWM)."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, proc_status(self.pid).get("VmRSS", 0))
            self._halt.wait(self.interval)

    def stop(self) -> int:
        self._halt.set()
        self.join(timeout=5)
        return self.peak


@dataclass
class Usage:
    """Wall time, server CPU, PostgreSQL CPU and server memory over one measured operation."""

    pid: int | None  # None: time and PostgreSQL CPU only
    wall: float = 0.0
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    hwm_kb: int = 0            # VmHWM after, reset just before: the peak during the operation
    sampled_peak_kb: int = 0
    _t0: float = field(default=0.0, repr=False)
    _c0: float = field(default=0.0, repr=False)
    _p0: dict[int, int] = field(default_factory=dict, repr=False)
    _sampler: RssSampler | None = field(default=None, repr=False)

    def __enter__(self) -> Usage:
        if self.pid is not None:
            reset_peak(self.pid)
            self.rss_before_kb = proc_status(self.pid).get("VmRSS", 0)
            self._sampler = RssSampler(self.pid)
            self._sampler.start()
            self._c0 = cpu_seconds(self.pid)
        self._p0 = postgres_ticks()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self._t0
        self.postgres_cpu = postgres_seconds_since(self._p0)
        if self.pid is None or self._sampler is None:
            return
        self.server_cpu = cpu_seconds(self.pid) - self._c0
        self.sampled_peak_kb = self._sampler.stop()
        status = proc_status(self.pid)
        self.rss_after_kb, self.hwm_kb = status.get("VmRSS", 0), status.get("VmHWM", 0)


# ---- the server ----------------------------------------------------------------------------------------

def wait_until_healthy(proc: subprocess.Popen, base: str, log: Path, seconds: float, stop: Any) -> None:
    """Return once the server answers /healthz; exit with its log's tail if it dies or does not answer in time
    (calling `stop` first)."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop()
            raise SystemExit(f"the server did not answer /healthz within {seconds:.0f} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


class Server:
    """`python -m uvicorn api.asgi:app` from app_dir, one process, on a loopback port."""

    def __init__(self, app_dir: Path, url: str, port: int, *, gc_mode: str = "default", **env: str):
        """gc_mode: "default" (python -m uvicorn), "stats" (through gcstat_server.py, GC pauses counted) or
        "off" (the same, with the cyclic GC disabled: a what-if)."""
        self.var_dir = tempfile.mkdtemp(prefix="cartesio-bench-var-")
        self.log = Path(self.var_dir) / "server.log"
        self.base = f"http://127.0.0.1:{port}"
        self.gc_file = Path(self.var_dir) / "gc.json" if gc_mode != "default" else None
        launcher = ["-m", "uvicorn"] if gc_mode == "default" else [str(BENCH / "gcstat_server.py")]
        if self.gc_file:
            env = {**env, "BENCH_GC_STATS": str(self.gc_file), "BENCH_GC": "off" if gc_mode == "off" else "on"}
        args = [sys.executable, *launcher, "api.asgi:app", "--host", "127.0.0.1", "--port", str(port),
                *uvicorn_options()]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(args, cwd=app_dir, env=app_env(url, self.var_dir, **env), stdout=out,
                                         stderr=subprocess.STDOUT)
        wait_until_healthy(self.proc, self.base, self.log, 60, self.stop)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def gc_stats(self) -> dict[str, list[float]] | None:
        """The server's GC totals so far (seconds and collections per generation), when started with gc_mode."""
        if self.gc_file is None:
            return None
        before = self.gc_file.stat().st_mtime_ns if self.gc_file.exists() else 0
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.gc_file.exists() and self.gc_file.stat().st_mtime_ns != before:
                return json.loads(self.gc_file.read_text())
            time.sleep(0.01)
        raise SystemExit("the server did not write its GC statistics")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        import shutil
        shutil.rmtree(self.var_dir, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def access_token(base: str, client_id: str, secret: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                      "client_secret": secret}, timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


# ---- records -------------------------------------------------------------------------------------------

# Lombardia (ITC4): NUTS-3 code -> (province, lat, lon, localities)
LOMBARDIA: dict[str, tuple[str, float, float, list[str]]] = {
    "ITC41": ("Varese", 45.82, 8.83, ["Busto Arsizio", "Gallarate", "Castellanza", "Saronno", "Tradate"]),
    "ITC42": ("Como", 45.81, 9.08, ["Como", "Cantù", "Mariano Comense", "Lurate Caccivio", "Erba"]),
    "ITC43": ("Lecco", 45.85, 9.39, ["Lecco", "Premana", "Valmadrera", "Merate"]),
    "ITC44": ("Sondrio", 46.17, 9.87, ["Sondrio", "Morbegno", "Tirano"]),
    "ITC46": ("Bergamo", 45.69, 9.67, ["Bergamo", "Dalmine", "Grumello del Monte", "Palazzolo", "Seriate"]),
    "ITC47": ("Brescia", 45.54, 10.21, ["Lumezzane", "Brescia", "Sarezzo", "Palazzolo sull'Oglio", "Manerbio"]),
    "ITC48": ("Pavia", 45.19, 9.16, ["Vigevano", "Pavia", "Voghera", "Mortara"]),
    "ITC49": ("Lodi", 45.31, 9.50, ["Lodi", "Codogno", "Casalpusterlengo"]),
    "ITC4A": ("Cremona", 45.13, 10.02, ["Cremona", "Crema", "Casalmaggiore"]),
    "ITC4B": ("Mantova", 45.16, 10.79, ["Castel Goffredo", "Viadana", "Suzzara", "Ostiglia"]),
    "ITC4C": ("Milano", 45.46, 9.19, ["Milano", "Legnano", "Sesto San Giovanni", "Rho", "Abbiategrasso"]),
    "ITC4D": ("Monza e della Brianza", 45.58, 9.27, ["Monza", "Seregno", "Lissone", "Meda", "Desio"]),
}

# (label, NACE codes, adjective used in the name)
SECTORS: list[tuple[str, list[str], str]] = [
    ("Concia e lavorazione delle pelli", ["15.11"], "conciario"),
    ("Calzature", ["15.20"], "calzaturiero"),
    ("Tessile e abbigliamento", ["13", "14"], "tessile"),
    ("Filatura e tessitura", ["13.10", "13.20"], "laniero"),
    ("Mobile e arredo", ["31.01", "31.09"], "del mobile"),
    ("Meccanica strumentale", ["28"], "meccanico"),
    ("Rubinetteria e valvolame", ["28.14"], "della rubinetteria"),
    ("Metallurgia", ["24", "25.50"], "metallurgico"),
    ("Coltelleria e casalinghi", ["25.71", "25.99"], "dei casalinghi"),
    ("Calzetteria", ["14.31"], "della calza"),
    ("Seta", ["13.10", "13.20"], "serico"),
    ("Agroalimentare", ["10"], "agroalimentare"),
    ("Lattiero-caseario", ["10.51"], "lattiero-caseario"),
    ("Salumi", ["10.13"], "dei salumi"),
    ("Vino", ["11.02"], "vitivinicolo"),
    ("Chimica", ["20"], "chimico"),
    ("Plastica e gomma", ["22"], "della plastica"),
    ("Elettronica", ["26"], "elettronico"),
    ("Biomedicale", ["32.50", "26.60"], "biomedicale"),
    ("Automotive", ["29"], "dell'automotive"),
    ("Aerospazio", ["30.30"], "aerospaziale"),
    ("Logistica", ["52", "49.41"], "logistico"),
    ("ICT e software", ["62", "63.11"], "digitale"),
    ("Strumenti musicali", ["32.20"], "degli strumenti musicali"),
    ("Packaging", ["28.29", "17.21"], "del packaging"),
    ("Farmaceutica", ["21"], "farmaceutico"),
]
KINDS = ["industrial_district", "cluster", "apea", "industrial_park", "supply_chain", "enterprise_network"]
KIND_WEIGHTS = [30, 25, 10, 15, 10, 10]
KIND_IT = {"industrial_district": "Distretto", "cluster": "Cluster", "apea": "APEA", "industrial_park": "Polo industriale",
           "supply_chain": "Filiera", "enterprise_network": "Rete d'imprese"}
TAGS = ["made-in-italy", "export", "circular-economy", "emas", "industry-4-0", "artisan", "luxury", "water-reuse",
        "energy-community", "eco-design", "district-law-317", "regional-law", "smart-specialisation", "innovation"]
CONSTITUTIVE = [
    "Riconosciuto con delibera della Giunta regionale n. {n}/{y} ai sensi della L. 317/1991 e della l.r. "
    "{lr}/{y2}; comprende {m} comuni contigui della provincia di {prov} e un comitato di distretto composto dalle "
    "associazioni di categoria, dalla Camera di Commercio e dai comuni capofila. Il programma di sviluppo "
    "triennale è approvato dal comitato e trasmesso alla Regione entro il 31 marzo di ogni anno.",
    "Area produttiva omogenea individuata dal piano territoriale di coordinamento provinciale di {prov} ({y}); "
    "soggetto gestore unico costituito in forma consortile, regolamento d'area approvato dal consiglio comunale "
    "con deliberazione n. {n}, infrastrutture comuni per la depurazione delle acque e la gestione dei rifiuti, "
    "{m} lotti assegnati a imprese manifatturiere e di servizi.",
    "Filiera organizzata attorno a {m} imprese capofila con contratti di fornitura pluriennali registrati nel {y} "
    "e un consorzio per i servizi comuni (depurazione, logistica, formazione, certificazione di prodotto); "
    "l'adesione è aperta alle imprese della provincia di {prov} che sottoscrivono il disciplinare tecnico "
    "approvato dall'assemblea dei soci con verbale n. {n}.",
    "Contratto di rete registrato presso la Camera di Commercio di {prov} nel {y}, con fondo patrimoniale comune "
    "di {n}.000 euro e organo comune; {m} imprese aderenti che condividono un programma di rete per "
    "l'internazionalizzazione, la ricerca applicata e la transizione ecologica dei processi produttivi.",
]
ECO = [
    "Depuratore consortile delle acque reflue con recupero dei metalli e riuso dell'acqua depurata nei processi.",
    "Comunità energetica di area con {m} MW di fotovoltaico sulle coperture dei capannoni.",
    "Simbiosi industriale: gli scarti di lavorazione di una filiera diventano materia prima seconda di un'altra.",
    "Piano di mobilità d'area, raccolta differenziata dei rifiuti speciali e certificazione EMAS di {m} imprese.",
]


class RecordFactory:
    """Cluster records of a Lombardy register (source `lombardia`, regions ITC4), as its system would push them."""

    def __init__(self, seed: int = 1, prefix: str = "LOM"):
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.serial = 0

    def _constitutive(self, province: str) -> str:
        rng = self.rng
        return rng.choice(CONSTITUTIVE).format(n=rng.randint(1, 2000), y=rng.randint(1995, 2024), m=rng.randint(2, 60),
                                               lr=rng.randint(1, 40), y2=rng.randint(1993, 2024), prov=province)

    def new(self) -> dict[str, Any]:
        rng = self.rng
        self.serial += 1
        region_code = rng.choice(list(LOMBARDIA))
        province, lat, lon, localities = LOMBARDIA[region_code]
        locality = rng.choice(localities)
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        picked = rng.sample(SECTORS, 2 if rng.random() < 0.35 else 1)
        name = f"{KIND_IT[kind]} {picked[0][2]} di {locality}"
        if rng.random() < 0.8:
            name = f"{name} {rng.choice(['', 'Nord', 'Sud', 'Est', 'Ovest', 'Alto', 'Basso'])} {rng.randint(1, 999)}"
            name = " ".join(name.split())
        record: dict[str, Any] = {
            "external_id": f"{self.prefix}-{self.serial:08d}",
            "name": name, "kind": kind, "country": "IT", "region_code": region_code, "region_name": "Lombardia",
            "locality": locality,
            "enterprises": {"count": int(rng.lognormvariate(4.0, 1.0))},
            "employees": {"count": int(rng.lognormvariate(6.5, 1.2))},
            "sectors": [{"label": label, "nace": nace} for label, nace, _ in picked],
            "tags": rng.sample(TAGS, rng.choice([1, 1, 2, 3])),
            "constitutive_elements": self._constitutive(province),
        }
        if rng.random() < 0.6:
            record["location_text"] = f"{locality} ({province}), Lombardia"
        if rng.random() < 0.7:
            record["latitude"] = round(lat + rng.uniform(-0.15, 0.15), 5)
            record["longitude"] = round(lon + rng.uniform(-0.15, 0.15), 5)
        if rng.random() < 0.3:
            record["enterprises"] |= {"approximate": True, "note": f"circa {record['enterprises']['count']} "
                                                                   "secondo l'ultima rilevazione"}
        if rng.random() < 0.4:
            record["eco_innovation"] = rng.choice(ECO).format(m=rng.randint(2, 60))
        if rng.random() < 0.4:
            record["website"] = f"https://www.distretto-{self.serial}.lombardia.it"
        return record

    def changed(self, record: dict[str, Any], round_no: int) -> dict[str, Any]:
        """The same record with new content, as a register sends after an update (always a real change)."""
        rng = self.rng
        out = {**record, "employees": {"count": record["employees"]["count"] + rng.randint(1, 50)}}
        province = LOMBARDIA[record["region_code"]][0]
        out["constitutive_elements"] = (f"{self._constitutive(province)} Aggiornamento {round_no}: dati verificati "
                                        f"dall'ufficio regionale.")
        if rng.random() < 0.3:
            out["tags"] = rng.sample(TAGS, rng.choice([1, 2, 3]))
        if rng.random() < 0.2:
            out["sectors"] = [{"label": label, "nace": nace} for label, nace, _ in rng.sample(SECTORS, rng.choice([1, 2]))]
        return out
