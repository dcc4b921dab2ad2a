"""The dealership's staff directory: who may own a department's cases, and the name the
customer is told ("已由专人王丽负责处理", not a login).

Owners were free text, so a typo assigned a case to nobody and the customer read "olga".
A department that has people in the directory takes only them as owners (and only those
still active); a department nobody has entered yet still takes any name, so a dealership
can start without one and fill it in as it goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.errors import InvalidValueError
from shared.vocab import Department

LOGIN_PATTERN = r"^[\w.@-]{1,64}$"
"""Letters, digits, ``_ . @ -``: a login is also a path segment and a query value."""
Login = Annotated[str, StringConstraints(strip_whitespace=True, pattern=LOGIN_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class StaffDetails(BaseModel):
    """What the directory says of a person."""

    model_config = ConfigDict(frozen=True)

    name: Name
    """Shown to colleagues and, as the owner, to the customer."""
    department: Department | None = None
    """The department whose cases they may own (none: they own no cases)."""
    title: Title = ""
    active: bool = True
    """Someone who left stays in the directory (old cases name them) but owns no new case."""


class StaffMember(StaffDetails):
    """One person; ``user`` is the login their token names."""

    user: Login


def owner_problem(
    members: Iterable[StaffMember], department: Department, owner: str
) -> InvalidValueError | None:
    """Why ``owner`` may not own a case of ``department``, or None."""
    members = list(members)
    own = [m for m in members if m.department is department]
    if not own:
        return None  # nobody entered for this department yet: any name, as before
    match = next((m for m in members if m.user == owner), None)
    if match is not None and match.department is department and match.active:
        return None
    choices = ", ".join(sorted(m.user for m in own if m.active)) or "—"
    if match is not None and match.department is department:
        return InvalidValueError(
            "owner_inactive", f"{owner} no longer works here", owner=owner, choices=choices
        )
    return InvalidValueError(
        "owner_not_in_department",
        f"{owner} is not on the {department.value} staff; choose one of: {choices}",
        owner=owner,
        department=department.value,
        choices=choices,
    )


def stops_owning(before: StaffMember | None, after: StaffMember) -> bool:
    """Whether this change takes someone off the cases they own: they left, or moved to
    another department (whose cases are not the ones they hold)."""
    if before is None or not before.active:
        return False
    return not after.active or after.department is not before.department


def departed(members: Iterable[StaffMember]) -> frozenset[str]:
    """The logins of those who no longer work here: their cases need another owner, and
    what is addressed to them would reach nobody."""
    return frozenset(m.user for m in members if not m.active)


def no_longer_owns(
    members: Iterable[StaffMember], owner: str | None, department: str | None
) -> bool:
    """Whether the directory says ``owner`` can no longer hold a case of ``department``:
    they left, or moved to another department (someone not in it at all: as before)."""
    member = next((m for m in members if m.user == owner), None)
    if member is None:
        return False
    if not member.active:
        return True
    held = member.department.value if member.department else None
    return department is not None and held != department


def shown_name(members: Iterable[StaffMember], user: str | None) -> str:
    """The name to tell the customer: the directory's, else the login as it was given."""
    if user is None:
        return ""
    return next((m.name for m in members if m.user == user), user)
