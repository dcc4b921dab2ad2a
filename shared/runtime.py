"""One service's running parts: store, Kafka broker, subscribers, outbox relay, HTTP app.

Each service's ``bootstrap`` builds a :class:`ServiceRuntime` (its composition root);
`complaints serve` runs one, `complaints up` runs three under one origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from swagger_ui_bundle import swagger_ui_path

from shared.auth import TokenService
from shared.bus.consumer import Apply, EventConsumer, dead_letter_publisher
from shared.bus.kafka import create_broker, ensure_topics
from shared.bus.outbox import OutboxRelay
from shared.clock import Clock, SystemClock
from shared.contracts.topics import ALL_TOPICS
from shared.errors import StartupError
from shared.metrics import ServiceMetrics
from shared.secrets import token_secret
from shared.settings import ServiceName, Settings
from shared.storage.base import OpenableStore, OutboxMessage
from shared.web.limits import BodySizeLimit
from shared.web.problems import install_problem_handlers, problem

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Periodic:
    """A job the service runs every ``seconds`` while it is up (e.g. the SLA sweeper)."""

    name: str
    seconds: float
    run: Callable[[], Awaitable[object]]


async def _every(job: Periodic) -> None:
    while True:
        try:
            await job.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("periodic job failed", job=job.name, error=str(exc))
        await asyncio.sleep(job.seconds)


Handlers = Mapping[str, Apply]
"""Event type → the function that applies it; the topics follow from the types."""


class ServiceRuntime:
    def __init__(
        self,
        *,
        name: ServiceName,
        settings: Settings,
        store: OpenableStore,
        clock: Clock,
        routers: Sequence[APIRouter],
        handlers: Handlers | None = None,
        app_state: dict[str, Any] | None = None,
        periodic: Sequence[Periodic] = (),
        prepare: Sequence[Callable[[], Awaitable[object]]] = (),
        description: str = "",
    ) -> None:
        self.name = name
        self.settings = settings
        self.store = store
        self.clock = clock
        self.outbox_clock: Clock = SystemClock()
        """The outbox stamps its rows with the machine's time, whatever ``clock`` says (the
        demo moves it), so an event's age is measured on this one."""
        self.metrics = ServiceMetrics(name)
        self.tokens = TokenService(
            token_secret(settings), ttl=timedelta(hours=settings.token_ttl_hours), clock=clock
        )
        self._handlers = {
            event_type: self._applying(apply) for event_type, apply in (handlers or {}).items()
        }
        self._broker: KafkaBroker | None = None
        self.router = self._build_router()
        self.relay = OutboxRelay(
            store, self._publish, poll_seconds=settings.outbox_poll_seconds, metrics=self.metrics
        )
        self.app = self._create_app(routers, app_state or {}, description)
        self._started = False
        self._periodic = list(periodic)
        if settings.outbox_keep_days:
            self._periodic.append(
                Periodic("outbox-purge", settings.outbox_purge_seconds, self.purge_outbox)
            )
        self._prepare = list(prepare)
        """Run once the store is open and before any event is consumed (migrations)."""
        self.catching_up = asyncio.Event()
        """Set by a start-up step that will take long (recomputing read models after an
        upgrade): the rest of the system starts without waiting, and this service's HTTP
        answers 503 until it has started."""
        self._tasks: list[asyncio.Task[None]] = []

    def add_periodic(self, job: Periodic) -> None:
        """A job for a service built after its runtime (it needs the runtime's relay)."""
        if self._started:
            raise RuntimeError("periodic jobs are added before the runtime starts")
        self._periodic.append(job)

    @property
    def started(self) -> bool:
        return self._started

    def catch_up_in_background(self) -> None:
        """Called by a start-up step that is about to take long (see ``catching_up``)."""
        if not self._started:
            self.catching_up.set()

    def add_prepare(self, step: Callable[[], Awaitable[object]]) -> None:
        """A start-up step of a service built after its runtime."""
        if self._started:
            raise RuntimeError("start-up steps are added before the runtime starts")
        self._prepare.append(step)

    async def purge_outbox(self) -> int:
        """Delete the events published more than ``outbox_keep_days`` ago; how many."""
        cutoff = self.outbox_clock.now() - timedelta(days=self.settings.outbox_keep_days)
        purged = await self.store.purge_published(cutoff)
        if purged:
            await self.store.forget_deleted()
            log.info("published events purged from the outbox", service=self.name, n=purged)
        return purged

    # -- lifecycle -------------------------------------------------------------

    async def start(self, bootstrap: str, *, fresh_broker: bool = False) -> None:
        """Open the store, create topics, start consuming and relaying; StartupError on failure.

        ``fresh_broker``: the broker starts empty (embedded, in memory), so recent events
        are sent again from the outbox.
        """
        timeout = self.settings.startup_timeout
        await asyncio.wait_for(self.store.open(), timeout + 5)
        try:
            for step in self._prepare:
                try:
                    await step()
                except Exception as exc:
                    name = getattr(step, "__name__", "prepare")
                    raise StartupError(f"{self.name}: {name} failed: {exc}") from exc
            if fresh_broker and self.settings.embedded_replay_hours:
                cutoff = self.outbox_clock.now() - timedelta(
                    hours=self.settings.embedded_replay_hours
                )
                requeued = await self.store.requeue_since(cutoff)
                if requeued:
                    log.info("replaying outbox to the fresh broker", service=self.name, n=requeued)
            await ensure_topics(
                bootstrap, ALL_TOPICS, partitions=self.settings.kafka_partitions, timeout=timeout
            )
            broker = self.attach(create_broker(bootstrap, client_id=f"complaints-{self.name}"))
            await broker.start()
            self.relay.start()
            self._tasks = [
                asyncio.create_task(_every(job), name=job.name) for job in self._periodic
            ]
        except BaseException:
            await self.stop()
            raise
        self._started = True
        self.catching_up.clear()
        log.info("service started", service=self.name, bootstrap=bootstrap)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.relay.stop()
        if self._broker is not None:
            await self._broker.stop()
            self._broker = None
        await self.store.close()
        self._started = False  # ``catching_up`` stays: a start that failed keeps its 503

    @property
    def broker(self) -> KafkaBroker:
        if self._broker is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._broker

    async def _publish(self, message: OutboxMessage) -> None:
        await self.broker.publish(
            message.value,
            topic=message.topic,
            key=message.key.encode(),
            headers={
                "content-type": "application/json",
                "event-type": message.event_type,
                "event-id": message.event_id,
            },
        )

    def subscribe(self, handlers: Handlers) -> None:
        """Handlers known only after the runtime exists (its relay wakes their service)."""
        if self._broker is not None:
            raise RuntimeError("subscribe before the service starts")
        self._handlers.update(
            {event_type: self._applying(apply) for event_type, apply in handlers.items()}
        )
        self.router = self._build_router()

    def attach(self, broker: KafkaBroker) -> KafkaBroker:
        """Use this (not yet started) broker; FastStream's TestKafkaBroker can wrap it."""
        broker.include_router(self.router)
        self._broker = broker
        return broker

    def _build_router(self) -> KafkaRouter:
        """One consumer in the service's group for all the topics it reads."""
        router = KafkaRouter()
        if not self._handlers:
            return router
        consumer = EventConsumer(
            consumer=self.name,
            handlers=self._handlers,
            dead_letter=dead_letter_publisher(self._publish_raw),
            max_attempts=self.settings.consumer_max_attempts,
            metrics=self.metrics,
        )

        async def on_message(message: KafkaMessage) -> None:
            raw = message.raw_message
            assert not isinstance(raw, tuple), "batch subscribers are not used"
            await consumer.process(message.body, topic=raw.topic, key=raw.key)

        router.subscriber(
            *consumer.topics,
            group_id=self.name,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )(on_message)
        return router

    async def _publish_raw(self, *args: Any, **kwargs: Any) -> object:
        return await self.broker.publish(*args, **kwargs)

    def _applying(self, apply: Apply) -> Apply:
        """Wakes the relay after an applied event, so follow-up events leave at once."""

        async def wrapped(event: Any) -> bool:
            applied = await apply(event)
            if applied:
                self.relay.notify()
            return applied

        return wrapped

    # -- HTTP --------------------------------------------------------------------

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(self.store.ping(), 2)
            checks["store"] = "ok"
        except Exception as exc:
            checks["store"] = f"unreachable: {exc or type(exc).__name__}"
        try:
            ok = self._broker is not None and await self._broker.ping(timeout=2)
            checks["broker"] = "ok" if ok else "unreachable"
        except Exception as exc:
            checks["broker"] = f"unreachable: {exc or type(exc).__name__}"
        if self.catching_up.is_set():
            checks["start"] = "recomputing read models"
        return checks

    def _create_app(
        self, routers: Sequence[APIRouter], state: dict[str, Any], description: str
    ) -> FastAPI:
        app = FastAPI(
            title=f"Complaints — {self.name}",
            description=description,
            version="0.1.0",
            docs_url=None,  # served from the package below, not from a CDN
            redoc_url=None,
        )
        app.state.runtime = self
        app.state.tokens = self.tokens
        app.state.clock = self.clock
        for key, value in state.items():
            setattr(app.state, key, value)
        install_problem_handlers(app)
        app.add_middleware(BodySizeLimit, max_bytes=self.settings.max_body_bytes)
        for router in routers:
            app.include_router(router)
        _add_ops_routes(app, self)
        _add_api_docs(app)
        _add_catch_up_gate(app, self)
        _add_metrics_middleware(app, self.metrics)
        return app


