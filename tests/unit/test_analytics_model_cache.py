"""The baseline model is trained once per examples and code, then read from the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.analytics import model_cache
from services.analytics.domain.classifier.model import Example

EXAMPLES = [
    Example("发动机异响", ("product_quality",), touchpoint="vehicle_use", vehicle_system="engine"),
    Example(
        "变速箱顿挫", ("product_quality",), touchpoint="vehicle_use", vehicle_system="transmission"
    ),
    Example("服务态度差", ("service_attitude_efficiency",), touchpoint="service_reception"),
    Example("配件缺货", ("process_policy",), touchpoint="parts"),
]


def test_the_second_baseline_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLAINTS_MODEL_CACHE", str(tmp_path))
    first = model_cache.baseline(EXAMPLES, version="m001")
    assert len(list(tmp_path.glob("baseline-*.pkl"))) == 1

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained although the cache holds the model")

    monkeypatch.setattr(model_cache, "train", no_training)
    second = model_cache.baseline(EXAMPLES, version="m002")
    assert second.version == "m002" and first.version == "m001"
    assert second.predict("发动机异响").causes == first.predict("发动机异响").causes
    with pytest.raises(AssertionError, match="trained"):
        model_cache.baseline([*EXAMPLES, Example("等了三小时", ("service_attitude_efficiency",))],
                             version="m003")  # fmt: skip


def test_the_cache_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLAINTS_MODEL_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model_cache.baseline(EXAMPLES, version="m001")
    assert not list(tmp_path.rglob("*.pkl"))
