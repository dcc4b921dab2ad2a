"""Recognising a customer's earlier complaints: the same matter again, or a repeat complainant."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

FOLLOW_UP_WINDOW = timedelta(days=7)
REPEAT_WINDOW = timedelta(days=90)
REPEAT_THRESHOLD = 2
"""Two or more complaints within the window (this one included) make a repeat complainant."""
SIMILARITY_THRESHOLD = 0.15

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class PriorComplaint:
    """What intake needs to know of a customer's earlier complaint."""

    id: str
    ticket_no: str
    content: str
    registered_at: datetime
    vin: str | None
    open: bool


def _shingles(text: str) -> set[str]:
    """Character bigrams of the normalised text: works for Chinese without a tokenizer."""
    normal = _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())
    if len(normal) < 2:
        return {normal} if normal else set()
    return {normal[i : i + 2] for i in range(len(normal) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of character bigrams, 0 (nothing shared) to 1 (same text)."""
    left, right = _shingles(a), _shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def same_matter(content: str, vin: str | None, prior: PriorComplaint, *, now: datetime) -> bool:
    """An open complaint of the last 7 days about a similar matter (or the same car and text)."""
    if not prior.open or now - prior.registered_at > FOLLOW_UP_WINDOW:
        return False
    score = similarity(content, prior.content)
    if vin is not None and prior.vin == vin:
        return score >= SIMILARITY_THRESHOLD / 2
    return score >= SIMILARITY_THRESHOLD


def find_follow_up_target(
    content: str, vin: str | None, priors: Sequence[PriorComplaint], *, now: datetime
) -> PriorComplaint | None:
    """The most recent open complaint this one continues, if any."""
    for prior in sorted(priors, key=lambda p: p.registered_at, reverse=True):
        if same_matter(content, vin, prior, now=now):
            return prior
    return None


def is_repeat_complainant(priors: Sequence[PriorComplaint], *, now: datetime) -> bool:
    recent = [p for p in priors if now - p.registered_at <= REPEAT_WINDOW]
    return len(recent) + 1 >= REPEAT_THRESHOLD
