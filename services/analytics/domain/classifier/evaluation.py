"""How well predicted causes match labelled ones: per-label and macro F1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    rows: int
    macro_f1: float
    labels: list[LabelScore]


def evaluate(
    truth: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]], labels: Sequence[str]
) -> Evaluation:
    """Macro-F1 over ``labels`` — callers pass the labels the evaluation set contains."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label in p)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if label not in t and label in p)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label not in p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(LabelScore(label, precision, recall, f1, tp + fn))
    macro = sum(s.f1 for s in scores) / len(scores) if scores else 0.0
    return Evaluation(rows=len(truth), macro_f1=macro, labels=scores)


def disagreements(
    truth: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]], labels: Sequence[str]
) -> list[int]:
    """Rows whose predicted causes differ from the labelled ones, within ``labels``: the
    rows a quality team reads to tell a model's mistake from a labelling convention."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    kept = frozenset(labels)
    return [
        row for row, (t, p) in enumerate(zip(truth, predicted, strict=True)) if t & kept != p & kept
    ]
