"""Whose inbox an SLA alert lands in: the owner named on the case, the head of the
department told, the general manager, the front desk; an administrator reads them all.
The store's filter (``inbox_filter``) says the same as ``addressed_to``."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product

import pytest

from services.resolution.domain.alerts import (
    Alert,
    Reader,
    addressed_to,
    addressee,
    inbox_filter,
    told,
)
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


def readers_of(notify: Accountable) -> set[str]:
    return {r.user for r in READERS if addressed_to(alert(notify), r)}


def test_each_alert_reaches_the_one_it_names_and_the_administrator() -> None:
    assert readers_of(Accountable.OWNER) == {"olga", "root"}
    assert readers_of(Accountable.DEPARTMENT_HEAD) == {"hu", "root"}
    assert readers_of(Accountable.GENERAL_MANAGER) == {"gao", "root"}
    assert readers_of(Accountable.AGENT) == {"amy", "root"}


@pytest.mark.parametrize(("notify", "reader"), list(product(Accountable, READERS)))
def test_the_store_filter_agrees_with_the_rule(notify: Accountable, reader: Reader) -> None:
    item = alert(notify)
    where = inbox_filter(reader)
    matched = where is not None and all(
        getattr(item, column) == value or (column == "notify" and item.notify.value == value)
        for column, value in where.items()
    )
    assert matched == addressed_to(item, reader)


def test_an_alert_with_nobody_named_goes_to_whoever_can_act() -> None:
    owner, head = Accountable.OWNER, Accountable.DEPARTMENT_HEAD
    assert addressee(owner, "olga", "after_sales") is owner
    assert addressee(owner, None, "after_sales") is head  # name an owner
    assert addressee(owner, None, None) is Accountable.AGENT  # the front desk triages
    assert addressee(head, None, None) is Accountable.GENERAL_MANAGER
    assert addressee(head, None, "sales") is head
    # olga left: her reminders go to whoever can hand the case on
    assert addressee(owner, "olga", "after_sales", owner_gone=True) is head
    assert addressee(owner, "olga", None, owner_gone=True) is Accountable.AGENT
    assert addressee(owner, "li", "after_sales", owner_gone=False) is owner
    assert addressee(head, "olga", "after_sales", owner_gone=True) is head


def test_an_administrator_reads_every_inbox_but_clears_only_their_own() -> None:
    admin = READERS[-1]
    assert addressed_to(alert(Accountable.OWNER), admin)
    assert not told(alert(Accountable.OWNER), admin)


@pytest.mark.parametrize(("notify", "reader"), list(product(Accountable, READERS)))
def test_the_own_only_filter_agrees_with_told(notify: Accountable, reader: Reader) -> None:
    item = alert(notify)
    where = inbox_filter(reader, own_only=True)
    matched = where is not None and all(
        getattr(item, column) == value or (column == "notify" and item.notify.value == value)
        for column, value in where.items()
    )
    assert matched == told(item, reader)
