"""How often each model version's prediction matched what the investigator confirmed.

The honest measure of the classifier at this dealership: the prediction was made at
registration, the cause confirmed later from the investigation, so every confirmed
complaint is an out-of-sample check of the version that predicted it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.analytics.domain.classifier.evaluation import evaluate
from services.analytics.domain.facts import ComplaintFact

ALL_VERSIONS = "all"


@dataclass(frozen=True, slots=True)
class Agreement:
    version: str
    cases: int
    primary_agreement: float
    """Share of cases whose predicted primary cause is the confirmed primary cause."""
    macro_f1: float
    """Over the causes that occur among the confirmed or predicted causes."""
    label_f1: dict[str, float]


def agreement(facts: Iterable[ComplaintFact]) -> list[Agreement]:
    """One row per model version (newest first) and one for all versions together."""
    checked = [f for f in facts if f.prediction is not None and f.confirmed_causes]
    by_version: dict[str, list[ComplaintFact]] = {}
    for fact in checked:
        assert fact.prediction is not None
        by_version.setdefault(fact.prediction.model_version, []).append(fact)
    rows = [_row(version, group) for version, group in sorted(by_version.items(), reverse=True)]
    if len(by_version) > 1:
        rows.append(_row(ALL_VERSIONS, checked))
    return rows


def _row(version: str, facts: list[ComplaintFact]) -> Agreement:
    truth = [frozenset(f.confirmed_causes) for f in facts]
    predicted = [frozenset(f.prediction.causes) if f.prediction else frozenset() for f in facts]
    labels = sorted(set().union(*truth, *predicted))
    scores = evaluate(truth, predicted, labels)
    same_primary = sum(
        1 for f in facts if f.prediction and f.prediction.primary_cause == f.confirmed_primary
    )
    return Agreement(
        version=version,
        cases=len(facts),
        primary_agreement=round(same_primary / len(facts), 4),
        macro_f1=round(scores.macro_f1, 4),
        label_f1={s.label: round(s.f1, 4) for s in scores.labels},
    )
