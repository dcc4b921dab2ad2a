"""What the customer is told as the case moves, in the customer's language."""

from __future__ import annotations

from services.resolution.domain.workflow import CaseStatus, Step
from shared.contracts.notifications import Purpose
from shared.vocab import Language

_PROGRESS: dict[Step, tuple[str, str]] = {
    Step.ASSIGN: (
        "您的投诉（单号{ticket}）已由专人{owner}负责处理，我们会及时告知进展。",
        "Your complaint {ticket} is now handled by {owner}, who will keep you informed.",
    ),
    Step.APPROVE: (
        "您的投诉（单号{ticket}）处理方案已获批准，我们将尽快为您落实。",
        "The remedy for your complaint {ticket} has been approved; we will carry it out shortly.",
    ),
    Step.START_EXECUTION: (
        "您的投诉（单号{ticket}）处理方案正在落实中。",
        "We are now carrying out the remedy for your complaint {ticket}.",
    ),
    Step.RESOLVE: (
        "您的投诉（单号{ticket}）已处理完毕。请您对本次处理打分（1-5分），您的意见对我们很重要。",
        "Your complaint {ticket} has been resolved. Please rate how we handled it (1-5).",
    ),
}
_CLOSED = (
    "感谢您的反馈，投诉单{ticket}已结案。我们会在三天内回访。",
    "Thank you for your feedback; complaint {ticket} is closed. We will call you within 3 days.",
)
_REOPENED = (
    "很抱歉处理结果未能让您满意。投诉单{ticket}已重新打开并升级处理，我们将{promise}给您新的答复。",
    "We are sorry the outcome did not satisfy you. Complaint {ticket} is reopened and escalated;"
    " you will have a new answer {promise}.",
)
"""A dissatisfied customer is told at once that the case goes on, and by when (a new round
of the closed loop): nobody should feel forgotten after saying no."""
_INVALID = (
    "您好，关于您的投诉（单号{ticket}）：{note} 如有疑问，欢迎随时与我们联系。",
    "About your complaint {ticket}: {note} If you have any questions, please contact us.",
)
"""The explanation is the owner's (required when a complaint is not valid), framed politely."""


def informs_customer(step: Step, from_status: CaseStatus, to_status: CaseStatus) -> bool:
    """Whether taking ``step`` tells the customer something: a message is sent, or the owner
    recorded a contact with them."""
    if step is Step.RECORD_CONTACT:
        return True
    told = customer_message(
        step, from_status, to_status, ticket="", owner=None, note="", language="zh"
    )
    return told is not None


def customer_message(
    step: Step,
    from_status: CaseStatus,
    to_status: CaseStatus,
    *,
    ticket: str,
    owner: str | None,
    note: str,
    language: Language,
    promise: str = "",
    dealer: str = "",
) -> tuple[Purpose, str] | None:
    """(purpose, text) to send the customer after ``step`` moved the case from
    ``from_status`` to ``to_status``, or None when nothing is due. "Closed" is said once, by
    the step that closes the case, not by a later one on the closed case (the 3-day call).

    ``promise`` says by when the customer hears back (``shared.calendar.promised_by``);
    ``dealer`` signs the message as intake's acknowledgement is signed (【广州某某4S店】)."""
    values = {"ticket": ticket, "owner": owner or "", "note": note, "promise": promise}
    told = _message(step, from_status, to_status, values, 0 if language == "zh" else 1)
    if told is None or not dealer:
        return told
    purpose, text = told
    return purpose, (f"【{dealer}】{text}" if language == "zh" else f"[{dealer}] {text}")


def _message(
    step: Step, from_status: CaseStatus, to_status: CaseStatus, values: dict[str, str], index: int
) -> tuple[Purpose, str] | None:
    """The unsigned text; ``index`` picks the language (0 Chinese, 1 English)."""
    if from_status is CaseStatus.CLOSED and to_status is CaseStatus.INVESTIGATING:
        return "progress", _REOPENED[index].format(**values)  # a low rating on the 3-day call
    if from_status is CaseStatus.CLOSED:
        return None
    if step is Step.TRIAGE and to_status is CaseStatus.CLOSED:
        return "progress", _INVALID[index].format(**values)
    if to_status is CaseStatus.CLOSED:
        return "progress", _CLOSED[index].format(**values)
    if step is Step.RECORD_FEEDBACK and to_status is CaseStatus.INVESTIGATING:
        return "progress", _REOPENED[index].format(**values)
    if step is Step.RESOLVE:
        return "feedback_request", _PROGRESS[step][index].format(**values)
    if step is Step.APPROVE and to_status is not CaseStatus.APPROVED:
        return None  # a first approval of two: the remedy is not approved yet
    if step in _PROGRESS:
        return "progress", _PROGRESS[step][index].format(**values)
    return None
