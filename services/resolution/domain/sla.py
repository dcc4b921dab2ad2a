"""Due times of the closed loop, as pure functions of registration, policy and pauses.

Calendar hours by default (the manual's 48 hours); optionally business hours with
holidays. Time on hold waiting for the customer does not count: each pause pushes every
deadline that was still running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.calendar import BusinessCalendar
from shared.vocab import DEFAULT_STAGE_SHARES

_DEALERSHIP_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class SlaPolicy:
    resolve_hours: float = 48
    first_contact_hours: float = 2
    owner_hours: float = 4
    customer_update_hours: float = 24
    """At most this long without news for the customer of an open case (0: not watched)."""
    early_warn_at: float = 0.5
    warn_at: float = 0.75
    final_warn_at: float = 0.9
    gm_escalation_at: float = 1.5
    calendar: BusinessCalendar | None = None
    zone: ZoneInfo = _DEALERSHIP_ZONE
    """The dealership's time zone: what the customer is told is in its local time."""
    stage_shares: tuple[tuple[str, float], ...] = DEFAULT_STAGE_SHARES

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return self.calendar.add(start, duration) if self.calendar else start + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return (
            self.calendar.between(start, end) if self.calendar else max(end - start, timedelta(0))
        )


@dataclass(frozen=True)
class Pause:
    started: datetime
    ended: datetime | None = None


@dataclass(frozen=True)
class Deadlines:
    first_contact_due: datetime
    owner_due: datetime
    early_warn_at: datetime
    warn_at: datetime
    final_warn_at: datetime
    due_at: datetime
    gm_escalation_at: datetime
    paused: timedelta = field(default=timedelta(0))


def paused_time(policy: SlaPolicy, pauses: Sequence[Pause], now: datetime) -> timedelta:
    return sum((policy.elapsed(p.started, p.ended or now) for p in pauses), start=timedelta(0))


def deadlines(
    registered_at: datetime, policy: SlaPolicy, pauses: Sequence[Pause] = (), *, now: datetime
) -> Deadlines:
    """Every deadline of a case; an open pause keeps pushing them until it ends."""
    paused = paused_time(policy, pauses, now)

    def after(hours: float) -> datetime:
        return policy.add(registered_at, timedelta(hours=hours) + paused)

    return Deadlines(
        first_contact_due=after(policy.first_contact_hours),
        owner_due=after(policy.owner_hours),
        early_warn_at=after(policy.resolve_hours * policy.early_warn_at),
        warn_at=after(policy.resolve_hours * policy.warn_at),
        final_warn_at=after(policy.resolve_hours * policy.final_warn_at),
        due_at=after(policy.resolve_hours),
        gm_escalation_at=after(policy.resolve_hours * policy.gm_escalation_at),
        paused=paused,
    )


def time_left(
    registered_at: datetime, policy: SlaPolicy, pauses: Sequence[Pause], now: datetime
) -> timedelta:
    """Negative once breached."""
    due = deadlines(registered_at, policy, pauses, now=now).due_at
    if due >= now:
        return policy.elapsed(now, due)
    return -policy.elapsed(due, now)
