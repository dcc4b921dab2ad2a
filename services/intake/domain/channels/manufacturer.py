"""Cases the manufacturer's hotline forwards to the dealer (厂家转派), with the brand's case."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from services.intake.domain.channels._common import ChannelPayload, PersonPayload, VehiclePayload
from services.intake.domain.record import (
    MAX_DEMAND_NOTE,
    Code,
    Content,
    CustomerIn,
    RecordDraft,
    ShortText,
)
from shared.vocab import Channel


class ManufacturerReferralPayload(ChannelPayload):
    """A case as the brand's dealer portal pushes it."""

    manufacturer: ShortText = Field(description="The brand, e.g. 一汽-大众.")
    manufacturer_case_no: Code
    customer: PersonPayload
    vehicle: VehiclePayload = VehiclePayload()
    summary: Content
    customer_demand: str | None = Field(default=None, max_length=MAX_DEMAND_NOTE)
    forwarded_at: AwareDatetime
    deadline_hours: int | None = Field(default=None, gt=0, le=24 * 90)


def references(payload: ManufacturerReferralPayload) -> dict[str, str]:
    refs = {
        "manufacturer": payload.manufacturer,
        "manufacturer_case": payload.manufacturer_case_no,
    }
    if payload.deadline_hours is not None:
        refs["deadline_hours"] = str(payload.deadline_hours)
    return refs


def to_draft(payload: ManufacturerReferralPayload) -> RecordDraft:
    demand = (payload.customer_demand or "").strip()
    return RecordDraft(
        channel=Channel.MANUFACTURER,
        customer=CustomerIn(name=payload.customer.name, phone=payload.customer.phone),
        vehicle=payload.vehicle.to_vehicle(),
        content=payload.summary,
        demand_note=demand or None,
        received_at=payload.forwarded_at,
        external_id=payload.manufacturer_case_no,
        references=references(payload),
    )
