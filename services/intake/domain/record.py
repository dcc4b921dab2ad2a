"""The registration record (客户投诉登记表) and what an agent submits to create one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.intake.domain.validators import normalize_phone
from shared.vocab import Channel, Language, Urgency

PhoneNumber = Annotated[str, AfterValidator(normalize_phone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=5000)]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    phone: PhoneNumber


class ComplaintCreate(BaseModel):
    """What the agent form submits."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    customer: CustomerIn
    content: Content = Field(description="The complaint in the customer's own words.")
    language: Language = "zh"
    received_at: AwareDatetime | None = Field(
        default=None, description="When the customer complained; defaults to now."
    )


class Complaint(BaseModel):
    """A registered complaint, as the domain sees it (phone in clear)."""

    model_config = ConfigDict(frozen=True)

    id: str
    ticket_no: str
    channel: Channel
    customer_name: str
    phone: str
    content: str
    language: Language
    urgency: Urgency
    received_at: datetime
    registered_at: datetime


def format_ticket_no(day: date, sequence: int) -> str:
    """``TS-YYYYMMDD-NNNN``: readable over the phone, unique per day."""
    return f"TS-{day:%Y%m%d}-{sequence:04d}"


def received_time(submitted: datetime | None, now: datetime) -> datetime:
    """The customer's time of complaint, never later than the moment it is registered."""
    if submitted is None or submitted > now:
        return now
    return submitted
