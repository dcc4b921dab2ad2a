"""structlog set up once per process: readable in a terminal, JSON in containers."""

from __future__ import annotations

import logging

import structlog


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), format="%(name)s: %(message)s")
    quiet = logging.WARNING if numeric <= logging.DEBUG else logging.CRITICAL
    kafka_logger = logging.getLogger("complaints.kafka")
    kafka_logger.setLevel(logging.WARNING)
    kafka_logger.addFilter(_drop_topic_creation_hint)
    for noisy in ("aiokafka", "faststream", "pymongo"):
        # these libraries log every reconnect attempt; our own errors say what matters
        logging.getLogger(noisy).setLevel(quiet)


def _drop_topic_creation_hint(record: logging.LogRecord) -> bool:
    """FastStream warns that auto-creation is off; the services create their topics."""
    return "Auto create topics is disabled" not in record.getMessage()
