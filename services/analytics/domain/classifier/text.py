"""Text normalisation and negation-aware cue matching, for Chinese and English.

A cue preceded closely by a negator in the same clause ("刹车没有异响", "no noise") is
negated, so it counts against its label instead of for it. Cues that contain their own
negator ("无法启动", "won't start") are matched whole and are not negated, and their
negator is theirs alone: in "无法启动故障灯亮" the 无 of 无法启动 does not negate 故障灯.

A cue after the customer's demand in the same clause ("要求厂家召回", "asking for
compensation") is demanded: it says what the customer wants, not why they complain
(the manual keeps 诉求 apart from 原因), so the model weighs it apart from the cause cues.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_ZH_NEGATORS = ("并没有", "从来没", "没有", "从未", "并非", "不是", "没", "不", "无", "未")
_ZH_NOT_NEGATIONS = re.compile(
    "不断|不停|不少|不仅|不得不|不时|不久|不到|无数|无故|无端|非常|没几天|没多久|没过|没开|没跑|不管"
    "|不足|不够|不良|不稳|不畅|不灵|不准|不均|不全|不当|不正常|不对劲"
    "|不合理|不合规|不规范|不透明|不公平|不公正|不专业|不负责|不耐烦|不礼貌|不及时|不明确"
)
"""Words that contain a negator but do not negate what follows: "不断异响" (it keeps
rattling), and words whose 不 ends inside them ("电量不足4S店不予质保", "接触不良导致熄火":
what is insufficient is the charge, not the refusal or the stall; "收取不合理的金融服务费"
complains of the fee, it does not deny it)."""
_EN_NEGATORS = ("not", "no", "never", "without", "nothing", "n't", "none", "nor")
_CONTRASTS = r"\bbut\b|\bhowever\b|但是|但|可是|不过|却"
_CJK_SPACE = (
    r"(?<=[\u4e00-\u9fff])(?<![不没无未])(?<!没有)(?<!不是)(?<!并非)(?<!从未) "
    r"(?=[\u4e00-\u9fff]|$)"
)
"""Chinese puts no spaces between words: one between two Chinese characters parts two
phrases, as a comma would ("大灯不透亮 启停异常"), unless it follows a negator, which
still reaches across it ("刹车没有 异响")."""
_CLAUSE_BREAK = re.compile(rf"[，。！？；,.!?;:：、\n]|{_CJK_SPACE}|{_CONTRASTS}")
_DEMAND_CLAUSE_BREAK = re.compile(rf"[，。！？；,.!?;\n]|{_CJK_SPACE}|{_CONTRASTS}")
"""A demand runs on over lists and headings: "诉求：退车、退款、赔偿" demands all three."""
_ZH_DEMANDS = re.compile("要求|希望|请求|诉求|恳请|盼望")
_ZH_CUSTOMER = ("我方", "我们", "本人", "我", "车主", "客户")
_ZH_OTHERS = (
    "店", "商", "厂家", "厂方", "对方", "销售", "售后", "顾问", "经理", "师傅", "公司", "他们",
    "员", "被", "强制",
)  # fmt: skip
"""Whose demand: "4S店要求…", "销售要求…", "被要求…", "强制要求…" are someone else's."""
_EN_DEMANDS = re.compile(
    r"\b(?:i|we)(?: am| are|'m|'re)? (?:asking|requesting|demanding)(?: for)?\b"
    r"|\b(?:i|we) (?:want|demand|request|expect|ask for|asked for)\b"
    r"|\b(?:i|we)(?:'d| would) like\b"
)
_EN_NOT_DEMANDS = re.compile(r" to (?:complain|report|say|tell|know|ask|explain|mention)\b")
"""'I want to complain about…' announces a complaint, it does not demand anything."""
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
    demanded: bool = False


class CueMatcher:
    """Finds the cues of each label in a normalised text, longest cue first.

    Each label is matched on its own, so one label's cue never hides an overlapping cue
    of another ("经销商未履行": service's "经销商未" and process's "未履行" both count).
    """

    def __init__(self, cues: Mapping[str, Iterable[str]]) -> None:
        unique = {label: list(dict.fromkeys(map(normalize, cue))) for label, cue in cues.items()}
        self._patterns = {label: _alternation(terms) for label, terms in unique.items() if terms}

    def hits(self, text: str) -> list[CueHit]:
        matches = [
            (label, match)
            for label, pattern in self._patterns.items()
            for match in pattern.finditer(text)
        ]
        unclaimed = _without_cues(text, [match for _, match in matches])
        found = [
            CueHit(
                label,
                match.group(0),
                match.start(),
                _negated(unclaimed, match.start(), match.group(0)),
                _demanded(text, match.start()),
            )
            for label, match in matches
        ]
        return sorted(found, key=lambda hit: hit.start)


_BLANK = "\u3000"
"""Stands in for a matched Chinese cue's characters when looking for negators: not a
negator, not a clause break (NFKC-normalised text never contains it)."""
_BLANK_WORD = "x"
"""Stands in for a matched English cue: still a word, so the negation window keeps its
reach ("never had the gearbox fault": never is four words before fault)."""


def _without_cues(text: str, matches: Iterable[re.Match[str]]) -> str:
    """The text with every matched cue blanked out, so a cue's own negator negates nothing."""
    chars = list(text)
    for match in matches:
        blank = _BLANK if is_cjk(match.group(0)) else _BLANK_WORD
        chars[match.start() : match.end()] = blank * (match.end() - match.start())
    return "".join(chars)


_GAP = "..."
"""In a cue, a few words of the same clause: "更换…后" matches "更换电磁阀后" (NFKC makes
the ellipsis three dots)."""
_GAP_PATTERN = r"[^，。！？；,.!?;:：\n]{0,8}?"
_EN_GAP_PATTERN = r"(?:\s+[^\s,.;:!?]+){0,4}?\s+"


def _alternation(terms: list[str]) -> re.Pattern[str]:
    ordered = sorted(terms, key=len, reverse=True)
    return re.compile("|".join(_term_pattern(t) for t in ordered))


def _term_pattern(term: str) -> str:
    if is_cjk(term):
        return _GAP_PATTERN.join(re.escape(part) for part in term.split(_GAP))
    body = _EN_GAP_PATTERN.join(re.escape(part.strip()) for part in term.split(_GAP))
    return rf"\b{body}\b"


def _clause_before(text: str, start: int, breaks: re.Pattern[str] = _CLAUSE_BREAK) -> str:
    before = text[:start]
    found = list(breaks.finditer(before))
    return before[found[-1].end() :] if found else before


def _demanded(text: str, start: int) -> bool:
    clause = _clause_before(text, start, _DEMAND_CLAUSE_BREAK)
    for match in _ZH_DEMANDS.finditer(clause):
        who = clause[max(0, match.start() - 3) : match.start()]
        if who.endswith(_ZH_CUSTOMER) or not who.endswith(_ZH_OTHERS):
            return True
    return any(
        not _EN_NOT_DEMANDS.match(clause, match.end()) for match in _EN_DEMANDS.finditer(clause)
    )


def _negated(text: str, start: int, cue: str) -> bool:
    clause = _clause_before(text, start)
    if is_cjk(cue):
        window = _ZH_NOT_NEGATIONS.sub("", clause[-_ZH_WINDOW - 2 :])[-_ZH_WINDOW:]
        return any(neg in window for neg in _ZH_NEGATORS)
    words = re.findall(r"[a-z']+", clause)[-_EN_WINDOW_WORDS:]
    return any(w in _EN_NEGATORS or w.endswith("n't") for w in words)
