"""One complaint as analytics sees it, folded from intake and case events in any order.

Intake and resolution publish on different topics, so a case event may arrive before
the registration it belongs to: the fact then waits, uncounted, until it is registered.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.analytics import CauseEvidence
from shared.contracts.envelope import EventEnvelope
from shared.contracts.intake import (
    COMPLAINT_ERASED,
    COMPLAINT_REGISTERED,
    COMPLAINT_UPDATED,
    ComplaintErased,
    ComplaintRegistered,
)
from shared.contracts.resolution import (
    CASE_CLOSED,
    CASE_OPENED,
    SLA_EVENTS,
    STEP_EVENTS,
    CaseOpened,
    CaseStepTaken,
    StageTime,
)
from shared.redaction import redact
from shared.vocab import Outcome

MONETARY_REMEDIES = frozenset({"refund", "compensation", "goodwill"})
NON_MONETARY_REMEDIES = frozenset({"repair", "replacement", "apology"})

CASE_STEP_TYPES = frozenset(STEP_EVENTS.values())
SLA_BREACHED = SLA_EVENTS["breach"]
FOLDED_TYPES = frozenset(
    {
        COMPLAINT_REGISTERED,
        COMPLAINT_UPDATED,
        COMPLAINT_ERASED,
        CASE_OPENED,
        CASE_CLOSED,
        SLA_BREACHED,
    }
    | CASE_STEP_TYPES
)


class PredictedCause(BaseModel):
    model_config = ConfigDict(frozen=True)

    causes: list[str]
    primary_cause: str
    confidence: float
    touchpoint: str | None = None
    vehicle_system: str | None = None
    model_version: str
    explanation: list[str] = Field(default_factory=list)
    evidence: list[CauseEvidence] = Field(default_factory=list)


class ComplaintFact(BaseModel):
    model_config = ConfigDict(frozen=True)

    complaint_id: str
    registered: bool = False
    ticket_no: str = ""
    registered_at: datetime | None = None
    channel: str = "unknown"
    urgency: str = "normal"
    language: str = "zh"
    vehicle_model: str | None = None
    department: str | None = None
    repeat_complainant: bool = False
    text: str = ""
    follow_ups: int = 0
    case_opened: bool = False
    prediction: PredictedCause | None = None
    prediction_published: bool = False
    confirmed_causes: list[str] = Field(default_factory=list)
    confirmed_primary: str | None = None
    status: str = "registered"
    closed_at: datetime | None = None
    breached: bool = False
    satisfaction: int | None = None
    reopened: int = 0
    remedy_amount: float = 0.0
    remedy_types: list[str] = Field(default_factory=list)
    upheld: bool = True
    """False when triage found the complaint invalid and closed it."""
    stage_times: list[StageTime] = Field(default_factory=list)
    """Where the closed loop's time went, by stage and department, as resolution counted
    it at closing."""
    touchpoint: str | None = None
    """Where the investigator found it went wrong; wins over the classifier's guess."""
    responsible_staff: str | None = None
    """Whom the investigator found responsible: where staff training starts."""
    follow_up_due_at: datetime | None = None
    """When the 3-day call after the latest resolution was due."""
    follow_up_call_at: datetime | None = None
    """When a 3-day call reached the customer (after that resolution)."""
    follow_up_satisfaction: int | None = None
    reopening_calls: int = 0
    """3-day calls that reached the customer and reopened the case (rated below 3): each
    was owed and made, and still counts once the case is resolved again and owes a new one."""
    reopening_calls_late: int = 0
    reopening_call_rating_sum: int = 0
    erased_at: datetime | None = None
    """When intake erased the complaint's personal data: the text (and the prediction's
    quotes of it) is gone for good, even if the registration is folded again later."""

    @property
    def teaches_the_classifier(self) -> bool:
        """Its words and confirmed cause are a training example for the next model."""
        return bool(self.text and self.confirmed_causes)

    @property
    def may_have_taught_the_classifier(self) -> bool:
        """A model may hold its words: confirmed and not yet erased. The text is not asked
        for, since a rebuild after the topic dropped its registration no longer has it,
        while a model trained before still does."""
        return bool(self.confirmed_causes) and self.erased_at is None

    @property
    def cause(self) -> str:
        """The investigator's confirmed primary cause wins over the prediction."""
        if self.confirmed_primary:
            return self.confirmed_primary
        return self.prediction.primary_cause if self.prediction else "unclassified"

    @property
    def causes(self) -> list[str]:
        if self.confirmed_causes:
            return list(self.confirmed_causes)
        return list(self.prediction.causes) if self.prediction else []

    @property
    def call_due(self) -> bool:
        """A 3-day call is owed: the loop closed after a remedy (not at triage)."""
        return self.closed_at is not None and self.follow_up_due_at is not None

    @property
    def called_late(self) -> bool:
        due, call = self.follow_up_due_at, self.follow_up_call_at
        return due is not None and call is not None and call > due

    @property
    def outcome(self) -> str | None:
        """How it ended, once closed (CFPB style): relief in money, other relief, only an
        explanation, or not upheld."""
        if self.closed_at is None:
            return None
        if not self.upheld:
            return Outcome.NOT_UPHELD.value
        types = set(self.remedy_types)
        if self.remedy_amount > 0 or types & MONETARY_REMEDIES:
            return Outcome.MONETARY_RELIEF.value
        if types & NON_MONETARY_REMEDIES:
            return Outcome.NON_MONETARY_RELIEF.value
        return Outcome.EXPLANATION.value

    @property
    def ready_to_publish_prediction(self) -> bool:
        """Published once the case exists, so resolution always has a case to attach it to."""
        return self.case_opened and self.prediction is not None and not self.prediction_published


