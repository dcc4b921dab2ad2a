"""Who may approve a remedy: the owning department's head (or the general manager or an
admin), never the person who proposed it; above a threshold a general manager approves too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_SECOND_APPROVAL_ABOVE = Decimal(5000)


@dataclass(frozen=True)
class Approver:
    user: str
    role: str
    department: str | None = None


class ApprovalRefusedError(PermissionError):
    """This person may not approve this remedy; the message says why, ``code`` and
    ``params`` let a page say it in its language."""

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def check_approver(
    approver: Approver,
    *,
    owning_department: str,
    proposed_by: str,
    earlier: Sequence[Approver],
) -> None:
    if approver.user == proposed_by:
        raise ApprovalRefusedError("own_proposal", "nobody approves their own proposal")
    if any(previous.user == approver.user for previous in earlier):
        raise ApprovalRefusedError(
            "already_approved", f"{approver.user} has already approved this remedy"
        )
    if approver.role in ("general_manager", "admin"):
        return
    if approver.role == "department_head" and approver.department == owning_department:
        return
    if approver.role == "department_head":
        raise ApprovalRefusedError(
            "other_department_approval",
            f"only the head of {owning_department} (or a general manager) may approve this",
            department=owning_department,
        )
    raise ApprovalRefusedError(
        "role_may_not_approve",
        f"the role {approver.role} may not approve remedies",
        role=approver.role,
    )


def approvals_complete(
    approvals: Sequence[Approver],
    *,
    amount: Decimal,
    second_approval_above: Decimal = DEFAULT_SECOND_APPROVAL_ABOVE,
) -> bool:
    """One approval suffices up to the threshold; above it, two, one by a general manager."""
    if not approvals:
        return False
    if amount <= second_approval_above:
        return True
    return len(approvals) >= 2 and any(a.role == "general_manager" for a in approvals)


def waits_for(
    role: str,
    approvals: Sequence[Approver],
    *,
    amount: Decimal,
    second_approval_above: Decimal = DEFAULT_SECOND_APPROVAL_ABOVE,
    proposed_by_head: bool = False,
) -> bool:
    """Whether a remedy pending approval waits for someone in ``role`` (their inbox): a head
    for the department's approval; a general manager above the threshold, or when the head
    proposed it (nobody approves their own proposal); an admin sees every one."""
    if role == "admin":
        return True
    if role == "general_manager":
        gm_needed = amount > second_approval_above or (proposed_by_head and not approvals)
        return gm_needed and not any(a.role == "general_manager" for a in approvals)
    if role == "department_head":
        return not any(a.role == "department_head" for a in approvals)
    return False
