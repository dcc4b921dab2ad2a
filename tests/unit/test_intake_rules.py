"""Intake's pure rules: language, urgency (with negation), follow-ups and repeats, the
acknowledgement text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.acknowledgement import acknowledge
from services.intake.domain.language import detect_language
from services.intake.domain.repeats import (
    PriorComplaint,
    find_follow_up_target,
    is_repeat_complainant,
    similarity,
)
from services.intake.domain.urgency import assess_urgency
from shared.vocab import Channel, Urgency

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("保养后ESP灯亮了", "zh"),
        ("4S店的服务顾问态度很差", "zh"),
        ("The dealer never called me back about my Passat.", "en"),
        ("My car 帕萨特 has a noise in the engine bay every morning", "en"),
        ("", "zh"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "channel", "urgency", "reasons"),
    [
        ("高速上刹车失灵，差点出事故", Channel.HOTLINE, Urgency.CRITICAL, {"safety"}),
        ("车辆行驶中突然熄火，非常危险", Channel.HOTLINE, Urgency.CRITICAL, {"safety"}),
        ("The car caught fire in my garage", Channel.EMAIL, Urgency.CRITICAL, {"safety"}),
        ("没有起火，只是有焦味", Channel.HOTLINE, Urgency.NORMAL, set()),
        ("There was no fire, only a smell.", Channel.EMAIL, Urgency.NORMAL, set()),
        ("He was fired? No: the firewall of the app fails.", Channel.APP, Urgency.NORMAL, set()),
        ("再拖下去我就找记者曝光", Channel.WECHAT, Urgency.HIGH, {"media_exposure"}),
        ("我已经请了律师准备起诉", Channel.HOTLINE, Urgency.HIGH, {"legal_action"}),
        ("保养等了很久", Channel.MANUFACTURER, Urgency.HIGH, {"manufacturer_referral"}),
        ("保养等了很久", Channel.REGULATOR, Urgency.HIGH, {"regulator_referral"}),
        ("保养等了很久", Channel.HOTLINE, Urgency.NORMAL, set()),
    ],
)
def test_urgency(text: str, channel: Channel, urgency: Urgency, reasons: set[str]) -> None:
    result = assess_urgency(text, channel=channel, repeat_complainant=False, marked_urgent=False)
    assert result.urgency is urgency
    assert set(result.reasons) == reasons


def test_repeat_complainants_and_the_agents_mark_raise_urgency() -> None:
    repeat = assess_urgency(
        "等太久", channel=Channel.PHONE, repeat_complainant=True, marked_urgent=False
    )
    marked = assess_urgency(
        "等太久", channel=Channel.PHONE, repeat_complainant=False, marked_urgent=True
    )
    assert (repeat.urgency, repeat.reasons) == (Urgency.HIGH, ("repeat_complainant",))
    assert (marked.urgency, marked.reasons) == (Urgency.HIGH, ("marked_by_agent",))


def prior(
    days_ago: float, content: str, *, open_: bool = True, vin: str | None = None
) -> PriorComplaint:
    return PriorComplaint(
        id=f"p{days_ago}",
        ticket_no="TS-1",
        content=content,
        registered_at=NOW - timedelta(days=days_ago),
        vin=vin,
        open=open_,
    )


def test_similarity_is_symmetric_and_bounded() -> None:
    a, b = "发动机异响，要求检查", "发动机还是异响"
    assert similarity(a, b) == similarity(b, a)
    assert 0 < similarity(a, b) < 1
    assert similarity(a, a) == 1
    assert similarity(a, "") == 0


def test_a_similar_open_complaint_within_a_week_is_the_follow_up_target() -> None:
    priors = [prior(2, "保养后发动机异响，服务顾问说正常"), prior(1, "销售承诺的赠品没有给")]
    target = find_follow_up_target("发动机异响还没修好，服务顾问一直说正常", None, priors, now=NOW)
    assert target is not None and target.id == "p2"


@pytest.mark.parametrize(
    "earlier",
    [
        prior(8, "保养后发动机异响，服务顾问说正常"),  # too old
        prior(2, "保养后发动机异响，服务顾问说正常", open_=False),  # closed
        prior(2, "交车时等待了三个小时"),  # another matter
    ],
)
def test_no_follow_up_target(earlier: PriorComplaint) -> None:
    assert (
        find_follow_up_target("发动机异响还没修好，服务顾问说正常", None, [earlier], now=NOW)
        is None
    )


def test_the_same_car_needs_less_textual_overlap() -> None:
    vin = "LSVAA4182E2123451"
    earlier = prior(1, "保养后仪表盘上的发动机故障灯亮了，要求检查", vin=vin)
    later = "故障灯又亮了"  # little overlap in words, but the same car
    assert find_follow_up_target(later, vin, [earlier], now=NOW) is not None
    assert find_follow_up_target(later, None, [earlier], now=NOW) is None


def test_repeat_complainant_counts_this_one_within_ninety_days() -> None:
    assert not is_repeat_complainant([], now=NOW)
    assert is_repeat_complainant([prior(80, "x")], now=NOW)
    assert not is_repeat_complainant([prior(91, "x")], now=NOW)


@pytest.mark.parametrize(
    ("channel", "phone", "email", "medium"),
    [
        (Channel.HOTLINE, True, False, "sms"),
        (Channel.WECHAT, False, False, "wechat"),
        (Channel.EMAIL, False, True, "email"),
        (Channel.WEB, False, True, "email"),
        (Channel.REGULATOR, True, False, "referral_reply"),
    ],
)
def test_acknowledgement_medium_and_text(
    channel: Channel, phone: bool, email: bool, medium: str
) -> None:
    zh = acknowledge(
        channel=channel, language="zh", name="张伟", ticket_no="TS-20260610-0007",
        promise="在48小时内（6月12日09:00前）", dealer="广州示例4S店", has_phone=phone,
        has_email=email,
    )  # fmt: skip
    assert zh.medium == medium
    assert "TS-20260610-0007" in zh.text and "48小时" in zh.text and "广州示例4S店" in zh.text
    en = acknowledge(
        channel=channel, language="en", name="Wei", ticket_no="TS-20260610-0007",
        promise="within 48 hours", dealer="Demo Motors", has_phone=phone, has_email=email,
        follow_up=True,
    )  # fmt: skip
    assert en.language == "en" and "TS-20260610-0007" in en.text and "Dear Wei" in en.text
