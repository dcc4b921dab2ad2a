"""The registration record (客户投诉登记表): what every channel is turned into.

A channel adapter produces a :class:`RecordDraft`; registration gives it an id, a
ticket number, its urgency and its links (follow-up, repeat complainant).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.intake.domain.validators import (
    normalize_email,
    normalize_id_number,
    normalize_phone,
    normalize_plate,
    normalize_vin,
)
from shared.errors import InvalidValueError
from shared.vocab import (
    AGENT_CHANNELS,
    Channel,
    Demand,
    Department,
    ErasureReason,
    Language,
    TargetKind,
    Urgency,
)

PhoneNumber = Annotated[str, AfterValidator(normalize_phone)]
Vin = Annotated[str, AfterValidator(normalize_vin)]
Plate = Annotated[str, AfterValidator(normalize_plate)]
IdNumber = Annotated[str, AfterValidator(normalize_id_number)]
Email = Annotated[str, AfterValidator(normalize_email)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=5000)]


def _ticket_as_read(value: object) -> object:
    """A ticket number as an agent may type it (``ts-20261122-0001 ``)."""
    return value.strip().upper() if isinstance(value, str) else value


TicketNo = Annotated[
    str,
    BeforeValidator(_ticket_as_read),
    StringConstraints(max_length=40, pattern=r"^TS-\d{8}-\d{4,}$"),
]

MAX_DEMAND_NOTE = 500


class CustomerIn(BaseModel):
    """The complainant; at least one way to reach them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    phone: PhoneNumber | None = None
    customer_id: Code | None = Field(default=None, description="The dealership's customer id.")
    id_number: IdNumber | None = Field(default=None, description="Resident ID card number.")
    email: Email | None = None
    wechat_openid: Code | None = None

    @model_validator(mode="after")
    def _reachable(self) -> CustomerIn:
        if not (self.phone or self.email or self.wechat_openid):
            raise InvalidValueError(
                "unreachable_customer",
                "a phone, an email or a WeChat openid is needed to reach the customer",
            )
        return self


class VehicleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vin: Vin | None = None
    plate: Plate | None = None
    model: ShortText | None = Field(default=None, description="Brand and model, e.g. 'Passat'.")


class TargetIn(BaseModel):
    """The object of the complaint (投诉对象)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: TargetKind
    department: Department | None = None
    staff_name: Name | None = None
    detail: ShortText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TargetIn:
        if self.kind is TargetKind.STAFF and not self.staff_name:
            raise InvalidValueError(
                "staff_name_missing", "a complaint about a staff member names the staff member"
            )
        return self


class RecordDraft(BaseModel):
    """A complaint as a channel delivered it, validated, before registration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    customer: CustomerIn
    vehicle: VehicleIn = VehicleIn()
    target: TargetIn | None = None
    content: Content = Field(description="The complaint in the customer's own words.")
    demands: list[Demand] = Field(default_factory=list, max_length=len(Demand))
    demand_note: Annotated[str, StringConstraints(max_length=MAX_DEMAND_NOTE)] | None = None
    language: Language | None = Field(default=None, description="Detected when not given.")
    received_at: AwareDatetime | None = Field(
        default=None, description="When the customer complained; defaults to now."
    )
    external_id: ShortText | None = Field(
        default=None, description="The channel's own message id; a re-delivery is recognised."
    )
    references: dict[Code, ShortText] = Field(
        default_factory=dict,
        max_length=10,
        description="Outside references: manufacturer case, 12315 case, survey id...",
    )
    marked_urgent: bool = Field(default=False, description="The agent judged it urgent.")

    @field_validator("demands")
    @classmethod
    def _unique_demands(cls, demands: list[Demand]) -> list[Demand]:
        return list(dict.fromkeys(demands))


class ComplaintCreate(RecordDraft):
    """The agent form: phone, hotline, walk-in, showroom, service desk...; a phone is required."""

    follow_up_of: TicketNo | None = Field(
        default=None,
        description="The ticket number (TS-YYYYMMDD-NNNN) of the customer's open complaint"
        " this call follows up, as the agent chose it: the text is added to that complaint"
        " (outcome linked). It must be open and the same customer's (same phone, email,"
        " WeChat openid or VIN). Without it, only a text close to an open complaint's links.",
    )

    @model_validator(mode="after")
    def _agent_channel(self) -> ComplaintCreate:
        if self.channel not in AGENT_CHANNELS:
            allowed = ", ".join(sorted(AGENT_CHANNELS))
            raise ValueError(
                f"the agent form is for {allowed}; use POST /intake/channels/{self.channel.value}"
            )
        if self.customer.phone is None:
            raise InvalidValueError(
                "phone_required", "the agent form needs the customer's phone number"
            )
        return self


class FollowUp(BaseModel):
    """A later message of the same customer about the same matter, linked, not a new case."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    content: str
    received_at: datetime
    linked_at: datetime
    external_id: str | None = None


class Complaint(BaseModel):
    """A registered complaint, as the domain sees it (personal data in clear)."""

    model_config = ConfigDict(frozen=True)

    id: str
    ticket_no: str
    channel: Channel
    customer: CustomerIn
    vehicle: VehicleIn
    target: TargetIn | None
    content: str
    demands: list[Demand]
    demand_note: str | None
    language: Language
    urgency: Urgency
    urgency_reasons: list[str]
    repeat_complainant: bool
    received_at: datetime
    registered_at: datetime
    external_id: str | None
    references: dict[str, str]
    follow_ups: list[FollowUp] = Field(default_factory=list)
    open: bool = True
    """False once resolution closed its case: it takes no more follow-ups."""
    closed_at: datetime | None = None
    erased_at: datetime | None = None
    """Set once the customer's personal data was erased (``domain.erasure``)."""
    erasure_reason: ErasureReason | None = None


def format_ticket_no(day: date, sequence: int) -> str:
    """``TS-YYYYMMDD-NNNN``: readable over the phone, unique per day."""
    return f"TS-{day:%Y%m%d}-{sequence:04d}"


def received_time(submitted: datetime | None, now: datetime) -> datetime:
    """The customer's time of complaint, never later than the moment it is registered."""
    if submitted is None or submitted > now:
        return now
    return submitted
