"""The reminders and escalations the SLA sweeper fires, as an inbox for the people told.

A milestone event says who must act (``notify``: the owner, the department head, the
general manager or the front desk); the event itself goes to Kafka, where nobody in the
dealership reads it. Each one is also kept as an alert the person finds on their next page
and marks as read, so "the head was told at 90 %" is something the head actually saw.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.resolution.domain.case import Actor
from shared.vocab import Accountable

REOPENED_ALERT = "reopened"
"""Not a deadline: the customer's low rating reopened the case (told to its head)."""

OWNER_LEFT_ALERT = "owner_left"
"""Not a deadline: the case's owner left (or moved department); its head names another."""


class Alert(BaseModel):
    """One milestone, addressed to one role (and, for an owner or a head, one person or
    department)."""

    model_config = ConfigDict(frozen=True)

    id: str
    """The milestone event's id: fired once, kept once."""
    complaint_id: str
    ticket_no: str
    milestone: str
    notify: Accountable
    owner: str | None = None
    """The case's owner when it fired: an owner's alert is theirs."""
    department: str | None = None
    """The department told (a head's alert is for that department's head)."""
    due_at: datetime
    """When the milestone came due."""
    deadline_at: datetime | None = None
    """The deadline it warns about (None: ``due_at``, or an alert of older code)."""
    at: datetime
    stage: str | None = None
    round: int = 1
    read_at: datetime | None = None
    read_by: str | None = None


Reader = Actor
"""Whose inbox: a login, a role and, for a head, a department (the case's ``Actor``)."""


def addressee(
    notify: Accountable,
    owner: str | None,
    department: str | None,
    *,
    owner_gone: bool = False,
) -> Accountable:
    """Who can actually be told: an owner's reminder on a case nobody owns yet, or whose
    owner has left or moved (``owner_gone``), goes to the department's head (to name one),
    or to the front desk while no department holds it; a head's alert with no department
    to the general manager. Nobody's inbox stays empty for want of a name."""
    if notify is Accountable.OWNER and (owner is None or owner_gone):
        return Accountable.DEPARTMENT_HEAD if department else Accountable.AGENT
    if notify is Accountable.DEPARTMENT_HEAD and department is None:
        return Accountable.GENERAL_MANAGER
    return notify


def addressed_to(alert: Alert, reader: Reader) -> bool:
    """Whether ``reader`` may read it: the one told, or an administrator (who reads every
    inbox but clears none: ``told``)."""
    return reader.role == "admin" or told(alert, reader)


def told(alert: Alert, reader: Reader) -> bool:
    """Whether ``reader`` is the one the alert was addressed to."""
    match alert.notify:
        case Accountable.OWNER:
            return reader.role == "owner" and alert.owner == reader.user
        case Accountable.DEPARTMENT_HEAD:
            return reader.role == "department_head" and alert.department == reader.department
        case Accountable.GENERAL_MANAGER:
            return reader.role == "general_manager"
        case Accountable.AGENT:
            return reader.role == "agent"
    return False


def inbox_filter(reader: Reader, *, own_only: bool = False) -> dict[str, str] | None:
    """``addressed_to`` (``told`` with ``own_only``) as equalities a store can index (empty:
    every alert; None: none)."""
    if reader.role == "admin":
        return None if own_only else {}
    if reader.role == "owner":
        return {"notify": Accountable.OWNER.value, "owner": reader.user}
    if reader.role == "department_head":
        if reader.department is None:
            return None
        return {"notify": Accountable.DEPARTMENT_HEAD.value, "department": reader.department}
    if reader.role in (Accountable.GENERAL_MANAGER.value, Accountable.AGENT.value):
        return {"notify": reader.role}
    return None
