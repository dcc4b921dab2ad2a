"""When a complaint's personal data may be erased, and when it must be.

PIPL (个人信息保护法) art. 47: a customer may have their personal data deleted; art. 19:
it is kept no longer than its purpose needs. A complaint's purpose ends with its case,
so erasure waits for the closing (the loop still needs to reach the customer), and the
retention period runs from then: by default three years, the Civil Code's limitation
period for a dispute (art. 188). What is left is the handling record, without a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.errors import ConflictError
from shared.vocab import Channel

ERASURE_VERSION = 2
"""What an erasure drops, as a number stored with each erased complaint, so complaints
erased by an older version are erased again with what was added since. 1: the customer's
name, contacts, ID, car identity, words and look-ups. 2: also the ids the customer's
channels gave their messages, and the complaint's events already sent from the outbox."""

ERASED_NAME = ""
"""The name an erased complaint shows; pages say "personal data erased" instead."""


AGENCY_CASE_CHANNELS: frozenset[Channel] = frozenset({Channel.MANUFACTURER, Channel.REGULATOR})
"""Channels whose message id is an agency's case number, which the dealership still answers
to after the erasure; every other channel's id names the customer's own post, message,
chat or submission, and goes with them."""


def kept_external_id(channel: Channel, external_id: str | None) -> str | None:
    """What an erased complaint keeps of the id its channel gave it."""
    return external_id if channel in AGENCY_CASE_CHANNELS else None


def erased_by_an_older_version(erased_at: datetime | None, version: int) -> bool:
    """Whether an erased complaint still holds what later versions drop."""
    return erased_at is not None and version < ERASURE_VERSION


def retention_cutoff(now: datetime, days: int) -> datetime | None:
    """Complaints whose retention started before this are past it; None: kept for ever."""
    return now - timedelta(days=days) if days > 0 else None


def check_erasable(open_tickets: Sequence[str]) -> None:
    """All of a customer's complaints are erased together, or none: none while one is open."""
    if open_tickets:
        tickets = ", ".join(open_tickets)
        raise ConflictError(
            f"the case of {tickets} is still open: close it before erasing the customer's data",
            code="complaint_open",
            tickets=tickets,
        )
