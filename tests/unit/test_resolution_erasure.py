"""Erasing a case's personal data: the customer's copies go, what is counted stays, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.resolution.domain.case import (
    Case,
    CauseSuggestion,
    EvidenceNote,
    RecordFeedback,
    RecordFollowUpCall,
    Step,
    StepNotReadyError,
    decide,
    steps_for,
)
from services.resolution.domain.erasure import ERASED_STEP, erase_personal_data
from services.resolution.domain.milestones import follow_up_due, next_deadline
from services.resolution.domain.stages import stage_account
from shared.contracts.analytics import CauseEvidence
from shared.contracts.intake import ComplaintErased
from shared.vocab import ErasureReason, EvidenceKind
from tests.support.cases import AGENT, LOOP, POLICY, T0, at_hours, timed

ERASED_AT = T0 + timedelta(days=3 * 365)
CHANGED = {
    *("customer_name", "phone_masked", "plate_masked", "content", "demand_note"),
    *("feedback_comment", "references", "suggestion"),
    *("timeline", "version", "erased_at", "erasure_reason", "evidence"),
}
"""Every other field (status, dates, department, owner, causes, remedy, approvals, SLA)
must come through an erasure unchanged."""


def closed_case() -> Case:
    """A closed case that holds every kind of copy: name, words, plate, feedback, phrases."""
    feedback = (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=4, comment="李先生很满意"), AGENT)
    case = at_hours(*timed(range(1, 12), (*LOOP, feedback)))
    return case.model_copy(
        update={
            "demand_note": "要求赔偿 500 元",
            "evidence": [
                EvidenceNote(
                    attachment_id="a-1",
                    kind=EvidenceKind.PHOTO,
                    added_at=T0,
                    added_by="olga",
                    added_role="owner",
                )
            ],
            "plate_masked": "粤A***45",
            "references": {
                "platform": "weibo",
                "post_url": "https://weibo.com/1/2",
                "reposts": "9",
            },
            "suggestion": CauseSuggestion(
                causes=["product_quality"],
                primary_cause="product_quality",
                confidence=0.7,
                model_version="m1",
                explanation=["product_quality: cue 方向盘抖动 (+2.1)"],
                evidence=[
                    CauseEvidence(cause="product_quality", terms=["方向盘抖动"], negated=["异响"])
                ],
            ),
        }
    )


def erasure(reason: ErasureReason = ErasureReason.RETENTION) -> ComplaintErased:
    return ComplaintErased(
        complaint_id="c-1", ticket_no="TS-20260302-0001", reason=reason, erased_at=ERASED_AT
    )


def test_the_customers_copies_are_gone() -> None:
    case = erase_personal_data(closed_case(), erasure())
    assert (case.customer_name, case.phone_masked, case.content) == ("", "", "")
    assert (case.plate_masked, case.demand_note, case.feedback_comment) == (None, None, None)
    assert case.evidence == []  # intake deleted the files
    assert case.references == {"platform": "weibo", "reposts": "9"}  # the post pointed at them
    assert case.suggestion is not None
    assert (case.suggestion.explanation, case.suggestion.evidence) == ([], [])
    dumped = case.model_dump_json()
    assert all(
        word not in dumped
        for word in ("Li", "139****0000", "抖动", "异响", "李先生", "粤A", "weibo.com")
    )


def test_what_the_dealership_counts_stays() -> None:
    before = closed_case()
    case = erase_personal_data(before, erasure())
    assert case.model_dump(exclude=CHANGED) == before.model_dump(exclude=CHANGED)
    assert case.suggestion and case.suggestion.causes == ["product_quality"]
    assert case.timeline[:-1] == before.timeline
    assert stage_account(case, POLICY, ERASED_AT) == stage_account(before, POLICY, ERASED_AT)
    # the one deadline that goes: the 3-day call, with no number left to call
    assert next_deadline(before, POLICY, ERASED_AT) == follow_up_due(before)
    assert next_deadline(case, POLICY, ERASED_AT) is None


def test_the_erasure_is_recorded_and_bumps_the_version() -> None:
    before = closed_case()
    case = erase_personal_data(before, erasure(ErasureReason.CUSTOMER_REQUEST))
    assert (case.erased_at, case.erasure_reason) == (ERASED_AT, "customer_request")
    entry = case.timeline[-1]
    assert (entry.step, entry.role, entry.at, entry.note) == (
        ERASED_STEP,
        "system",
        ERASED_AT,
        "customer_request",
    )
    assert entry.from_status is entry.to_status is before.status
    assert case.version == before.version + 1


def test_erasing_twice_changes_nothing() -> None:
    once = erase_personal_data(closed_case(), erasure(ErasureReason.CUSTOMER_REQUEST))
    assert erase_personal_data(once, erasure(ErasureReason.RETENTION)) == once


def test_an_erased_customer_is_owed_no_3_day_call_and_cannot_reopen_the_case() -> None:
    case = erase_personal_data(closed_case(), erasure(ErasureReason.CUSTOMER_REQUEST))
    assert follow_up_due(closed_case()) is not None and follow_up_due(case) is None
    assert steps_for(case) == []
    with pytest.raises(StepNotReadyError) as refused:
        decide(
            case,
            Step.RECORD_FOLLOW_UP_CALL,
            RecordFollowUpCall(reached=True, satisfaction=1, summary="x"),
            actor=AGENT,
            now=ERASED_AT,
        )
    assert refused.value.code == "customer_erased"
