"""The README is the manual a new user has: its configuration table must stay complete."""

from __future__ import annotations

from pathlib import Path

from shared.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [
        f"COMPLAINTS_{name.upper()}"
        for name in Settings.model_fields
        if f"`COMPLAINTS_{name.upper()}`" not in README
    ]
    assert not missing, f"README lacks {missing}"


def test_the_two_commands_are_shown() -> None:
    assert "make run" in README and "make test" in README
