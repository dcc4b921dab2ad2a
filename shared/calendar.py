"""The dealership's working calendar and the closed-loop promise made to the customer.

Intake promises the customer a time at registration and resolution keeps the clock
against it, so both compute that time with the same calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from shared.vocab import Language

if TYPE_CHECKING:
    from shared.settings import Settings


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours on working days, in the dealership's time zone."""

    zone: ZoneInfo
    opens: time = time(8, 30)
    closes: time = time(18, 0)
    working_days: frozenset[int] = frozenset(range(7))  # 4S stores open at weekends
    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start`` plus ``duration`` of opening time."""
        remaining = duration
        cursor = start.astimezone(self.zone)
        while True:
            day = cursor.date()
            open_at = datetime.combine(day, self.opens, self.zone)
            close_at = datetime.combine(day, self.closes, self.zone)
            if self.is_working_day(day) and cursor < close_at:
                cursor = max(cursor, open_at)
                available = close_at - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
            cursor = datetime.combine(day + timedelta(days=1), self.opens, self.zone)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Opening time elapsed from ``start`` to ``end``."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        cursor = start.astimezone(self.zone)
        end = end.astimezone(self.zone)
        while cursor < end:
            day = cursor.date()
            if self.is_working_day(day):
                lo = max(cursor, datetime.combine(day, self.opens, self.zone))
                hi = min(end, datetime.combine(day, self.closes, self.zone))
                if hi > lo:
                    total += hi - lo
            cursor = datetime.combine(day + timedelta(days=1), time(0), self.zone)
        return total


def business_calendar(settings: Settings) -> BusinessCalendar | None:
    """The calendar the settings describe, or None for calendar hours."""
    if not settings.business_hours:
        return None
    opens, closes = (time.fromisoformat(t) for t in settings.business_hours.split("-"))
    holidays = frozenset(
        date.fromisoformat(day.strip()) for day in settings.holidays.split(",") if day.strip()
    )
    return BusinessCalendar(zone=settings.zone, opens=opens, closes=closes, holidays=holidays)


def promised_by(
    due: datetime,
    *,
    hours: float,
    calendar: BusinessCalendar | None,
    zone: ZoneInfo,
    language: Language,
) -> str:
    """ "within 48 hours (by 25 Nov 18:15)": the hours alone would mislead when the clock
    runs in business hours only (48 of them can be a week), so that case names the time."""
    local = due.astimezone(zone)
    if language == "zh":
        when = f"{local.month}月{local.day}日{local:%H:%M}"
        return f"于{when}前" if calendar else f"在{hours:g}小时内（{when}前）"
    when = f"{local.day} {local:%b %H:%M}"
    return f"by {when}" if calendar else f"within {hours:g} hours (by {when})"
