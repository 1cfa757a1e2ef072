"""The `cartesio` command: database, demo data, accounts, the server and the OpenAPI file."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy.exc import DBAPIError, OperationalError

from api.core.config import ConfigError, get_settings

app = typer.Typer(help="Cartesio: registry of clusters and districts.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
seed_app = typer.Typer(help="Demo and reference data.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
clients_app = typer.Typer(help="Service accounts for integrations.", no_args_is_help=True)
openapi_app = typer.Typer(help="The OpenAPI document.", no_args_is_help=True)
sync_app = typer.Typer(help="Mirror another Cartesio instance.", no_args_is_help=True)
import_app = typer.Typer(help="Import the business register and MUD waste declarations (docs/imports.md).",
                        no_args_is_help=True)
for sub, name in ((db_app, "db"), (seed_app, "seed"), (users_app, "users"), (clients_app, "clients"),
                  (openapi_app, "openapi"), (sync_app, "sync"), (import_app, "import")):
    app.add_typer(sub, name=name)

# soft_wrap: an error stays one line however narrow the terminal.
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def clean_errors(fn: F) -> F:
    """One clear line and a non-zero exit instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from api.core.errors import Problem

        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except Problem as exc:
            detail = exc.detail or exc.title
            extra = "; ".join(f"{e['field']}: {e['message']}" for e in getattr(exc, "errors", [])
                              if e["message"] not in detail)
            err.print(f"[red]error:[/red] {detail}" + (f" ({extra})" if extra else ""))
        except ConfigError as exc:
            err.print(f"[red]configuration error:[/red] {exc}")
        except (OperationalError, DBAPIError) as exc:
            err.print(f"[red]database error:[/red] {str(exc.orig or exc).splitlines()[0]}")
        except (OSError, ValueError) as exc:
            err.print(f"[red]error:[/red] {exc}")
        except Exception as exc:
            if os.environ.get("CARTESIO_DEBUG"):
                raise
            err.print(f"[red]unexpected error:[/red] {type(exc).__name__}: {exc} (set CARTESIO_DEBUG=1 for details)")
        raise typer.Exit(1)

    return wrapper  # type: ignore[return-value]


def _database():  # noqa: ANN202
    import api.models  # noqa: F401  (every mapper, so relationships across domains resolve)
    from api.core.db import Database

    return Database(get_settings())


async def _with_db(work: Callable[[Any], Any]) -> Any:
    db = _database()
    try:
        return await work(db)
    finally:
        await db.dispose()


