"""Which models may still hold an erased customer's words.

A model learns its vocabulary (character and word n-grams) from every confirmed
complaint's words, so once such a complaint is erased the models trained on it are
replaced by one trained without it, and deleted (PIPL art. 47).
"""

from __future__ import annotations

from collections.abc import Mapping

ERASED_EXAMPLES = "classifier.erased_examples"
"""The counter of training examples (confirmed complaints' words) erased so far; each
model records its value when trained, as ``trained_on[TRAINED_AFTER]``. Each erased
complaint counts once, rebuilds included (the store remembers which were counted).
A store from before that counts each earlier erasure once more at its first rebuild:
more is safe (one retraining), less would not be."""
TRAINED_AFTER = "erased_examples"


def may_hold_erased_words(trained_on: Mapping[str, int], erased_examples: int) -> bool:
    """Whether a model learnt from confirmed complaints some of which were erased after it
    was trained (a model from before this was recorded counts as trained before any)."""
    learnt_from_complaints = trained_on.get("confirmations", 0) > 0
    return learnt_from_complaints and trained_on.get(TRAINED_AFTER, 0) < erased_examples
