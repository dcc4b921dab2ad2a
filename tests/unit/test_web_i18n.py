"""The translation table: every UI string in both languages, every code labelled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from services.resolution.domain.case import RemedyType
from services.resolution.domain.milestones import Milestone
from services.resolution.domain.workflow import CaseStatus, Step
from shared.auth import Role
from shared.vocab import Cause, Channel, Demand, Department, Outcome, Touchpoint, Urgency
from shared.web.i18n import MESSAGES, code_label, pick_language, translate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    *(ROOT / "shared" / "web" / "templates").glob("*.html"),
    *(ROOT / "services").glob("*/templates/*/*.html"),
]


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_chinese_and_english(key: str) -> None:
    zh, en = MESSAGES[key]
    assert zh.strip() and en.strip(), key
    chinese = re.search(r"[\u4e00-\u9fff]", zh) or zh in ("English",)
    assert chinese or key.startswith("punct."), f"{key}: not Chinese: {zh}"
    assert not re.search(r"[\u4e00-\u9fff]", en) or en == "中文", f"{key}: not English: {en}"


def test_every_key_a_template_names_is_in_the_table() -> None:
    assert TEMPLATES
    used: set[str] = set()
    for template in TEMPLATES:
        used |= set(re.findall(r"\bt\('([a-z_.]+)'\)", template.read_text(encoding="utf-8")))
    assert used - set(MESSAGES) == set()


@pytest.mark.parametrize(
    ("prefix", "codes"),
    [
        ("status.", [s.value for s in CaseStatus]),
        ("step.", [s.value for s in Step]),
        ("step.sla_", [m.value for m in Milestone]),
        ("role.", [r.value for r in Role]),
        ("remedy.", list(get_args(RemedyType))),
    ],
)
def test_codes_the_pages_show_are_translated(prefix: str, codes: list[str]) -> None:
    assert [code for code in codes if f"{prefix}{code}" not in MESSAGES] == []


@pytest.mark.parametrize(
    "vocabulary", [Channel, Department, Urgency, Demand, Cause, Touchpoint, Outcome]
)
def test_vocabulary_codes_have_labels_in_both_languages(vocabulary: type[Channel]) -> None:
    for member in vocabulary:
        assert code_label(vocabulary, member.value, "zh") != member.value
        assert code_label(vocabulary, member.value, "en") != member.value


def test_a_missing_key_shows_itself_and_chinese_is_the_default() -> None:
    assert translate("no.such.key", "en") == "no.such.key"
    assert translate("nav.signin") == "登录"
    assert translate("nav.signin", "en") == "Sign in"
    assert pick_language(None, None) == "zh"
    assert pick_language(None, "en") == "en"
    assert pick_language("zh", "en") == "zh"  # ?lang= wins over the cookie
    assert pick_language("fr", None) == "zh"