def _add_api_docs(app: FastAPI) -> None:
    """Swagger UI from the installed ``swagger-ui-bundle``: FastAPI's default fetches it from
    cdn.jsdelivr.net, which a dealership's network (or mainland China) may not reach."""
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def api_docs(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", ""))
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-assets/favicon-32x32.png",
        )


def _add_ops_routes(app: FastAPI, runtime: ServiceRuntime) -> None:
    @app.get("/healthz", tags=["ops"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.get("/readyz", tags=["ops"], summary="Broker and store are reachable", response_model=None)
    async def readyz(request: Request) -> Response | dict[str, object]:
        checks = await runtime.readiness()
        if all(value == "ok" for value in checks.values()):
            return {"status": "ready", "service": runtime.name, "checks": checks}
        return problem(503, "not ready", instance=request.url.path, checks=checks)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        runtime.metrics.outbox_pending.set(await runtime.store.count_pending_outbox())
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


_OPS_PATHS = ("/healthz", "/readyz", "/metrics")
CATCH_UP_RETRY_SECONDS = 30


def _add_catch_up_gate(app: FastAPI, runtime: ServiceRuntime) -> None:
    """While the service recomputes its read models its answers would be wrong or empty:
    503 with Retry-After instead (a page for a browser), the ops routes still answer."""

    @app.middleware("http")
    async def gate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not runtime.catching_up.is_set() or request.url.path.endswith(_OPS_PATHS):
            return await call_next(request)
        headers = {"Retry-After": str(CATCH_UP_RETRY_SECONDS)}
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_catch_up_page(runtime.name), 503, headers=headers)
        return problem(
            503,
            f"{runtime.name} is recomputing its read models after an upgrade;"
            f" try again in {CATCH_UP_RETRY_SECONDS} s",
            instance=request.url.path,
            headers=headers,
            code="catching_up",
        )


def _catch_up_page(name: str) -> str:
    """Both languages: the page cannot know the user's before its service is up."""
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{CATCH_UP_RETRY_SECONDS}">'
        "<title>正在启动 · Starting</title></head><body>"
        "<p>该服务正在升级后重新计算报表，完成后本页会自动打开。其他功能（登记、处理投诉）照常可用。</p>"
        f'<p lang="en">{name} is recomputing its reports after an upgrade; this page opens'
        " by itself when it is done. Everything else (recording and handling complaints)"
        " works as usual.</p></body></html>"
    )


def _add_metrics_middleware(app: FastAPI, metrics: ServiceMetrics) -> None:
    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = _route_template(request)
        metrics.http_requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.http_latency.labels(request.method, route).observe(time.perf_counter() - started)
        return response


def _route_template(request: Request) -> str:
    """The matched route's path template, so metrics do not explode per complaint id.

    Routing records the route it chose in the scope (included routers are nested, so
    matching the app's top-level routes again would miss them)."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"
