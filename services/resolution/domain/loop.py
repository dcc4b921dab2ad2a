"""The round of the closed loop a case is in, and that round's own 48-hour clock.

A dissatisfied customer reopens the case (ISO 10002: a complaint stays open while the
complainant rejects the decision). The reopened case owes the customer a new closed
loop, so it gets a fresh clock from the moment it was reopened: its warnings and breach
are judged on that clock, not on the first round's, which stopped at the first
resolution (Zammad's users complain of the opposite: a reopened ticket escalates at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.resolution.domain.case import Case, TimelineEntry
from services.resolution.domain.sla import Deadlines, Pause, SlaPolicy, deadlines, time_left
from services.resolution.domain.workflow import CaseStatus, Step

AFTER_RESOLUTION = (CaseStatus.RESOLVED, CaseStatus.AWAITING_FEEDBACK, CaseStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class LoopRound:
    number: int
    """1, then one more each time the customer reopens the case."""
    started: datetime
    """Registration for the first round, the reopening for later ones."""
    stopped_at: datetime | None
    """When this round's clock stopped: its resolution, or the closing of a case that was
    never resolved (None: still running)."""
    pauses: tuple[Pause, ...]
    """Holds within this round: credited back to its clock."""

    def deadlines(self, policy: SlaPolicy, now: datetime) -> Deadlines:
        """This round's due times; a stopped clock is not pushed by holds after it stopped
        (waiting for the customer's rating is not loop time)."""
        stop = self.stop(now)
        return deadlines(self.started, policy, self._pauses_until(stop), now=stop)

    def stop(self, now: datetime) -> datetime:
        return self.stopped_at or now

    def time_left(self, policy: SlaPolicy, now: datetime) -> timedelta:
        """Negative once breached."""
        stop = self.stop(now)
        return time_left(self.started, policy, self._pauses_until(stop), stop)

    def breached(self, policy: SlaPolicy, now: datetime) -> bool:
        """Its clock ran past the due time (whether or not the sweeper saw it)."""
        return self.stop(now) > self.deadlines(policy, now).due_at

    def _pauses_until(self, stop: datetime) -> list[Pause]:
        return [
            Pause(started=p.started, ended=min(p.ended or stop, stop))
            for p in self.pauses
            if p.started < stop
        ]


_RATINGS = (Step.RECORD_FEEDBACK.value, Step.RECORD_FOLLOW_UP_CALL.value)


def reopens(entry: TimelineEntry) -> bool:
    """The step by which a dissatisfied customer's rating sent the case back to work (the
    rating of the remedy, or the one given on the 3-day call after closing)."""
    return entry.step in _RATINGS and entry.to_status is CaseStatus.INVESTIGATING


def loop_rounds(case: Case) -> list[LoopRound]:
    """Every round of the case's loop, read off its timeline (in order, so a step taken in
    the same instant as the reopening belongs to the new round)."""
    starts: list[datetime] = [case.registered_at]
    stopped: list[datetime | None] = [None]
    for entry in case.timeline:
        if reopens(entry):
            starts.append(max(starts[-1], entry.at))
            stopped.append(None)
        elif entry.step == Step.RESOLVE.value and entry.to_status is CaseStatus.RESOLVED:
            stopped[-1] = entry.at
    started = starts[-1]
    if stopped[-1] is None and case.resolved_at is not None and case.resolved_at >= started:
        status = case.held_from if case.status is CaseStatus.ON_HOLD else case.status
        if status in AFTER_RESOLUTION:  # resolved by a path the timeline does not show
            stopped[-1] = case.resolved_at
    if stopped[-1] is None and case.status is CaseStatus.CLOSED:  # closed unresolved (invalid)
        stopped[-1] = case.closed_at
    ends = [*starts[1:], None]
    return [
        LoopRound(
            number=number,
            started=start,
            stopped_at=stop,
            pauses=tuple(
                Pause(started=h.started, ended=h.ended)
                for h in case.holds
                if h.started >= start and (end is None or h.started < end)
            ),
        )
        for number, (start, stop, end) in enumerate(zip(starts, stopped, ends, strict=True), 1)
    ]


def current_round(case: Case) -> LoopRound:
    """The round the case is in now."""
    return loop_rounds(case)[-1]
