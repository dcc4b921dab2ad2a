"""Delivering what the customer is told: where each message goes, and what happens when
the gateway fails.

Every ``notification.requested`` becomes one :class:`Delivery`. Intake owns the
customer's addresses, so it is the only service that can send; the others only say what to
tell. A delivery is tried until the gateway accepts it, with growing pauses, and settles
as failed after the last one, so an owner can still call the customer in time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

from pydantic import BaseModel, ConfigDict

from services.intake.domain.acknowledgement import Medium, medium_for
from shared.contracts.notifications import (
    DeliveryStatus,
    NotificationRequested,
    Purpose,
    ReasonCode,
)
from shared.vocab import Channel, Language

AS_REGISTERED = "as_registered"
"""The medium a service asks for when it leaves the choice to intake: the channel's."""

Address = Literal["phone", "email", "wechat_openid", "customer_id"]

ADDRESS_OF: dict[Medium, Address] = {
    "sms": "phone",
    "email": "email",
    "wechat": "wechat_openid",
    "app": "customer_id",
}
"""What each automatic medium is sent to; the others (a reply on Weibo, to the
manufacturer or the regulator) are answered by a person where the complaint came from."""

RETRY_AFTER: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
"""The pause before each further attempt; after the last one the delivery has failed.
About 2.5 hours in all: a gateway down for longer is a failure an owner must hear about
well inside the 48-hour loop."""

ERASED_TEXT = ""
"""A message's text once its customer's personal data was erased (it named them)."""

LEASE = timedelta(minutes=2)
"""How long an attempt holds a delivery: another sender (a second intake) leaves it alone
until then, and a sender that died mid-attempt lets it be tried again after it."""

DEFAULT_MAX_AGE = timedelta(hours=24)
"""A message not yet sent this long after it was requested is not sent at all (after an
outage, or when a new intake reads the past week's requests again)."""

Status = Literal["pending", "sent", "recorded", "manual", "undeliverable", "failed", "expired"]


class Delivery(BaseModel):
    """One message to one customer and where its sending stands."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    """The requesting event's id: the gateway's idempotency key, so a retry after a crash
    between sending and recording it is not a second SMS."""
    complaint_id: str
    ticket_no: str
    purpose: Purpose
    medium: Medium
    language: Language
    text: str
    recipient_masked: str
    requested_at: datetime
    status: Status = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    settled_at: datetime | None = None
    reason: ReasonCode | None = None
    """Why it was not sent (yet), as a code."""
    detail: str | None = None
    """What the gateway answered (its status, never its words) or which error it was."""
    provider_ref: str | None = None
    step: str | None = None
    """The case step whose news it is, if any."""

    @property
    def settled(self) -> bool:
        return self.status != "pending"


def delivery_for(
    request: NotificationRequested,
    *,
    request_id: str,
    requested_at: datetime,
    channel: Channel,
    has_phone: bool,
    has_email: bool,
    erased: bool = False,
    masked_addresses: Mapping[Address, str | None] | None = None,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    now: datetime,
) -> Delivery:
    """The delivery a request asks for, due at once. Settled at once instead: ``manual``
    when no gateway reaches the medium; ``expired`` when the request is older than
    ``max_age`` (news that late is wrong news: the owner calls instead); ``undeliverable``
    when the customer's data was erased (nothing of the text is kept).
    ``masked_addresses``: the customer's addresses, masked; the one for the medium is
    what the delivery says it went to."""
    if request.medium == AS_REGISTERED:
        medium = medium_for(channel, has_phone=has_phone, has_email=has_email)
    else:
        medium = _medium(request.medium)
    address = ADDRESS_OF.get(medium)
    shown = (masked_addresses or {}).get(address) if address else None
    delivery = Delivery(
        request_id=request_id,
        complaint_id=request.complaint_id,
        ticket_no=request.ticket_no,
        purpose=request.purpose,
        medium=medium,
        language=request.language,
        text=ERASED_TEXT if erased else request.text,
        recipient_masked=shown or request.recipient_masked,
        requested_at=requested_at,
        next_attempt_at=now,
        step=request.step,
    )
    if erased:
        return settle(delivery, "undeliverable", now, reason="erased")
    if medium not in ADDRESS_OF:
        return settle(delivery, "manual", now, reason="manual_medium")
    return expired_if_late(delivery, now, max_age)


def expired_if_late(delivery: Delivery, now: datetime, max_age: timedelta | None) -> Delivery:
    """The delivery settled as ``expired`` when it is older than ``max_age`` (None: never),
    else as it is."""
    age = now - delivery.requested_at
    if max_age is None or age <= max_age:
        return delivery
    late = f"requested {age / timedelta(hours=1):.0f} hours before"
    return settle(delivery, "expired", now, reason="too_late", detail=late)


def _medium(name: str) -> Medium:
    if name not in get_args(Medium):
        raise ValueError(f"unknown medium {name!r}")
    return cast(Medium, name)


def leased(delivery: Delivery, now: datetime) -> Delivery:
    """The delivery as one attempt takes it: counted, and held for :data:`LEASE`."""
    return delivery.model_copy(
        update={"attempts": delivery.attempts + 1, "next_attempt_at": now + LEASE}
    )


def after_failure(delivery: Delivery, now: datetime, detail: str, *, permanent: bool) -> Delivery:
    """A failed attempt: tried again after the next pause, or settled as failed when the
    gateway refused it for good (``refused``) or the pauses are used up (``unreachable``)."""
    reason: ReasonCode = "refused" if permanent else "unreachable"
    if permanent or delivery.attempts > len(RETRY_AFTER):
        return settle(delivery, "failed", now, reason=reason, detail=detail)
    pause = RETRY_AFTER[delivery.attempts - 1]
    update = {"next_attempt_at": now + pause, "reason": reason, "detail": detail}
    return delivery.model_copy(update=update)


def settle(
    delivery: Delivery,
    status: DeliveryStatus,
    now: datetime,
    *,
    reason: ReasonCode | None = None,
    detail: str | None = None,
    provider_ref: str | None = None,
) -> Delivery:
    return delivery.model_copy(
        update={
            "status": status,
            "settled_at": now,
            "next_attempt_at": None,
            "reason": reason,
            "detail": detail,
            "provider_ref": provider_ref,
        }
    )
