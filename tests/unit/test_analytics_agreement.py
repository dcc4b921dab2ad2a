"""Agreement of each model version with the investigators' confirmed causes."""

from __future__ import annotations

from services.analytics.domain.classifier.agreement import agreement
from services.analytics.domain.facts import ComplaintFact, PredictedCause

P, S, R = "product_quality", "service_attitude_efficiency", "process_policy"


def fact(cid: str, version: str, predicted: list[str], confirmed: list[str]) -> ComplaintFact:
    prediction = PredictedCause(
        causes=predicted, primary_cause=predicted[0], confidence=0.9, model_version=version
    )
    return ComplaintFact(
        complaint_id=cid,
        prediction=prediction,
        confirmed_causes=confirmed,
        confirmed_primary=confirmed[0] if confirmed else None,
    )


def test_each_version_is_measured_on_the_complaints_it_predicted() -> None:
    facts = [
        fact("a", "m001", [P], [P]),
        fact("b", "m001", [P, S], [S, P]),  # both causes right, primary wrong
        fact("c", "m001", [R], [S]),
        fact("d", "m002", [S], [S]),
        fact("e", "m002", [P], []),  # not confirmed yet: not counted
    ]
    newest, oldest, overall = agreement(facts)
    assert (newest.version, newest.cases, newest.primary_agreement) == ("m002", 1, 1.0)
    assert (oldest.version, oldest.cases) == ("m001", 3)
    assert oldest.primary_agreement == round(1 / 3, 4)
    # m001: P tp 2 (a, b) → F1 1.0; S tp 1 fn 1 → 2/3; R fp 1 → 0
    assert oldest.label_f1 == {P: 1.0, R: 0.0, S: round(2 / 3, 4)}
    assert overall.version == "all" and overall.cases == 4


def test_one_version_has_no_separate_total_and_none_confirmed_is_empty() -> None:
    assert [row.version for row in agreement([fact("a", "m001", [P], [P])])] == ["m001"]
    assert agreement([fact("a", "m001", [P], [])]) == []
