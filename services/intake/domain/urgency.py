"""Urgency raised by what a complaint says and where it comes from, in Chinese and English.

Safety comes first (critical); threats of media exposure or legal action, referrals
from the manufacturer or a regulator, repeat complainants and the agent's own mark
raise it to high.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.vocab import Channel, Urgency

_NEGATION_WINDOW = 4  # characters (zh) before a term that can negate it


@dataclass(frozen=True)
class UrgencyAssessment:
    urgency: Urgency
    reasons: tuple[str, ...]


_SAFETY_ZH = (
    "刹车失灵",
    "刹车失效",
    "制动失灵",
    "制动失效",
    "刹不住",
    "刹车无力",
    "起火",
    "着火",
    "自燃",
    "冒烟",
    "气囊",
    "安全气囊",
    "失去动力",
    "动力中断",
    "突然熄火",
    "高速熄火",
    "行驶中熄火",
    "方向盘失灵",
    "转向失灵",
    "方向失控",
    "爆胎",
    "断轴",
    "漏油起火",
    "电池鼓包",
    "车门打不开",
    "刹车突然",
    "险些出事",
    "差点出事故",
    "撞车",
    "车祸",
)
_SAFETY_EN = (
    r"\bbrakes? (?:failed|failure|fail|gave out)",
    r"\bbrake failure",
    r"\b(?:fire|caught fire|on fire|smoke|smoking)\b",
    r"\bairbags?\b",
    r"\b(?:loss of power|lost power)\b",
    r"\bstall(?:ed|s)? (?:on|at|while)",
    r"\bsteering (?:failed|failure|locked)",
    r"\b(?:tyre|tire) blew\b|\bblowout\b",
    r"\b(?:accident|crash(?:ed)?)\b",
    r"\bbattery (?:swell|swollen|bulg)",
    r"\b(?:unsafe|dangerous)\b",
)
_MEDIA_ZH = (
    "曝光",
    "媒体",
    "记者",
    "电视台",
    "发微博",
    "发抖音",
    "上热搜",
    "网上发帖",
    "投诉到网上",
    "找媒体",
)
_MEDIA_EN = (
    r"media",
    r"journalist",
    r"reporter",
    r"newspaper",
    r"\btv\b",
    r"go viral",
    r"post (?:it )?online",
)
_LEGAL_ZH = (
    "律师",
    "起诉",
    "法院",
    "打官司",
    "诉讼",
    "仲裁",
    "法律途径",
    "维权",
    "12315",
    "消协",
    "市场监管",
)
_LEGAL_EN = (r"\b(?:lawyers?|attorneys?|sue|lawsuit|court|legal action|regulators?)\b",)
_NEGATIONS_ZH = ("不", "没", "无", "未", "非", "别")
_NEGATIONS_EN = re.compile(
    r"\b(?:no|not|never|without|isn't|wasn't|didn't|don't|doesn't)\b\W+(?:\w+\W+)?$"
)

_REFERRAL_CHANNELS = frozenset({Channel.MANUFACTURER, Channel.REGULATOR})


def _zh_hit(text: str, terms: tuple[str, ...]) -> bool:
    for term in terms:
        start = text.find(term)
        while start != -1:
            window = text[max(0, start - _NEGATION_WINDOW) : start]
            if not any(neg in window for neg in _NEGATIONS_ZH):
                return True
            start = text.find(term, start + 1)
    return False


def _en_hit(text: str, patterns: tuple[str, ...]) -> bool:
    lowered = text.lower()
    for pattern in patterns:
        for match in re.finditer(pattern, lowered):
            if not _NEGATIONS_EN.search(lowered[max(0, match.start() - 30) : match.start()]):
                return True
    return False


def _mentions(text: str, zh: tuple[str, ...], en: tuple[str, ...]) -> bool:
    return _zh_hit(text, zh) or _en_hit(text, en)


def assess_urgency(
    text: str, *, channel: Channel, repeat_complainant: bool, marked_urgent: bool
) -> UrgencyAssessment:
    reasons: list[str] = []
    if _mentions(text, _SAFETY_ZH, _SAFETY_EN):
        reasons.append("safety")
    if _mentions(text, _MEDIA_ZH, _MEDIA_EN):
        reasons.append("media_exposure")
    if _mentions(text, _LEGAL_ZH, _LEGAL_EN):
        reasons.append("legal_action")
    if channel in _REFERRAL_CHANNELS:
        reasons.append(f"{channel.value}_referral")
    if repeat_complainant:
        reasons.append("repeat_complainant")
    if marked_urgent:
        reasons.append("marked_by_agent")
    if "safety" in reasons:
        urgency = Urgency.CRITICAL
    elif reasons:
        urgency = Urgency.HIGH
    else:
        urgency = Urgency.NORMAL
    return UrgencyAssessment(urgency=urgency, reasons=tuple(reasons))
