"""Scoring a classifier against labels: F1 per label, and the rows where the two part."""

from __future__ import annotations

import pytest

from services.analytics.domain.classifier.evaluation import disagreements, evaluate

P, S, R, M = (
    "product_quality",
    "service_attitude_efficiency",
    "process_policy",
    "customer_misunderstanding",
)
TRUTH = [frozenset({P}), frozenset({P, S}), frozenset({R}), frozenset({P})]
PREDICTED = [frozenset({P}), frozenset({P}), frozenset({R}), frozenset({P, M})]


def test_f1_per_label_and_macro() -> None:
    result = evaluate(TRUTH, PREDICTED, [P, S, R])
    scores = {s.label: s for s in result.labels}
    assert scores[P].f1 == 1.0 and scores[R].f1 == 1.0
    assert scores[S].recall == 0.0 and scores[S].support == 1
    assert result.macro_f1 == pytest.approx(2 / 3)


def test_disagreements_count_only_the_labels_evaluated() -> None:
    # Row 3 differs only in a label the file does not use, and that is not held against it.
    assert disagreements(TRUTH, PREDICTED, [P, S, R]) == [1]
    assert disagreements(TRUTH, PREDICTED, [P, S, R, M]) == [1, 3]


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="length"):
        disagreements(TRUTH, PREDICTED[:2], [P])
