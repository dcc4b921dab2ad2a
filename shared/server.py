"""Runs services and their HTTP apps in this process, under one origin."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

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

    def runtime(self, name: ServiceName) -> ServiceRuntime:
        return next(r for r in self.runtimes if r.name == name)

    async def stop(self) -> None:
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
    results = await asyncio.gather(
        *(runtime.start(bootstrap, fresh_broker=broker is not None) for runtime in runtimes),
        return_exceptions=True,
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        await system.stop()
        raise failures[0]
    return system


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
        if on_ready is not None:
            result = on_ready(system, url)
            if asyncio.iscoroutine(result):
                await result
        await task
    finally:
        await system.stop()
        listener.close()


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
