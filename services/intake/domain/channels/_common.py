"""What every channel adapter shares, so that each family module only says what is its own."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from services.intake.domain.record import (
    Code,
    Email,
    IdNumber,
    Name,
    PhoneNumber,
    Plate,
    ShortText,
    TargetIn,
    VehicleIn,
    Vin,
)
from shared.vocab import Department, Language, TargetKind


class NotAComplaint(ValueError):  # noqa: N818 - the name says what the caller learns
    """A valid payload that is not a complaint (e.g. a survey answered with a good score)."""


def blank_to_none(value: object) -> object:
    """Forms send ``""`` for a field left empty; that means "not given", not "invalid"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalPhone = Annotated[PhoneNumber | None, BeforeValidator(blank_to_none)]
OptionalEmail = Annotated[Email | None, BeforeValidator(blank_to_none)]
OptionalVin = Annotated[Vin | None, BeforeValidator(blank_to_none)]
OptionalPlate = Annotated[Plate | None, BeforeValidator(blank_to_none)]
OptionalShortText = Annotated[ShortText | None, BeforeValidator(blank_to_none)]
OptionalCode = Annotated[Code | None, BeforeValidator(blank_to_none)]
OptionalIdNumber = Annotated[IdNumber | None, BeforeValidator(blank_to_none)]
OptionalName = Annotated[Name | None, BeforeValidator(blank_to_none)]


class ChannelPayload(BaseModel):
    """A platform's payload: its extra fields are ignored, ours are validated strictly."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class VehiclePayload(ChannelPayload):
    """The vehicle block most platforms send: every part optional."""

    vin: OptionalVin = None
    plate: OptionalPlate = None
    model: OptionalShortText = None

    def to_vehicle(self) -> VehicleIn:
        return VehicleIn(vin=self.vin, plate=self.plate, model=self.model)


class PersonPayload(ChannelPayload):
    """A named customer with a phone, as referrals and surveys carry them."""

    name: Name
    phone: PhoneNumber


_LANGUAGE_TAG = re.compile(r"[-_;,\s]")


def language_from_tag(tag: str | None) -> Language | None:
    """``zh-CN``, ``zh_Hans``, ``en-US``, ``en`` ... → our language; anything else → unknown."""
    if not tag:
        return None
    primary = _LANGUAGE_TAG.split(tag.strip().lower(), maxsplit=1)[0]
    if primary == "zh":
        return "zh"
    if primary == "en":
        return "en"
    return None


Topic = Literal["sales", "after_sales", "parts", "finance", "vehicle", "other"]
"""The "what is it about" choice web forms and apps offer the customer."""

_TOPIC_DEPARTMENTS: dict[str, Department] = {
    "sales": Department.SALES,
    "after_sales": Department.AFTER_SALES,
    "parts": Department.PARTS,
    "finance": Department.FINANCE_INSURANCE,
}


def topic_target(topic: Topic) -> TargetIn | None:
    """The object of the complaint the customer picked; "other" leaves it to triage."""
    if topic == "vehicle":
        return TargetIn(kind=TargetKind.VEHICLE)
    department = _TOPIC_DEPARTMENTS.get(topic)
    if department is None:
        return None
    return TargetIn(kind=TargetKind.DEPARTMENT, department=department)


def department_target(department: Department | None) -> TargetIn | None:
    if department is None:
        return None
    return TargetIn(kind=TargetKind.DEPARTMENT, department=department)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, without dangling whitespace."""
    return text.strip()[:limit].strip()
