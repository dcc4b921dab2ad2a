"""What the customer is told: a dissatisfied customer hears at once that the case is
reopened and by when, in their language; steps without news send nothing."""

from __future__ import annotations

from services.resolution.domain.messages import customer_message
from services.resolution.domain.workflow import CaseStatus, Step
from shared.vocab import Language


def told(
    step: Step,
    to: CaseStatus,
    language: Language = "zh",
    promise: str = "在48小时内",
    *,
    since: CaseStatus = CaseStatus.INVESTIGATING,
) -> tuple[str, str] | None:
    return customer_message(
        step, since, to, ticket="TS-1", owner="olga", note="", language=language, promise=promise
    )


def test_a_reopened_case_tells_the_customer_when_the_new_answer_comes() -> None:
    assert told(Step.RECORD_FEEDBACK, CaseStatus.INVESTIGATING) == (
        "progress",
        "很抱歉处理结果未能让您满意。投诉单TS-1已重新打开并升级处理，我们将在48小时内给您新的答复。",
    )
    english = told(Step.RECORD_FEEDBACK, CaseStatus.INVESTIGATING, "en", "by 30 Nov 12:00")
    assert english is not None and english[0] == "progress"
    assert "reopened" in english[1] and "new answer by 30 Nov 12:00." in english[1]


def test_a_low_rating_on_the_3_day_call_tells_the_customer_the_case_is_reopened() -> None:
    reopened = told(Step.RECORD_FOLLOW_UP_CALL, CaseStatus.INVESTIGATING, since=CaseStatus.CLOSED)
    assert reopened is not None and reopened[0] == "progress"
    assert "已重新打开并升级处理" in reopened[1] and "在48小时内" in reopened[1]


def test_a_satisfied_customer_is_thanked_and_internal_steps_send_nothing() -> None:
    closed = told(Step.RECORD_FEEDBACK, CaseStatus.CLOSED, since=CaseStatus.AWAITING_FEEDBACK)
    assert isinstance(closed, tuple) and "已结案" in closed[1]
    assert told(Step.START_INVESTIGATION, CaseStatus.INVESTIGATING) is None
    again = told(Step.RECORD_FOLLOW_UP_CALL, CaseStatus.CLOSED, since=CaseStatus.CLOSED)
    assert again is None  # a step on the closed case says "closed" no second time


def test_news_is_signed_by_the_dealership_like_the_acknowledgement() -> None:
    signed = customer_message(
        Step.START_EXECUTION, CaseStatus.APPROVED, CaseStatus.EXECUTING,
        ticket="TS-1", owner="olga", note="", language="zh", dealer="广州某某4S店",
    )  # fmt: skip
    assert signed == ("progress", "【广州某某4S店】您的投诉（单号TS-1）处理方案正在落实中。")
    english = customer_message(
        Step.START_EXECUTION, CaseStatus.APPROVED, CaseStatus.EXECUTING,
        ticket="TS-1", owner="olga", note="", language="en", dealer="Dealer",
    )  # fmt: skip
    assert english is not None and english[1].startswith("[Dealer] We are now carrying out")


def test_a_first_approval_of_two_tells_the_customer_nothing_yet() -> None:
    assert told(Step.APPROVE, CaseStatus.PENDING_APPROVAL) is None
    approved = told(Step.APPROVE, CaseStatus.APPROVED)
    assert approved is not None and "已获批准" in approved[1]


def test_an_invalid_complaint_is_explained_politely_with_the_owners_explanation() -> None:
    explained = customer_message(
        Step.TRIAGE,
        CaseStatus.REGISTERED,
        CaseStatus.CLOSED,
        ticket="TS-1",
        owner=None,
        note="该车辆非本店售出，请联系购车门店。",
        language="zh",
    )
    assert explained == (
        "progress",
        "您好，关于您的投诉（单号TS-1）：该车辆非本店售出，请联系购车门店。"
        " 如有疑问，欢迎随时与我们联系。",
    )
