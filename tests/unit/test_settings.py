"""Settings that contradict each other are refused when read, in one clear message."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_an_outbox_kept_shorter_than_the_embedded_brokers_replay_is_refused() -> None:
    with pytest.raises(ValidationError, match="COMPLAINTS_OUTBOX_KEEP_DAYS"):
        Settings(kafka_bootstrap="", outbox_keep_days=2, embedded_replay_hours=168)


def test_with_kafka_the_outbox_need_not_cover_a_replay_that_never_happens() -> None:
    settings = Settings(kafka_bootstrap="kafka:9092", outbox_keep_days=2, embedded_replay_hours=168)
    assert settings.outbox_keep_days == 2
