"""Cue matching understands negation in Chinese and English, and masks phone numbers."""

from __future__ import annotations

import pytest

from services.analytics.domain.classifier.text import CueMatcher, normalize

MATCHER = CueMatcher(
    {"product": ("异响", "无法启动", "问题", "noise", "won't start"), "service": ("态度",)}
)


def verdicts(text: str) -> set[tuple[str, bool]]:
    return {(hit.cue, hit.negated) for hit in MATCHER.hits(normalize(text))}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刹车异响", {("异响", False)}),
        ("刹车没有异响", {("异响", True)}),
        ("刹车无异响，但是服务态度差", {("异响", True), ("态度", False)}),
        ("刹车不断异响", {("异响", False)}),  # 不断: keeps on, not a negation
        ("发动机无法启动", {("无法启动", False)}),  # the cue carries its own negator
        ("车没问题", {("问题", True)}),
        ("没有异响。态度很好", {("异响", True), ("态度", False)}),
        ("There is no noise at all", {("noise", True)}),
        ("It doesn't make any noise", {("noise", True)}),
        ("A loud noise from the back", {("noise", False)}),
        ("The car won't start", {("won't start", False)}),
        ("Not the noise, but the attitude", {("noise", True)}),
    ],
)
def test_negation(text: str, expected: set[tuple[str, bool]]) -> None:
    assert verdicts(text) == expected


def test_normalize_folds_width_and_case_and_masks_phones() -> None:
    assert normalize("ＡＢＳ故障　请回电13812345678") == "abs故障 请回电<phone>"
