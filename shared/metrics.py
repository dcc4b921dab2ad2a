"""Prometheus metrics, one registry per service so `complaints up` keeps them apart."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.events_published = Counter(
            "events_published_total",
            "Events relayed from the outbox",
            ["topic"],
            registry=self.registry,
        )
        self.events_consumed = Counter(
            "events_consumed_total",
            "Events received, by outcome (applied, duplicate, ignored, dead_lettered)",
            ["topic", "outcome"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "outbox_pending", "Events written but not yet published", registry=self.registry
        )
