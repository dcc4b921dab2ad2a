"""When a complaint's personal data may and must be erased (services/intake/domain/erasure.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.erasure import check_erasable, retention_cutoff
from shared.errors import ConflictError

NOW = datetime(2029, 6, 1, 12, 0, tzinfo=UTC)


def test_the_retention_period_counts_back_from_now_and_zero_keeps_for_ever() -> None:
    assert retention_cutoff(NOW, 1095) == NOW - timedelta(days=1095)
    assert retention_cutoff(NOW, 0) is None


def test_a_customer_with_an_open_case_is_not_erased_and_told_which() -> None:
    check_erasable([])
    with pytest.raises(ConflictError) as refused:
        check_erasable(["TS-20290601-0001", "TS-20290601-0002"])
    assert refused.value.extra == {
        "code": "complaint_open",
        "tickets": "TS-20290601-0001, TS-20290601-0002",
    }
