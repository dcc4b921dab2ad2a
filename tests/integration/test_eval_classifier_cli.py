"""`complaints eval-classifier`: scores a labelled file and lists where model and labels part.

Sentences written for this test, not taken from any evaluation file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.cli import app

ROWS = [
    ("刹车踩下去有明显异响，已经持续两周", "product_quality"),
    ("服务顾问态度很差，问什么都爱答不理", "service_attitude_efficiency"),
    ("保养时多收了一次工时费，还不给开发票", "process_policy"),
    # Labelled against the text on purpose: the one row the listing must show.
    ("发动机怠速抖动得厉害，方向盘都在震", "process_policy"),
]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    file = tmp_path / "labelled.csv"
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "causes"])
        writer.writerows((n, text, causes) for n, (text, causes) in enumerate(ROWS, 1))
    return file


def test_scores_the_file_and_lists_the_disagreement(
    labelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLAINTS_MODEL_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(
        app,
        [
            "eval-classifier",
            str(labelled),
            "--data-dir",
            str(tmp_path / "data"),
            "--disagreements",
            "5",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "disagreements: 1 of 1 shown" in result.output
    listing = result.output.split("disagreements:", 1)[1]
    assert "row 4  发动机怠速抖动得厉害" in listing
    assert "labelled   process_policy" in listing
    assert "predicted  product_quality" in listing
    assert "disputed   process_policy 0." in listing
    assert "product_quality 0." in listing
    assert "evidence   product_quality:" in listing
    # Three rows right on each label, the fourth costs process_policy one miss, product one
    # false alarm: F1 2/3 for each of those two, 1 for service → macro (2/3+2/3+1)/3.
    assert result.output.strip().endswith("macro-F1 0.778 over 3 labels")


def test_without_the_option_no_rows_are_listed(
    labelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLAINTS_MODEL_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(
        app, ["eval-classifier", str(labelled), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 0, result.output
    assert "disagreements" not in result.output
    assert "macro-F1" in result.output