@db_app.command("upgrade")
@clean_errors
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations to the configured database."""
    from api.core import migrate

    url = get_settings().resolved_database_url
    migrate.upgrade(url, revision)
    out.print(f"database at [bold]{revision}[/bold]")


@db_app.command("downgrade")
@clean_errors
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")]) -> None:
    """Revert migrations down to a revision."""
    from api.core import migrate

    migrate.downgrade(get_settings().resolved_database_url, revision)
    out.print(f"database at [bold]{revision}[/bold]")


@db_app.command("backup")
@clean_errors
def db_backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")]) -> None:
    """Back up the whole database while the server runs (pg_dump custom format, or SQLite's online backup)."""
    from rich.markup import escape

    from api.core import backup

    try:
        done = backup.backup(get_settings().resolved_database_url, file)
    except backup.BackupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    at = f"at revision {done.revision}" if done.revision else "with no migration revision (not migrated yet?)"
    out.print(escape(f"backed up the database {at} to {done.path} ({done.size:,} bytes)"))


@db_app.command("restore")
@clean_errors
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup written by `cartesio db backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already has tables.")] = False,
) -> None:
    """Restore a backup into the configured database (stop the server first); refuses a database that has
    tables unless --force, and a backup newer than this version."""
    from rich.markup import escape

    from api.core import backup

    try:
        done = backup.restore(get_settings().resolved_database_url, file, force=force)
    except backup.BackupError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    tail = "; run `cartesio db upgrade` to bring it to this version" if done.behind_head else ""
    out.print(escape(f"restored {done.path} at revision {done.revision}{tail}"))


@seed_app.command("demo")
@clean_errors
def seed_demo(
    password: Annotated[str | None, typer.Option(envvar="CARTESIO_DEMO_PASSWORD",
                                                 help="Password of the demo accounts (generated if absent).")] = None,
) -> None:
    """Load the documents' registry and one demo account per role; running it twice changes nothing."""
    from api.seed.demo import DEMO_ACCOUNTS, demo_password, load_registry, seed_demo as run

    settings = get_settings()
    secret = demo_password(settings.var_dir, password)
    data = load_registry()
    total = (len(data.get("organizations", [])) + len(data.get("clusters", [])) + 8)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                  transient=True) as progress:
        task = progress.add_task("seeding", total=total)

        def step(label: str, n: int) -> None:
            progress.update(task, advance=1 if label != "documents" else 1, description=f"seeding {label}")

        created = asyncio.run(_with_db(lambda db: run(db, password=secret, progress=step)))
    out.print(f"demo data loaded: {created} records created")
    if password is None:
        out.print(f"demo accounts ({', '.join(a.email for a in DEMO_ACCOUNTS)}) use the password in "
                  f"{settings.var_dir / 'demo-password'}")


@seed_app.command("reference")
@clean_errors
def seed_reference() -> None:
    """Install or update reference data (the EMAS requirements catalogue), for databases without demo data."""
    from api.emas import catalogue
    from api.territory import reference as territory_reference

    async def run(db) -> int:  # noqa: ANN001
        async with db.session_scope() as session:
            return await catalogue.install(session) + await territory_reference.install(session)

    created = asyncio.run(_with_db(run))
    out.print(f"reference data installed: {created} new records (EMAS requirements, EWC codes, symbiosis mapping)")


@users_app.command("create")
@clean_errors
def users_create(
    email: Annotated[str, typer.Option(help="E-mail, used as the sign-in name.")],
    password: Annotated[str, typer.Option(help="At least 10 characters.")],
    role: Annotated[str, typer.Option(help="admin, region_officer, cluster_manager, enterprise, evaluator, "
                                          "verifier, chamber_officer or reader.")],
    scope: Annotated[list[str] | None, typer.Option(
        help="Repeatable: region:ITI1, cluster:ID, organization:ID, chamber:ID.")] = None,
    organization_id: Annotated[int | None, typer.Option(help="The user's own organization.")] = None,
) -> None:
    """Create a user."""
    from api.auth import service

    async def work(db: Any) -> int:
        async with db.session_scope() as session:
            user = await service.create_user(session, email=email, password=password, role=role,
                                             scopes=list(scope or []), organization_id=organization_id)
            return user.id

    user_id = asyncio.run(_with_db(work))
    out.print(f"user {user_id} created: {email} ({role})")


@clients_app.command("create")
@clean_errors
def clients_create(
    name: Annotated[str, typer.Option(help="Who the integration is, e.g. 'Regione Lombardia SIT'.")],
    source: Annotated[str | None, typer.Option(
        help="The sync source it writes as, e.g. lombardia (registered if new).")] = None,
    regions: Annotated[list[str] | None, typer.Option(
        help="NUTS regions it may write, repeatable or comma-separated: --regions ITC4,ITC1.")] = None,
    role: Annotated[str | None, typer.Option(
        help="Role of the client; region_officer when regions are given, else reader.")] = None,
    scope: Annotated[list[str] | None, typer.Option(help="Further scopes, repeatable, as for users.")] = None,
) -> None:
    """Create a service account; prints its client id and secret once."""
    from api.auth import service

    region_codes = [code.strip().upper() for item in (regions or []) for code in item.split(",") if code.strip()]
    scopes = [*(scope or []), *(f"region:{code}" for code in region_codes)]
    chosen_role = role or ("region_officer" if region_codes else "reader")

    async def work(db: Any) -> tuple[str, str]:
        async with db.session_scope() as session:
            account, secret = await service.create_service_account(session, name=name, role=chosen_role,
                                                                   scopes=scopes, source=source)
            return account.client_id, secret

    client_id, secret = asyncio.run(_with_db(work))
    out.print(f"client_id: {client_id}")
    out.print(f"client_secret: {secret}")
    err.print("The secret is shown only now; it is stored hashed.")


@sync_app.command("pull")
@clean_errors
def sync_pull(
    remote: Annotated[str, typer.Option("--from", help="Base URL of the remote instance, e.g. "
                                                       "https://cartesio.example.org.")],
    client_id: Annotated[str, typer.Option(help="A service account of the remote; any role may read its feed.")],
    client_secret: Annotated[str, typer.Option(envvar="CARTESIO_SYNC_CLIENT_SECRET",
                                               help="Its secret; better given in the environment.")],
    source: Annotated[str, typer.Option(help="Sync source the mirrored records are stored under.")] = "mirror",
    types: Annotated[str, typer.Option(help="Comma-separated resource types to mirror; changing them later "
                                            "needs --reset.")] = "clusters,organizations",
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Changes per feed page.")] = 1000,
    max_pages: Annotated[int | None, typer.Option(min=1, help="Stop after this many pages (run again to go "
                                                              "on).")] = None,
    reset: Annotated[bool, typer.Option(help="Resynchronise: delete mirrored records the remote no longer lists, "
                                             "then read its whole feed again.")] = False,
) -> None:
    """Apply the remote's clusters and organizations changes since the last pull; resumes where it stopped."""
    from rich.markup import escape

    from api.sync import mirror

    with Progress(TextColumn("{task.description}"), console=err, transient=True,
                  disable=not err.is_terminal) as progress:
        task = progress.add_task("connecting")

        def step(result: mirror.PullResult) -> None:
            progress.update(task, description=f"page {result.pages}: {result.applied} changes applied")

        try:
            result = asyncio.run(_with_db(lambda db: mirror.pull(
                db, remote_url=remote, client_id=client_id, client_secret=client_secret, source=source,
                types=[t for t in types.split(",") if t.strip()], page_size=page_size, max_pages=max_pages,
                progress=step, reset=reset)))
        except mirror.MirrorError as exc:
            progress.stop()
            err.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(1) from None
    tail = "" if result.complete else "; more changes remain, run it again"
    out.print(escape(f"pulled {result.applied} changes in {result.pages} page(s) from "
                     f"{mirror.normalise_remote(remote)} as source {source}: {result.created} created, "
                     f"{result.updated} updated, {result.unchanged} unchanged, {result.deleted} deleted{tail}"))


def _run_import(kind: str, path: Path) -> None:
    from rich.markup import escape

    from api.territory import imports
    from api.territory.errors import ImportRejected

    size = path.stat().st_size
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(f"reading {path.name}", total=size)

        async def work(db: Any) -> imports.Outcome:
            async with db.session_scope() as session:
                outcome = await imports.run(session, kind=kind, stream=handle, filename=path.name,
                                            actor_key="cli", progress=lambda n: progress.advance(task, n))
                progress.update(task, description="applying")
                return outcome

        with path.open("rb") as handle:
            try:
                outcome = asyncio.run(_with_db(work))
            except ImportRejected as exc:
                progress.stop()
                err.print(f"[red]error:[/red] {escape(exc.detail or exc.title)}")
                for row in exc.rows:
                    err.print(escape(f"  line {row['line']}" + (f", column {row['column']}" if row["column"] else "")
                                     + f": {row['reason']}"))
                raise typer.Exit(1) from None
    out.print(f"{kind}: {outcome.rows} rows, {outcome.inserted} new, {outcome.updated} changed, "
              f"{outcome.unchanged} unchanged; {outcome.organizations_created} organizations created")


@import_app.command("registro-imprese")
@clean_errors
def import_register(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")]) -> None:
    """Import a business-register extract; all rows or none."""
    _run_import("registro-imprese", file)


@import_app.command("mud")
@clean_errors
def import_mud(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file.")]) -> None:
    """Import MUD waste declarations; all rows or none, and a second run of the same file changes nothing."""
    _run_import("mud", file)


@app.command("serve")
@clean_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    access_log: Annotated[bool | None, typer.Option(
        "--access-log/--no-access-log", help="One log line per request (default: CARTESIO_ACCESS_LOG, on).")] = None,
) -> None:
    """Serve the API with uvicorn; logs go to standard error, as JSON lines unless CARTESIO_LOG_FORMAT=text."""
    import uvicorn

    from api.core.logs import logging_config

    settings = get_settings()
    settings.signing_key()  # fail here, in one line, rather than in each worker
    if workers > 1:
        from api.core.metrics import prepare_multiprocess_dir

        # Each process counts its own requests; /metrics adds up the files they keep here.
        prepare_multiprocess_dir(settings.var_dir)
    # uvicorn's access line is replaced by ours (api.core.observability), which the log config turns on or off.
    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, access_log=False,
                log_config=logging_config(settings, access_log=access_log), log_level=settings.log_level.lower(),
                proxy_headers=True)


@app.command("worker")
@clean_errors
def run_worker() -> None:
    """Deliver webhooks and prune expired data until stopped; several may run side by side (PostgreSQL).

    Set CARTESIO_WORKER_IN_PROCESS=false on the API processes when you run workers this way.
    """
    import logging
    import signal

    from api.core.logs import configure
    from api.webhooks import worker

    configure(get_settings())

    async def work(db: Any) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        logging.getLogger("cartesio.worker").info("worker running; Ctrl-C or SIGTERM stops it")
        await worker.run(db, stop=stop)

    asyncio.run(_with_db(work))


def openapi_document() -> str:
    from api.main import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


@openapi_app.command("export")
@clean_errors
def openapi_export(
    output: Annotated[Path, typer.Option(help="Where to write the spec.")] = Path("openapi/openapi.json"),
    check: Annotated[bool, typer.Option(help="Only check that the file is current.")] = False,
) -> None:
    """Write the OpenAPI document of the app (or check that the committed one is current)."""
    spec = openapi_document()
    if check:
        current = output.read_text() if output.exists() else ""
        if current != spec:
            err.print(f"[red]{output} is stale:[/red] run `cartesio openapi export`")
            raise typer.Exit(1)
        out.print(f"{output} is current")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(spec)
    out.print(f"wrote {output}")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
