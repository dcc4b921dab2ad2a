"""The `complaints` command: run the system, one service, the broker; mint tokens."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from shared.auth import Principal, Role, TokenService
from shared.broker.embedded import EmbeddedBroker
from shared.clock import OffsetClock
from shared.errors import StartupError
from shared.logging import configure_logging
from shared.secrets import token_secret
from shared.server import RunningSystem, serve
from shared.settings import SERVICE_NAMES, ServiceName, Settings
from shared.vocab import Department

app = typer.Typer(
    name="complaints",
    help="Complaint handling for car dealerships: intake, resolution, analytics over Kafka.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line options on top."""
    env = Settings()
    values = {key: value for key, value in overrides.items() if value is not None}
    return env.model_copy(update=values) if values else env


def _run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where data is kept.")]
Host = Annotated[str | None, typer.Option("--host", help="HTTP listen address.")]
Port = Annotated[int | None, typer.Option("--port", help="HTTP listen port.")]


@app.command()
def up(
    data_dir: DataDir = None,
    host: Host = None,
    port: Port = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load demo complaints and print demo tokens.")
    ] = False,
) -> None:
    """Run the whole system on this machine (embedded broker unless Kafka is configured)."""
    settings = _settings(data_dir=data_dir, host=host, port=port)
    configure_logging(settings.log_level, settings.log_format)

    clock = OffsetClock() if demo else None  # the demo works its cases at past times

    async def on_ready(system: RunningSystem, url: str) -> None:
        if demo:
            from shared.demo import load_demo

            count = await load_demo(system, clock)
            if count:
                out.print(f"Loaded {count} demo complaints.")
            else:
                out.print("The data dir already holds complaints: no demo data loaded again.")
        _print_banner(settings, system, url, demo=demo)

    _run(
        lambda: serve(
            settings, SERVICE_NAMES, embedded_allowed=True, on_ready=on_ready, clock=clock
        )
    )


@app.command("serve")
def serve_one(
    service: Annotated[str, typer.Argument(help="intake, resolution or analytics")],
    host: Host = None,
    port: Port = None,
) -> None:
    """Run one service (as in a container); needs COMPLAINTS_KAFKA_BOOTSTRAP."""
    if service not in SERVICE_NAMES:
        raise typer.BadParameter(f"must be one of {', '.join(SERVICE_NAMES)}", param_hint="SERVICE")
    name: ServiceName = service
    settings = _settings(host=host, port=port)
    configure_logging(settings.log_level, settings.log_format)

    def on_ready(system: RunningSystem, url: str) -> None:
        out.print(f"{name} listening on {url}/{name}/ (Kafka {system.bootstrap})", highlight=False)

    _run(lambda: serve(settings, [name], embedded_allowed=False, on_ready=on_ready))


