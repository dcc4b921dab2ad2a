"""A case forgets its customer when intake erases the complaint's personal data (PIPL
art. 47: on request, or when the retention period is over).

The case holds copies of the customer's name, masked numbers, plate and words; they go.
What the dealership must still count stays: status, dates, department, owner, causes,
remedy, approvals, SLA and the timeline's steps (staff's own notes included).
"""

from __future__ import annotations

from services.resolution.domain.case import Case, CauseSuggestion, TimelineEntry
from shared.contracts.intake import PERSONAL_REFERENCES, ComplaintErased

ERASED_STEP = "personal_data_erased"
"""The timeline entry that records the erasure (a system entry: it moves no clock)."""


def erase_personal_data(case: Case, erased: ComplaintErased) -> Case:
    """The case without the customer's personal data, the erasure on its timeline; the same
    case when it was erased before (the first erasure's time and reason stand)."""
    if case.erased_at is not None:
        return case
    entry = TimelineEntry(
        at=erased.erased_at,
        actor="intake",
        role="system",
        step=ERASED_STEP,
        from_status=case.status,
        to_status=case.status,
        note=erased.reason.value,
        department=case.department.value if case.department else None,
    )
    return case.model_copy(
        update={
            "customer_name": "",
            "phone_masked": "",
            "plate_masked": None,
            "content": "",
            "demand_note": None,
            "feedback_comment": None,
            "references": {
                k: v for k, v in case.references.items() if k not in PERSONAL_REFERENCES
            },
            "suggestion": without_quotes(case.suggestion) if case.suggestion else None,
            "evidence": [],  # intake deleted the files with the rest
            "erased_at": erased.erased_at,
            "erasure_reason": erased.reason.value,
            "timeline": [*case.timeline, entry],
            "version": case.version + 1,
        }
    )


def without_quotes(suggestion: CauseSuggestion) -> CauseSuggestion:
    """The suggested causes without the complaint's phrases behind them (evidence terms,
    the analysts' weighted cues): those quote the customer's words."""
    return suggestion.model_copy(update={"explanation": [], "evidence": []})
