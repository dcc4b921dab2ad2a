"""Files attached at intake, as the case knows them: listed once, on the timeline as a
record that moves no clock."""

from __future__ import annotations

from services.resolution.domain.case import EVIDENCE_STEP, add_evidence
from services.resolution.domain.milestones import next_deadline
from services.resolution.domain.stages import stage_account
from shared.contracts.intake import ComplaintAttachmentAdded
from shared.vocab import EvidenceKind
from tests.support.cases import LOOP, POLICY, T0, H, at_hours, timed


def added(attachment_id: str, kind: EvidenceKind, hours: float) -> ComplaintAttachmentAdded:
    return ComplaintAttachmentAdded(
        complaint_id="c-1", ticket_no="TS-20260701-0001", attachment_id=attachment_id,
        kind=kind, content_type="image/jpeg", size=2048, added_at=T0 + hours * H,
        added_by="olga", added_role="owner",
    )  # fmt: skip


def test_each_file_is_listed_once_with_who_added_it() -> None:
    case = at_hours(*timed(range(1, 4), LOOP[:3]))
    photo = add_evidence(case, added("a-1", EvidenceKind.PHOTO, 3.5))
    both = add_evidence(photo, added("a-2", EvidenceKind.RECORDING, 4))
    assert [(n.attachment_id, n.kind, n.added_by) for n in both.evidence] == [
        ("a-1", EvidenceKind.PHOTO, "olga"),
        ("a-2", EvidenceKind.RECORDING, "olga"),
    ]
    assert both.version == case.version + 2
    assert add_evidence(both, added("a-1", EvidenceKind.PHOTO, 3.5)) == both  # again: nothing
    entry = both.timeline[-1]
    assert (entry.step, entry.role, entry.note) == (EVIDENCE_STEP, "system", "recording")
    assert entry.from_status == entry.to_status == case.status


def test_an_attachment_moves_no_clock_and_no_stage() -> None:
    case = at_hours(*timed(range(1, 4), LOOP[:3]))
    later = T0 + 10 * H
    with_photo = add_evidence(case, added("a-1", EvidenceKind.PHOTO, 5))
    assert stage_account(with_photo, POLICY, later) == stage_account(case, POLICY, later)
    assert next_deadline(with_photo, POLICY, later) == next_deadline(case, POLICY, later)


def test_an_erased_case_takes_no_evidence_back() -> None:
    case = at_hours(*timed(range(1, 4), LOOP[:3]))
    erased = case.model_copy(update={"erased_at": T0 + 20 * H})
    assert add_evidence(erased, added("a-9", EvidenceKind.PHOTO, 21)) == erased


def test_a_file_announced_late_takes_its_place_in_the_timeline() -> None:
    case = at_hours(*timed(range(1, 4), LOOP[:3]))  # steps at hours 1, 2 and 3
    late = add_evidence(case, added("a-1", EvidenceKind.PHOTO, 1.5))
    assert [e.step for e in late.timeline] == [
        case.timeline[0].step, EVIDENCE_STEP, *(e.step for e in case.timeline[1:])
    ]  # fmt: skip
    entry = late.timeline[1]
    assert entry.from_status == entry.to_status == case.timeline[0].to_status
