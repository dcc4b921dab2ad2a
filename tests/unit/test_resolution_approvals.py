"""Approval rules: the right head, never one's own proposal, a general manager above ¥5,000."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.resolution.domain.approvals import (
    ApprovalRefusedError,
    Approver,
    approvals_complete,
    check_approver,
)

HEAD = Approver("hu", "department_head", "after_sales")
OTHER_HEAD = Approver("sun", "department_head", "sales")
GM = Approver("gao", "general_manager")
ADMIN = Approver("root", "admin")


@pytest.mark.parametrize("approver", [HEAD, GM, ADMIN])
def test_who_may_approve(approver: Approver) -> None:
    check_approver(approver, owning_department="after_sales", proposed_by="olga", earlier=[])


@pytest.mark.parametrize(
    ("approver", "reason"),
    [
        (OTHER_HEAD, "only the head of after_sales"),
        (Approver("ola", "owner", "after_sales"), "may not approve"),
        (Approver("q", "quality"), "may not approve"),
        (Approver("a", "agent"), "may not approve"),
    ],
)
def test_who_may_not(approver: Approver, reason: str) -> None:
    with pytest.raises(ApprovalRefusedError, match=reason):
        check_approver(approver, owning_department="after_sales", proposed_by="olga", earlier=[])


def test_nobody_approves_their_own_proposal_or_twice() -> None:
    with pytest.raises(ApprovalRefusedError, match="own proposal"):
        check_approver(HEAD, owning_department="after_sales", proposed_by="hu", earlier=[])
    with pytest.raises(ApprovalRefusedError, match="already approved"):
        check_approver(GM, owning_department="after_sales", proposed_by="olga", earlier=[GM])


@pytest.mark.parametrize(
    ("amount", "approvals", "complete"),
    [
        (Decimal(0), [], False),
        (Decimal(800), [HEAD], True),
        (Decimal(5000), [HEAD], True),
        (Decimal("5000.01"), [HEAD], False),
        (Decimal(12000), [HEAD, GM], True),
        (Decimal(12000), [GM], False),
        (Decimal(12000), [HEAD, ADMIN], False),
    ],
)
def test_second_approval_above_the_threshold(
    amount: Decimal, approvals: list[Approver], complete: bool
) -> None:
    assert approvals_complete(approvals, amount=amount) is complete
