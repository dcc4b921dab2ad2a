"""The example payloads under examples/channels/, shared by the adapter tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "channels"


@pytest.fixture
def example() -> Callable[[str, str], dict[str, Any]]:
    """``example("web", "zh")``: the payload of that example, fresh for each call."""

    def load(name: str, language: str) -> dict[str, Any]:
        if name == "email":
            return {"raw": (EXAMPLES / f"email.{language}.eml").read_text(encoding="utf-8")}
        payload: dict[str, Any] = json.loads(
            (EXAMPLES / f"{name}.{language}.json").read_text(encoding="utf-8")
        )
        return payload

    return load
