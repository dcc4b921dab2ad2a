"""Where the classifier's examples come from: the project's own, and investigators'."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from services.analytics.domain.classifier.model import Example
from services.analytics.domain.facts import ComplaintFact

EXAMPLES_DIR = Path(__file__).resolve().parent / "training"
CONFIRMED_WEIGHT = 2.0
"""An investigator's confirmed cause is real evidence from this dealership: it weighs more."""


def packaged_examples() -> list[Example]:
    """The labelled examples written for the project, both languages."""
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("examples.*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            examples.append(
                Example(
                    text=row["text"],
                    causes=tuple(row["causes"]),
                    primary=row.get("primary"),
                    touchpoint=row.get("touchpoint"),
                    vehicle_system=row.get("vehicle_system"),
                )
            )
    return examples


def confirmed_examples(facts: Sequence[ComplaintFact]) -> list[Example]:
    """Complaints whose cause an investigator confirmed, as training examples."""
    return [
        Example(
            text=fact.text,
            causes=tuple(fact.confirmed_causes),
            primary=fact.confirmed_primary,
            touchpoint=fact.prediction.touchpoint if fact.prediction else None,
            vehicle_system=fact.prediction.vehicle_system if fact.prediction else None,
            weight=CONFIRMED_WEIGHT,
        )
        for fact in facts
        if fact.teaches_the_classifier
    ]
