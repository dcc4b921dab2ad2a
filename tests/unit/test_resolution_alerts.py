"""Whose inbox an SLA alert lands in: the owner named on the case, the head of the
department told, the general manager, the front desk; an administrator reads them all.
The store's filter (``inbox_filter``) says the same as ``addressed_to``."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from services.resolution.domain.alerts import Alert, Reader, addressed_to, inbox_filter
from shared.vocab import Accountable

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
READERS = [
    Reader(user="olga", role="owner", department="after_sales"),
    Reader(user="otto", role="owner", department="after_sales"),
    Reader(user="hu", role="department_head", department="after_sales"),
    Reader(user="sun", role="department_head", department="sales"),
    Reader(user="gao", role="general_manager"),
    Reader(user="amy", role="agent"),
    Reader(user="q", role="quality"),
    Reader(user="root", role="admin"),
]


def alert(notify: Accountable, department: str | None = "after_sales") -> Alert:
    return Alert(
        id=f"e-{notify.value}",
        complaint_id="c-1",
        ticket_no="TS-1",
        milestone="warning",
        notify=notify,
        owner="olga",
        department=department,
        due_at=T0,
        at=T0,
    )


def told(notify: Accountable) -> set[str]:
    return {r.user for r in READERS if addressed_to(alert(notify), r)}


def test_each_alert_reaches_the_one_it_names_and_the_administrator() -> None:
    assert told(Accountable.OWNER) == {"olga", "root"}
    assert told(Accountable.DEPARTMENT_HEAD) == {"hu", "root"}
    assert told(Accountable.GENERAL_MANAGER) == {"gao", "root"}
    assert told(Accountable.AGENT) == {"amy", "root"}


@pytest.mark.parametrize(("notify", "reader"), list(product(Accountable, READERS)))
def test_the_store_filter_agrees_with_the_rule(notify: Accountable, reader: Reader) -> None:
    item = alert(notify)
    where = inbox_filter(reader)
    matched = where is not None and all(
        getattr(item, column) == value or (column == "notify" and item.notify.value == value)
        for column, value in where.items()
    )
    assert matched == addressed_to(item, reader)
