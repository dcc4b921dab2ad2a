"""The packaged model reads complaints as the manual defines the causes (both languages).

Sentences written for this test, not taken from any evaluation file.
"""

from __future__ import annotations

import pytest

from services.analytics.domain.classifier.model import CauseClassifier, train
from services.analytics.training_data import packaged_examples

P, S, R, M = (
    "product_quality",
    "service_attitude_efficiency",
    "process_policy",
    "customer_misunderstanding",
)


@pytest.fixture(scope="module")
def model() -> CauseClassifier:
    return train(packaged_examples(), version="test")


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("刹车没有异响，但服务顾问态度很差，爱答不理", {S}, {P}),
        ("变速箱低速顿挫严重，要求厂家召回", {P}, {R}),
        ("大灯进水起雾，希望厂家给予补偿", {P}, {R}),
        ("保养时多收了一次工时费，还不给开发票", {R}, set()),
        ("配件缺货，车在店里等了一个多月", {R}, set()),
        ("店里无法提供后视镜配件，只能一直等", {R}, set()),
        ("空调不制冷，修了三次还是一样", {P, S}, set()),
        ("更换节温器后水温反而更高了", {S}, set()),
        ("4S店说这个异响无法解决", {S}, set()),
        ("以为自动启停是故障，其实是正常功能", {M}, set()),
        ("The brakes make no noise at all; the advisor was rude and never called back", {S}, {P}),
        ("Gearbox judders at low speed, we are asking for a recall", {P}, {R}),
        ("They charged me twice for labour and refused to give an invoice", {R}, set()),
        ("The infotainment screen freezes every morning", {P}, {S, R}),
    ],
)
def test_causes_follow_the_manuals_definitions(
    model: CauseClassifier, text: str, present: set[str], absent: set[str]
) -> None:
    prediction = model.predict(text)
    assert present <= set(prediction.causes), prediction.explanation
    assert not absent & set(prediction.causes), prediction.explanation


@pytest.mark.parametrize(
    "text",
    [
        "这次保养收取了两次工时费，前台态度很差，等了三个小时都没人理",
        "The service advisor was rude and kept me waiting for four hours.",
        "金融服务费收取不合理，没有告知就收了",
    ],
)
def test_the_evidence_reads_as_phrases_not_fragments(model: CauseClassifier, text: str) -> None:
    prediction = model.predict(text)
    terms = [term for e in prediction.evidence for term in e.terms]
    assert terms  # the evidence explains something
    for term in terms:
        assert term in text.lower()  # the complaint's own words
        assert len(term) >= 2
        assert term not in {"me", "and", "the", "for", "was"}
        assert not (term.startswith("了") or term.endswith("了两") or term == "收了")
