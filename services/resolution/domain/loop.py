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

from services.resolution.domain.case import Case
from services.resolution.domain.sla import Deadlines, Pause, SlaPolicy, deadlines, time_left
from services.resolution.domain.workflow import CaseStatus, Step

_AFTER_RESOLUTION = (CaseStatus.RESOLVED, CaseStatus.AWAITING_FEEDBACK, CaseStatus.CLOSED)


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
        """This round's due times; once stopped, an open hold no longer pushes them."""
        return deadlines(self.started, policy, self.pauses, now=self.stop(now))

    def stop(self, now: datetime) -> datetime:
        return self.stopped_at or now

    def time_left(self, policy: SlaPolicy, now: datetime) -> timedelta:
        """Negative once breached."""
        return time_left(self.started, policy, self.pauses, self.stop(now))


def current_round(case: Case) -> LoopRound:
    """The round the case is in now, read off its timeline (in order, so a step taken in
    the same instant as the reopening still belongs to the new round)."""
    started, stopped = case.registered_at, None
    for entry in case.timeline:
        if entry.step == Step.RECORD_FEEDBACK.value and entry.to_status is CaseStatus.INVESTIGATING:
            started, stopped = max(started, entry.at), None
        elif entry.step == Step.RESOLVE.value and entry.to_status is CaseStatus.RESOLVED:
            stopped = entry.at
    if stopped is None and case.resolved_at is not None and case.resolved_at >= started:
        status = case.held_from if case.status is CaseStatus.ON_HOLD else case.status
        if status in _AFTER_RESOLUTION:  # resolved by a path the timeline does not show
            stopped = case.resolved_at
    if stopped is None and case.status is CaseStatus.CLOSED:  # closed unresolved (invalid)
        stopped = case.closed_at
    return LoopRound(
        number=case.reopened + 1,
        started=started,
        stopped_at=stopped,
        pauses=tuple(
            Pause(started=h.started, ended=h.ended) for h in case.holds if h.started >= started
        ),
    )
