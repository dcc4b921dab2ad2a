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


def test_one_labels_cue_does_not_hide_an_overlapping_cue_of_another() -> None:
    matcher = CueMatcher({"service": ("经销商未",), "process": ("未履行",)})
    hits = matcher.hits(normalize("厂家活动经销商未履行"))
    assert {(hit.label, hit.cue) for hit in hits} == {
        ("service", "经销商未"),
        ("process", "未履行"),
    }


@pytest.mark.parametrize(
    ("text", "demanded"),
    [
        ("变速箱故障，要求召回", True),
        ("发动机抖动希望厂家召回", True),
        ("We are asking for a recall", True),
        ("厂家召回后问题依旧", False),
        ("4S店要求先交召回手续费", False),  # the dealer's demand, not the customer's
        ("被强制要求召回", False),
        ("要求处理。召回没通知", False),  # another clause
        ("销售要求必须先办召回登记", False),
        ("服务顾问要求先交钱才给召回", False),
        ("我方要求召回", True),
        ("诉求：召回", True),  # a heading
        ("要求退车、换车、召回", True),  # a list
        ("The dealer asked for a recall fee", False),
        ("I want to complain about the recall", False),
        ("I would like to report the recall letter never came", False),
        ("I'd like a recall", True),
    ],
)
def test_a_cue_the_customer_asks_for_is_marked_demanded(text: str, demanded: bool) -> None:
    matcher = CueMatcher({"process": ("召回", "recall")})
    (hit,) = matcher.hits(normalize(text))
    assert hit.demanded is demanded


def test_a_gap_in_a_cue_spans_a_few_words_of_the_same_clause() -> None:
    matcher = CueMatcher({"service": ("更换…后", "after … repair")})
    assert [h.cue for h in matcher.hits(normalize("更换电磁阀后加速异响"))] == ["更换电磁阀后"]
    assert [h.cue for h in matcher.hits(normalize("noise after the last repair"))] == [
        "after the last repair"
    ]
    assert matcher.hits(normalize("更换了电磁阀，后来又响")) == []  # not across a clause
    for text in ("noise after repair", "noise after the brake pad repair"):
        assert [h.cue for h in matcher.hits(normalize(text))] == [text.removeprefix("noise ")]


def test_for_no_reason_is_not_a_negation() -> None:
    assert verdicts("化妆镜无故异响") == {("异响", False)}


def test_a_word_that_ends_its_own_negation_negates_nothing_after_it() -> None:
    assert verdicts("接触不良导致异响") == {("异响", False)}
    assert verdicts("电量不足，态度差") == {("态度", False)}
    assert verdicts("动力不足有异响") == {("异响", False)}


def test_an_adjective_with_a_negator_inside_negates_nothing_after_it() -> None:
    """ "不合理的异响收费" complains of the charge; "维修不及时异响" of the noise."""
    assert verdicts("收取不合理的异响检测费") == {("异响", False)}
    assert verdicts("维修不及时异响依旧") == {("异响", False)}
    assert verdicts("收费不合理，刹车没有异响") == {("异响", True)}  # a real negation still is


def test_a_cues_own_negator_negates_nothing_after_it() -> None:
    matcher = CueMatcher({"product": ("无法启动", "故障灯", "异响", "won't start", "rattle")})
    hits = matcher.hits(normalize("车辆无法启动故障灯亮"))
    assert [(h.cue, h.negated) for h in hits] == [("无法启动", False), ("故障灯", False)]
    assert [(h.cue, h.negated) for h in matcher.hits(normalize("启动后没有异响"))] == [
        ("异响", True)
    ]
    english = matcher.hits(normalize("It won't start and there's a rattle"))
    assert [(h.cue, h.negated) for h in english] == [("won't start", False), ("rattle", False)]


def test_a_blanked_english_cue_still_counts_as_a_word_of_the_window() -> None:
    matcher = CueMatcher({"product": ("gearbox", "fault")})
    # "never" is four words before "fault" once "gearbox" counts as one: out of reach
    hits = matcher.hits(normalize("never had the gearbox fault"))
    assert [(h.cue, h.negated) for h in hits] == [("gearbox", True), ("fault", False)]


def test_a_space_between_chinese_phrases_ends_the_clause() -> None:
    assert verdicts("大灯不亮 异响") == {("异响", False)}
    assert verdicts("刹车没有 异响") == {("异响", True)}  # a negator reaches across it
    assert verdicts("There is no noise") == {("noise", True)}  # English spaces are words
