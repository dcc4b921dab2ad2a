"""The topic registry: which topic carries which event type."""

from __future__ import annotations

from typing import Final

INTAKE_EVENTS: Final = "complaints.intake.v1"
CASE_EVENTS: Final = "complaints.resolution.v1"
ANALYTICS_EVENTS: Final = "complaints.analytics.v1"
NOTIFICATIONS: Final = "complaints.notifications.v1"
DEAD_LETTERS: Final = "complaints.deadletter.v1"

ALL_TOPICS: Final[tuple[str, ...]] = (
    INTAKE_EVENTS,
    CASE_EVENTS,
    ANALYTICS_EVENTS,
    NOTIFICATIONS,
    DEAD_LETTERS,
)

_PREFIX_TO_TOPIC: Final[dict[str, str]] = {
    "complaint.": INTAKE_EVENTS,
    "case.": CASE_EVENTS,
    "analytics.": ANALYTICS_EVENTS,
    "notification.": NOTIFICATIONS,
}


def topic_for(event_type: str) -> str:
    """The topic an event type is published on, decided by its prefix."""
    for prefix, topic in _PREFIX_TO_TOPIC.items():
        if event_type.startswith(prefix):
            return topic
    raise ValueError(f"no topic is registered for event type {event_type!r}")