@app.command()
def token(
    user: Annotated[str, typer.Option("--user", help="User name, e.g. alice.")],
    role: Annotated[Role, typer.Option("--role", help="The user's role.")],
    department: Annotated[
        Department | None, typer.Option("--department", help="Required for department_head.")
    ] = None,
    ttl_hours: Annotated[
        float | None, typer.Option("--ttl-hours", help="Lifetime; default from settings.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Mint a bearer token, signed with the configured (or generated) secret."""
    settings = _settings(data_dir=data_dir)
    try:
        principal = Principal(user=user, role=role, department=department)
    except ValidationError as exc:
        raise StartupError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc
    if ttl_hours is not None and not ttl_hours > 0:  # 0 would quietly mean the default
        raise StartupError(f"--ttl-hours must be more than 0, not {ttl_hours:g}")
    tokens = TokenService(token_secret(settings), ttl=timedelta(hours=settings.token_ttl_hours))
    ttl = timedelta(hours=ttl_hours) if ttl_hours is not None else None
    print(tokens.issue(principal, ttl=ttl))


@app.command()
def broker(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 9092,
) -> None:
    """Run the embedded Kafka-protocol broker alone, until Ctrl-C."""

    async def main() -> None:
        async with EmbeddedBroker(host=host, port=port) as embedded:
            out.print(
                f"Embedded broker listening on {embedded.bootstrap}"
                f" — export COMPLAINTS_KAFKA_BOOTSTRAP={embedded.bootstrap}",
                highlight=False,
            )
            await asyncio.Event().wait()

    _run(main)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .csv (header row) or .jsonl file.")],
    url: Annotated[
        str | None, typer.Option("--url", help="Where intake runs; default from settings.")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="COMPLAINTS_TOKEN", help="Default: minted locally."),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=500)] = 100,
    data_dir: DataDir = None,
) -> None:
    """Import complaints in bulk; bad rows are listed with their line number and reason."""
    import httpx
    from rich.progress import Progress

    from services.intake.importer import count_rows, import_file

    if not file.is_file():
        raise StartupError(f"no such file: {file}")
    settings = _settings(data_dir=data_dir)
    if token is None:
        tokens = TokenService(token_secret(settings), ttl=timedelta(hours=1))
        token = tokens.issue(Principal(user="import", role=Role.AGENT))
    base = url or f"http://{settings.host}:{settings.port}"
    try:
        total = count_rows(file)
        with (
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
            ) as client,
            Progress(console=err, transient=True) as progress,
        ):
            task = progress.add_task(f"Importing {file.name}", total=total)
            report = import_file(
                file,
                client=client,
                batch_size=batch_size,
                on_progress=lambda n: progress.advance(task, n),
            )
    except httpx.HTTPError as exc:
        raise StartupError(f"cannot reach intake at {base}: {exc}") from exc
    except (ValueError, RuntimeError) as exc:
        raise StartupError(str(exc)) from exc
    out.print(
        f"{report.accepted} imported ({report.registered} new, {report.linked} follow-ups,"
        f" {report.replayed} already there), {len(report.rejected)} rejected",
        highlight=False,
    )
    for line, reason in report.rejected:
        out.print(f"  line {line}: {reason}", highlight=False)
    if report.rejected:
        raise typer.Exit(1)


def _register_analytics() -> None:
    from services.analytics.cli import app as analytics_app
    from services.analytics.cli import eval_classifier

    app.add_typer(analytics_app, name="analytics")
    app.command("eval-classifier")(eval_classifier)


_register_analytics()


def _print_banner(settings: Settings, system: RunningSystem, url: str, *, demo: bool) -> None:
    store = "MongoDB" if settings.uses_mongo else f"SQLite in {settings.resolved_data_dir}"
    kafka = "embedded broker" if system.broker is not None else "Kafka"
    lines = [
        f"[bold green]Complaints is running[/] at [bold]{url}/[/]",
        f"  intake      {url}/intake/docs",
        f"  resolution  {url}/resolution/docs",
        f"  analytics   {url}/analytics/docs",
        f"  bus: {kafka} at {system.bootstrap}; store: {store}",
        f"Get a token:  {_command_name()} token --user alice --role agent"
        + (f" --data-dir {settings.data_dir}" if settings.data_dir != Settings().data_dir else ""),
        "Stop with Ctrl-C.",
    ]
    lines += [
        f"[yellow]{name} is recomputing its read models after an upgrade: its pages and reports"
        " answer 503 until it is done (the log says when). Recording and handling complaints"
        " work now; cause suggestions and trend alerts follow once it consumes again.[/]"
        for name in system.catching_up
    ]
    for line in lines:
        out.print(line, highlight=False)
    if demo:
        from shared.demo import demo_tokens

        out.print(f"Open {url}/ and pick a demo user to sign in.", highlight=False)
        out.print("Demo tokens (valid 12 h):", highlight=False)
        for label, value in demo_tokens(settings).items():
            out.print(f"  {label:<16} {value}", highlight=False, soft_wrap=True)


def _command_name() -> str:
    """How the user can call this command again: `.venv/bin/complaints` after `make run`."""
    executable = Path(sys.argv[0])
    if executable.name != "complaints":
        return "complaints"
    try:
        return str(executable.resolve().relative_to(Path.cwd()))
    except ValueError:
        return "complaints"


def main() -> None:
    """Entry point: user errors are one line on stderr, never a traceback."""
    try:
        app()
    except StartupError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        # a check across settings has no one field: its message names them
        what = f"setting COMPLAINTS_{where.upper()}" if where else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        err.print(f"[bold red]error:[/] invalid {what}: {message}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except OSError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