def fold(fact: ComplaintFact | None, event: EventEnvelope) -> ComplaintFact:
    """The fact after ``event``; events of other types leave it as it was."""
    current = fact or ComplaintFact(complaint_id=event.complaint_id)
    if event.type == COMPLAINT_REGISTERED:
        return _registered(current, event.payload_as(ComplaintRegistered))
    if event.type == COMPLAINT_UPDATED:
        return current.model_copy(update={"follow_ups": current.follow_ups + 1})
    if event.type == COMPLAINT_ERASED:
        return erased(current, event.payload_as(ComplaintErased))
    if event.type == CASE_OPENED:
        event.payload_as(CaseOpened)
        return current.model_copy(update={"case_opened": True})
    if event.type == SLA_BREACHED:
        return current.model_copy(update={"breached": True})
    if event.type in CASE_STEP_TYPES or event.type == CASE_CLOSED:
        return _step(current, event.payload_as(CaseStepTaken), closed=event.type == CASE_CLOSED)
    return current


def _registered(fact: ComplaintFact, complaint: ComplaintRegistered) -> ComplaintFact:
    return fact.model_copy(
        update={
            "registered": True,
            "ticket_no": complaint.ticket_no,
            "registered_at": complaint.registered_at,
            "channel": complaint.channel.value,
            "urgency": complaint.urgency.value,
            "language": complaint.language,
            "vehicle_model": complaint.vehicle_model,
            "department": fact.department
            or (complaint.target_department.value if complaint.target_department else None),
            "repeat_complainant": complaint.repeat_complainant,
            # intake masks too; older events did not. An erased complaint stays erased when
            # its registration arrives late (topics interleave) or is replayed (rebuild).
            "text": "" if fact.erased_at else redact(complaint.content),
        }
    )


def erased(fact: ComplaintFact, erasure: ComplaintErased) -> ComplaintFact:
    """The fact without the customer's words: the text and the prediction's quotes of it
    (terms, evidence phrases). Counts, causes and times stay, so reports do not change;
    the first erasure's time stands."""
    return fact.model_copy(
        update={
            "text": "",
            "prediction": _unquoted(fact.prediction) if fact.prediction else None,
            "erased_at": fact.erased_at or erasure.erased_at,
        }
    )


def _unquoted(prediction: PredictedCause) -> PredictedCause:
    return prediction.model_copy(update={"explanation": [], "evidence": []})


_RATINGS = frozenset({"record_feedback", "record_follow_up_call"})
"""Steps whose low rating reopens the case (resolution's ``domain.loop.reopens``)."""


def _step(fact: ComplaintFact, step: CaseStepTaken, *, closed: bool) -> ComplaintFact:
    update: dict[str, object] = {"status": step.to_status}
    if step.department:
        update["department"] = step.department
    if step.causes:
        update["confirmed_causes"] = list(step.causes)
        update["confirmed_primary"] = step.primary_cause or step.causes[0]
    if step.remedy_amount is not None:
        update["remedy_amount"] = float(step.remedy_amount)
    if step.remedy_types:
        update["remedy_types"] = list(step.remedy_types)
    if step.step == "triage":
        update["upheld"] = step.to_status != "closed"  # an invalid complaint closes at triage
    if step.satisfaction is not None:
        update["satisfaction"] = step.satisfaction
    reopening = step.step in _RATINGS and step.to_status == "investigating"
    if reopening:
        update["reopened"] = fact.reopened + 1
    if reopening and step.from_status == "closed":  # the 3-day call: closed no longer
        update["closed_at"] = None
        update.update(_reopening_call(fact, step))
    elif closed or step.to_status == "closed":
        update["closed_at"] = fact.closed_at or step.at
    if step.stage_times:
        update["stage_times"] = list(step.stage_times)
    if step.step == "record_findings":  # findings recorded again replace the earlier ones
        update["touchpoint"] = step.touchpoint or None
        update["responsible_staff"] = (step.responsible_staff or "").strip()[:50] or None
    elif step.touchpoint:
        update["touchpoint"] = step.touchpoint
    if step.follow_up_due_at is not None:  # a newer resolution owes a new call
        update["follow_up_due_at"] = step.follow_up_due_at
        update["follow_up_call_at"] = step.follow_up_call_at
        update["follow_up_satisfaction"] = step.follow_up_satisfaction
    return fact.model_copy(update=update)


def _reopening_call(fact: ComplaintFact, call: CaseStepTaken) -> dict[str, int]:
    """The call that reopened the case, kept apart from the next round's call."""
    due, at = call.follow_up_due_at, call.follow_up_call_at
    return {
        "reopening_calls": fact.reopening_calls + 1,
        "reopening_calls_late": fact.reopening_calls_late + int(bool(due and at and at > due)),
        "reopening_call_rating_sum": fact.reopening_call_rating_sum
        + (call.follow_up_satisfaction or 0),
    }


def with_prediction(fact: ComplaintFact, prediction: PredictedCause) -> ComplaintFact:
    kept = _unquoted(prediction) if fact.erased_at else prediction
    return fact.model_copy(update={"prediction": kept})
