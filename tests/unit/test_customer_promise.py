"""By when the customer is promised an outcome: the hours, and the dealership's local time
they end at; under business hours only the time, since 48 opening hours can span a week."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from services.intake.service import IntakePolicy
from shared.calendar import BusinessCalendar, promised_by

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENING_HOURS = BusinessCalendar(zone=SHANGHAI, opens=time(9), closes=time(18))


def test_calendar_hours_name_the_hours_and_the_local_time() -> None:
    due = datetime(2026, 6, 12, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    zh = promised_by(due, hours=48, calendar=None, zone=SHANGHAI, language="zh")
    en = promised_by(due, hours=48, calendar=None, zone=SHANGHAI, language="en")
    assert (zh, en) == ("在48小时内（6月12日09:00前）", "within 48 hours (by 12 Jun 09:00)")


def test_business_hours_name_only_the_time() -> None:
    due = datetime(2026, 12, 31, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
    zh = promised_by(due, hours=48, calendar=OPENING_HOURS, zone=SHANGHAI, language="zh")
    en = promised_by(due, hours=48, calendar=OPENING_HOURS, zone=SHANGHAI, language="en")
    assert (zh, en) == ("于12月31日17:30前", "by 31 Dec 17:30")


def test_intake_promises_the_time_resolution_will_keep() -> None:
    """Registered Friday 16:00 in Shanghai with 9–18 opening: 18 opening hours end on
    Sunday at 16:00 (4S stores open at weekends), not Saturday 10:00."""
    registered = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
    policy = IntakePolicy(sla_hours=18, dealer_name="示例4S店", zone=SHANGHAI)
    assert policy.promise(registered, "zh") == "在18小时内（6月13日10:00前）"
    business = IntakePolicy(
        sla_hours=18, dealer_name="示例4S店", zone=SHANGHAI, calendar=OPENING_HOURS
    )
    assert business.promise(registered, "en") == "by 14 Jun 16:00"
