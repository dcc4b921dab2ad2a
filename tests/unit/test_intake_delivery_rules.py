"""Where a customer message goes and how long its sending is retried (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.delivery import (
    DEFAULT_MAX_AGE,
    ERASED_TEXT,
    LEASE,
    RETRY_AFTER,
    Delivery,
    after_failure,
    delivery_for,
    expired_if_late,
    leased,
)
from shared.contracts.notifications import NotificationRequested
from shared.vocab import Channel

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def request(medium: str = "as_registered") -> NotificationRequested:
    return NotificationRequested(
        complaint_id="c-1",
        ticket_no="TS-20261207-0001",
        purpose="progress",
        medium=medium,
        language="zh",
        recipient_masked="complainant",
        text="您的投诉已指定专人负责。",
    )


def made(
    channel: Channel,
    medium: str = "as_registered",
    *,
    phone: bool = True,
    email: bool = False,
    erased: bool = False,
    age: timedelta = timedelta(0),
) -> Delivery:
    return delivery_for(
        request(medium),
        request_id="e-1",
        requested_at=NOW - age,
        channel=channel,
        has_phone=phone,
        has_email=email,
        erased=erased,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("channel", "phone", "medium"),
    [
        (Channel.HOTLINE, True, "sms"),
        (Channel.WECHAT, True, "wechat"),
        (Channel.EMAIL, True, "email"),
        (Channel.WEB, False, "email"),
    ],
)
def test_as_registered_means_the_channel_the_customer_came_by(
    channel: Channel, phone: bool, medium: str
) -> None:
    delivery = made(channel, phone=phone, email=not phone)
    assert (delivery.medium, delivery.status, delivery.next_attempt_at) == (medium, "pending", NOW)


def test_a_reply_on_weibo_or_to_the_regulator_is_a_persons_job() -> None:
    for channel in (Channel.WEIBO, Channel.REGULATOR):
        delivery = made(channel)
        assert (delivery.status, delivery.settled_at, delivery.next_attempt_at) == (
            "manual",
            NOW,
            None,
        )


def test_stale_news_is_not_sent_and_nothing_is_kept_for_an_erased_customer() -> None:
    assert made(Channel.HOTLINE, age=DEFAULT_MAX_AGE).status == "pending"
    late = made(Channel.HOTLINE, age=DEFAULT_MAX_AGE + timedelta(minutes=1))
    assert (late.status, late.reason, late.detail) == (
        "expired",
        "too_late",
        "requested 24 hours before",
    )
    waiting = made(Channel.HOTLINE)
    assert expired_if_late(waiting, NOW + DEFAULT_MAX_AGE, DEFAULT_MAX_AGE) is waiting
    assert expired_if_late(waiting, NOW + 2 * DEFAULT_MAX_AGE, DEFAULT_MAX_AGE).status == "expired"
    erased = made(Channel.HOTLINE, erased=True)
    assert (erased.status, erased.text) == ("undeliverable", ERASED_TEXT)


def test_a_named_medium_is_kept_and_an_unknown_one_refused() -> None:
    assert made(Channel.HOTLINE, "email").medium == "email"
    with pytest.raises(ValueError, match="fax"):
        made(Channel.HOTLINE, "fax")


def test_each_failure_waits_longer_and_the_last_one_fails_the_message() -> None:
    delivery, at, pauses = made(Channel.HOTLINE), NOW, []
    while not delivery.settled:
        delivery = after_failure(leased(delivery, at), at, "503", permanent=False)
        if delivery.next_attempt_at is not None:
            pauses.append(delivery.next_attempt_at - at)
            at = delivery.next_attempt_at
    assert pauses == list(RETRY_AFTER)
    assert (delivery.status, delivery.attempts, delivery.reason, delivery.detail) == (
        "failed",
        len(RETRY_AFTER) + 1,
        "unreachable",
        "503",
    )


def test_a_refusal_fails_at_once_and_an_attempt_holds_the_message_for_its_lease() -> None:
    taken = leased(made(Channel.HOTLINE), NOW)
    assert (taken.attempts, taken.next_attempt_at) == (1, NOW + LEASE)
    refused = after_failure(taken, NOW + timedelta(seconds=1), "400 bad number", permanent=True)
    assert (refused.status, refused.attempts, refused.reason) == ("failed", 1, "refused")
