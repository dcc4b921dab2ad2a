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
_INVALID = (
    "关于投诉单{ticket}：{note}",
    "About complaint {ticket}: {note}",
)


def customer_message(
    step: Step,
    to_status: CaseStatus,
    *,
    ticket: str,
    owner: str | None,
    note: str,
    language: Language,
) -> tuple[Purpose, str] | None:
    """(purpose, text) to send the customer after ``step``, or None when nothing is due."""
    index = 0 if language == "zh" else 1
    values = {"ticket": ticket, "owner": owner or "", "note": note}
    if step is Step.TRIAGE and to_status is CaseStatus.CLOSED:
        return "progress", _INVALID[index].format(**values)
    if to_status is CaseStatus.CLOSED:
        return "progress", _CLOSED[index].format(**values)
    if step is Step.RESOLVE:
        return "feedback_request", _PROGRESS[step][index].format(**values)
    if step in _PROGRESS:
        return "progress", _PROGRESS[step][index].format(**values)
    return None
