"""Which counters an event moves; the read model is a sum of these increments."""

from __future__ import annotations

from pydantic import BaseModel

from shared.contracts.envelope import EventEnvelope
from shared.contracts.intake import COMPLAINT_REGISTERED, COMPLAINT_UPDATED, ComplaintRegistered
from shared.contracts.resolution import CASE_OPENED

COMPLAINTS_TOTAL = "complaints.total"
CASES_OPENED = "cases.opened"
FOLLOW_UPS = "complaints.follow_ups"


def increments_for(event: EventEnvelope) -> dict[str, int]:
    if event.type == COMPLAINT_REGISTERED:
        complaint = event.payload_as(ComplaintRegistered)
        return {
            COMPLAINTS_TOTAL: 1,
            f"complaints.channel.{complaint.channel.value}": 1,
            f"complaints.urgency.{complaint.urgency.value}": 1,
        }
    if event.type == COMPLAINT_UPDATED:
        return {FOLLOW_UPS: 1}
    if event.type == CASE_OPENED:
        return {CASES_OPENED: 1}
    return {}


class Summary(BaseModel):
    complaints_registered: int
    cases_opened: int
    follow_ups: int
    by_channel: dict[str, int]
    by_urgency: dict[str, int]


def summarize(counters: dict[str, int]) -> Summary:
    def group(prefix: str) -> dict[str, int]:
        return {
            name.removeprefix(prefix): value
            for name, value in sorted(counters.items())
            if name.startswith(prefix)
        }

    return Summary(
        complaints_registered=counters.get(COMPLAINTS_TOTAL, 0),
        cases_opened=counters.get(CASES_OPENED, 0),
        follow_ups=counters.get(FOLLOW_UPS, 0),
        by_channel=group("complaints.channel."),
        by_urgency=group("complaints.urgency."),
    )
