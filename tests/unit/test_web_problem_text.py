"""Every refusal code the services raise has a Chinese and an English text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.web.problem_text import CONFLICTS, FIELD_ERRORS, field_error_text, placeholders
from shared.web.problems import problem

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]
_RAISED = re.compile(r'InvalidValueError\(\s*"([a-z_]+)"')
_CONFLICT_CODES = re.compile(
    r'code="([a-z_]+)"|(?:StepRefusedError|ApprovalRefusedError|StepNotReadyError)\(\s*"([a-z_]+)"'
)


def _codes(pattern: re.Pattern[str]) -> set[str]:
    found = (match.group(0) for path in SOURCES for match in pattern.finditer(path.read_text()))
    return {code for text in found for code in re.findall(r'"([a-z_]+)"', text)[:1]}


@pytest.mark.parametrize("table", [FIELD_ERRORS, CONFLICTS])
def test_both_languages_ask_for_the_same_parameters(table: dict[str, tuple[str, str]]) -> None:
    assert [k for k, (zh, en) in table.items() if placeholders(zh) != placeholders(en)] == []
    assert [k for k, (zh, en) in table.items() if not zh.strip() or not en.strip()] == []


def test_every_validator_code_is_translated() -> None:
    raised = _codes(_RAISED)
    assert raised, "the scan found no codes: the pattern is stale"
    assert raised - set(FIELD_ERRORS) == set()


def test_every_conflict_code_is_translated() -> None:
    raised = _codes(_CONFLICT_CODES)
    assert {"step_not_allowed", "case_changed", "stage_not_allowed", "owned_by_other"} <= raised
    assert raised - set(CONFLICTS) == set()


def test_an_unknown_type_or_a_missing_parameter_keeps_the_apis_english() -> None:
    assert field_error_text({"type": "new_rule", "message": "Value error, too odd"}, "zh") == (
        "too odd"
    )
    no_params = {"type": "vin_length", "message": "Value error, a VIN has 17 characters"}
    assert field_error_text(no_params, "zh") == "a VIN has 17 characters"


def test_an_extension_member_cannot_replace_a_standard_one() -> None:
    assert problem(409, "x", code="case_changed").status_code == 409
    with pytest.raises(TypeError):
        problem(409, "cannot approve", title="Not now")  # would replace the standard title
