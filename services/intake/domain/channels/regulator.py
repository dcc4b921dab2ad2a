"""Referrals from 12315, consumer associations and market regulators: a legal answer deadline."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator

from services.intake.domain.channels._common import ChannelPayload, OptionalIdNumber, PersonPayload
from services.intake.domain.record import (
    MAX_DEMAND_NOTE,
    Code,
    Content,
    CustomerIn,
    RecordDraft,
    ShortText,
)
from shared.vocab import Channel


class Complainant(PersonPayload):
    id_number: OptionalIdNumber = None


class RegulatorReferralPayload(ChannelPayload):
    """A case as the agency's platform (e.g. 全国12315平台) hands it over to the business."""

    agency: ShortText = Field(description="12315, 消费者协会, 市场监督管理局 ...")
    case_no: Code
    customer: Complainant
    complaint_text: Content
    demands: str | None = Field(default=None, max_length=MAX_DEMAND_NOTE)
    received_at: AwareDatetime
    response_due: date

    @field_validator("response_due")
    @classmethod
    def _after_receipt(cls, due: date, info: ValidationInfo) -> date:
        """The day it arrived is the dealership's day (validation context ``zone``): a referral
        stamped in UTC late in the evening arrived the next morning in Beijing."""
        received = info.data.get("received_at")
        if received is None:
            return due
        zone = (info.context or {}).get("zone")
        arrived = received.astimezone(zone).date() if zone else received.date()
        if due < arrived:
            raise ValueError(f"the answer cannot be due before the referral arrived ({arrived})")
        return due


def to_draft(payload: RegulatorReferralPayload) -> RecordDraft:
    customer = payload.customer
    demand = (payload.demands or "").strip()
    return RecordDraft(
        channel=Channel.REGULATOR,
        customer=CustomerIn(name=customer.name, phone=customer.phone, id_number=customer.id_number),
        content=payload.complaint_text,
        demand_note=demand or None,
        received_at=payload.received_at,
        external_id=payload.case_no,
        references={
            "agency": payload.agency,
            "regulator_case": payload.case_no,
            "response_due": payload.response_due.isoformat(),
        },
    )
