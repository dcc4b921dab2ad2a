"""Runs services and their HTTP apps in this process, under one origin."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from shared.broker.embedded import EmbeddedBroker
from shared.clock import Clock
from shared.errors import StartupError
from shared.runtime import ServiceRuntime
from shared.settings import SERVICE_NAMES, ServiceName, Settings

log = structlog.get_logger(__name__)

Bootstrap = Callable[..., ServiceRuntime]


def load_bootstrap(name: ServiceName) -> Bootstrap:
    """Each service's composition root, imported only when that service runs."""
    module = importlib.import_module(f"services.{name}.bootstrap")
    bootstrap: Bootstrap = module.bootstrap
    return bootstrap


def root_app(runtimes: Sequence[ServiceRuntime]) -> Starlette:
    """One origin: each service's app mounted at its own prefix."""
    names = [runtime.name for runtime in runtimes]

    async def index(request: Request) -> Response:
        if "intake" in names:
            return RedirectResponse(url="/intake/ui/")  # sign-in, then the user's pages
        return JSONResponse({"services": {name: f"/{name}" for name in names}})

    routes: list[Route | Mount] = [Route("/", index)]
    routes += [Mount(f"/{runtime.name}", app=runtime.app) for runtime in runtimes]
    return Starlette(routes=routes)


@dataclass
class RunningSystem:
    """What a started system exposes, for the CLI banner and for tests."""

    bootstrap: str
    runtimes: list[ServiceRuntime]
    broker: EmbeddedBroker | None
    catching_up: dict[ServiceName, asyncio.Task[None]] = field(default_factory=dict)
    """The starts still running in the background (recomputing read models)."""

    def runtime(self, name: ServiceName) -> ServiceRuntime:
        return next(r for r in self.runtimes if r.name == name)

    async def stop(self) -> None:
        await _cancelled(self.catching_up.values())
        for runtime in reversed(self.runtimes):
            with contextlib.suppress(Exception):
                await runtime.stop()
        if self.broker is not None:
            await self.broker.stop()


async def start_system(
    settings: Settings,
    names: Sequence[ServiceName] = SERVICE_NAMES,
    *,
    clock: Clock | None = None,
    embedded_allowed: bool = True,
) -> RunningSystem:
    """Start the broker (embedded unless configured) and the named services."""
    broker: EmbeddedBroker | None = None
    if settings.embedded_broker:
        if not embedded_allowed:
            raise StartupError(
                "COMPLAINTS_KAFKA_BOOTSTRAP is not set: point it at Kafka"
                " (or at `complaints broker`), or use `complaints up` to run everything here"
            )
        broker = EmbeddedBroker()
        await broker.start(timeout=settings.startup_timeout)
        bootstrap = broker.bootstrap
    else:
        bootstrap = settings.kafka_bootstrap
    runtimes = [load_bootstrap(name)(settings, clock=clock) for name in names]
    system = RunningSystem(bootstrap=bootstrap, runtimes=runtimes, broker=broker)
    # started together: each waits seconds for its consumer group to form
    starts = {
        runtime.name: asyncio.create_task(
            runtime.start(bootstrap, fresh_broker=broker is not None), name=runtime.name
        )
        for runtime in runtimes
    }
    try:
        await asyncio.gather(
            *(_started_or_catching_up(r, starts[r.name]) for r in runtimes),
            return_exceptions=True,
        )
    except BaseException:  # cancelled (Ctrl-C while starting): nothing may go on starting
        system.catching_up = starts
        await system.stop()
        raise
    system.catching_up = {name: task for name, task in starts.items() if not task.done()}
    # a start that failed, even one that had gone on in the background meanwhile
    failures = [e for t in starts.values() if t.done() and (e := _failure(t)) is not None]
    if failures:
        await system.stop()
        raise failures[0]
    for name in system.catching_up:
        log.info("service still recomputing its read models: serving the others", service=name)
    return system


async def _started_or_catching_up(runtime: ServiceRuntime, start: asyncio.Task[None]) -> None:
    """Until the service has started, or has said a start-up step will take long (it then
    goes on in the background and its HTTP answers 503 meanwhile)."""
    signal = asyncio.create_task(runtime.catching_up.wait())
    try:
        await asyncio.wait({start, signal}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await _cancelled([signal])


def _failure(task: asyncio.Task[Any]) -> BaseException | None:
    return None if task.cancelled() else task.exception()


async def _cancelled(tasks: Iterable[asyncio.Task[Any]]) -> None:
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _serve_until_stopped(
    server: uvicorn.Server, serving: asyncio.Task[None], catching_up: Iterable[asyncio.Task[None]]
) -> None:
    """Serve until a signal; a start finishing in the background is logged, one failing
    stops everything with its error, as a failed start would have."""
    pending: set[asyncio.Task[None]] = {serving, *catching_up}
    while serving in pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {serving}:
            if task.cancelled():
                continue
            error = task.exception()
            if error is None:
                log.info("service caught up: serving it too", service=task.get_name())
                continue
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
            raise error
    await serving


async def serve(
    settings: Settings,
    names: Sequence[ServiceName],
    *,
    embedded_allowed: bool,
    on_ready: Callable[[RunningSystem, str], Awaitable[None] | None] | None = None,
    clock: Clock | None = None,
) -> None:
    """Start everything, serve HTTP until a signal, then stop everything in reverse."""
    listener = listen(settings.host, settings.port)  # first: a taken port fails fast
    try:
        system = await start_system(settings, names, embedded_allowed=embedded_allowed, clock=clock)
    except BaseException:
        listener.close()
        raise
    try:
        config = uvicorn.Config(
            root_app(system.runtimes),
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.05)
        port = listener.getsockname()[1]
        url = f"http://{_display_host(settings.host)}:{port}"
        # watched from now on: a start failing in the background stops the demo load too
        watcher = asyncio.create_task(
            _serve_until_stopped(server, task, system.catching_up.values())
        )
        try:
            if on_ready is not None:
                ready = asyncio.create_task(_ready(on_ready, system, url))
                await asyncio.wait({watcher, ready}, return_when=asyncio.FIRST_COMPLETED)
                await _cancelled([ready])  # the system is stopping: the watcher says why
                if ready.done() and not ready.cancelled():
                    ready.result()
            await watcher
        except BaseException:
            server.should_exit = True
            await _cancelled([watcher])
            with contextlib.suppress(Exception):
                await task
            raise
    finally:
        await system.stop()
        listener.close()


async def _ready(
    on_ready: Callable[[RunningSystem, str], Awaitable[None] | None],
    system: RunningSystem,
    url: str,
) -> None:
    result = on_ready(system, url)
    if asyncio.iscoroutine(result):
        await result


def listen(host: str, port: int) -> socket.socket:
    """The HTTP socket, bound before anything starts; StartupError if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host
