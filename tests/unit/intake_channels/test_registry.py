from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import ADAPTERS, ChannelAdapter, NotAComplaint, adapt
from services.intake.domain.record import RecordDraft

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "channels"
EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".json", ".eml"})


def test_every_channel_family_is_registered_under_its_url_name() -> None:
    assert set(ADAPTERS) == {
        "web",
        "app",
        "wechat",
        "social",
        "email",
        "chat",
        "survey",
        "manufacturer",
        "regulator",
    }
    for name, adapter in ADAPTERS.items():
        assert isinstance(adapter, ChannelAdapter)
        assert adapter.name == name
        assert adapter.summary


def test_every_channel_has_a_chinese_and_an_english_example() -> None:
    names = {p.name for p in EXAMPLE_FILES}
    for name in ADAPTERS:
        suffix = "eml" if name == "email" else "json"
        assert {f"{name}.zh.{suffix}", f"{name}.en.{suffix}"} <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_adapts(path: Path) -> None:
    name = path.name.split(".")[0]
    text = path.read_text(encoding="utf-8")
    payload: dict[str, Any] = {"raw": text} if path.suffix == ".eml" else json.loads(text)
    draft = adapt(name, payload)
    assert isinstance(draft, RecordDraft)
    assert draft.external_id
    assert draft.received_at is not None and draft.received_at.tzinfo is not None


def test_an_unknown_channel_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        adapt("fax", {})


def test_an_invalid_payload_is_a_validation_error_naming_the_payload_fields(
    example: Callable[[str, str], dict[str, Any]],
) -> None:
    payload = example("web", "zh")
    payload["phone"] = "12345"
    with pytest.raises(ValidationError) as caught:
        adapt("web", payload)
    assert [e["loc"] for e in caught.value.errors()] == [("phone",)]


def test_not_a_complaint_is_a_value_error() -> None:
    assert issubclass(NotAComplaint, ValueError)


def test_the_adapter_record_is_frozen() -> None:
    adapter = ADAPTERS["web"]
    with pytest.raises(AttributeError):
        adapter.name = "other"  # type: ignore[misc]
