"""Text normalisation and negation-aware cue matching, for Chinese and English.

A cue preceded closely by a negator in the same clause ("刹车没有异响", "no noise") is
negated, so it counts against its label instead of for it. Cues that contain their own
negator ("无法启动", "won't start") are matched whole and are not negated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_ZH_NEGATORS = ("并没有", "从来没", "没有", "从未", "并非", "不是", "没", "不", "无", "未")
_ZH_NOT_NEGATIONS = re.compile(
    "不断|不停|不少|不仅|不得不|不时|不久|不到|无数|非常|没几天|没多久|没过|没开|没跑|不管"
)
"""Words that contain a negator but do not negate what follows ("不断异响": it keeps rattling)."""
_EN_NEGATORS = ("not", "no", "never", "without", "nothing", "n't", "none", "nor")
_CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;:：、\n]|\bbut\b|\bhowever\b|但是|但|可是|不过|却")
_ZH_WINDOW = 4
_EN_WINDOW_WORDS = 3
_PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, single spaces; phone numbers masked."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _PHONE.sub("<phone>", folded)
    return re.sub(r"\s+", " ", folded).strip()


def is_cjk(term: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in term)


@dataclass(frozen=True, slots=True)
class CueHit:
    label: str
    cue: str
    start: int
    negated: bool


class CueMatcher:
    """Finds the cues of each label in a normalised text, longest cue first."""

    def __init__(self, cues: Mapping[str, Iterable[str]]) -> None:
        owners: dict[str, list[str]] = {}
        for label, terms in cues.items():
            for term in terms:
                labels = owners.setdefault(normalize(term), [])
                if label not in labels:
                    labels.append(label)
        self._owners = owners
        ordered = sorted(owners, key=len, reverse=True)
        parts = [re.escape(t) if is_cjk(t) else rf"\b{re.escape(t)}\b" for t in ordered]
        self._pattern = re.compile("|".join(parts)) if parts else None

    def hits(self, text: str) -> list[CueHit]:
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            cue = match.group(0)
            negated = _negated(text, match.start(), cue)
            found += [CueHit(label, cue, match.start(), negated) for label in self._owners[cue]]
        return found


def _negated(text: str, start: int, cue: str) -> bool:
    before = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    if is_cjk(cue):
        window = _ZH_NOT_NEGATIONS.sub("", clause[-_ZH_WINDOW - 2 :])[-_ZH_WINDOW:]
        return any(neg in window for neg in _ZH_NEGATORS)
    words = re.findall(r"[a-z']+", clause)[-_EN_WINDOW_WORDS:]
    return any(w in _EN_NEGATORS or w.endswith("n't") for w in words)
