"""The dashboard's chart options carry the reports' numbers unchanged."""

from __future__ import annotations

from services.analytics.charts import (
    bars_option,
    effect_option,
    heatmap_option,
    pareto_option,
    series_option,
)
from services.analytics.pages import percent_of


def test_pareto_bars_and_cumulative_line() -> None:
    report = {
        "rows": [
            {"label": "流程", "complaints": 7, "cumulative_share": 0.7},
            {"label": "服务", "complaints": 3, "cumulative_share": 1.0},
        ]
    }
    option = pareto_option(report, title="t", count="n", share="s")
    assert option["xAxis"]["data"] == ["流程", "服务"]
    assert option["series"][0]["data"] == [7, 3]
    assert option["series"][1]["data"] == [70.0, 100.0]


def test_series_fills_missing_weeks_with_zero() -> None:
    points = [
        {"period": "2026-03-02", "key": "a", "complaints": 2},
        {"period": "2026-03-09", "key": "b", "complaints": 5},
    ]
    option = series_option({"points": points}, title="t", label=str.upper)
    assert option["xAxis"]["data"] == ["2026-03-02", "2026-03-09"]
    assert [(s["name"], s["data"]) for s in option["series"]] == [("A", [2, 0]), ("B", [0, 5])]


def test_heatmap_cells_and_scale() -> None:
    grid = {"sales": {"a": 1, "b": 4}, "parts": {"a": 2}}
    option = heatmap_option(grid, title="t", row_label=str, column_label=str)
    assert option["yAxis"]["data"] == ["parts", "sales"]
    assert sorted(option["series"][0]["data"]) == [[0, 0, 2], [0, 1, 1], [1, 0, 0], [1, 1, 4]]
    assert option["visualMap"]["max"] == 4


def test_effect_marks_weeks_after_the_action() -> None:
    effect = {
        "before": [{"week": "2026-02-23", "complaints": 5}],
        "after": [{"week": "2026-03-02", "complaints": 1}],
    }
    data = effect_option(effect, before="b", after="a")["series"][0]["data"]
    assert [d["value"] for d in data] == [5, 1]
    assert data[0]["itemStyle"]["color"] != data[1]["itemStyle"]["color"]


def test_compliance_bars_in_percent_and_no_bar_without_a_judged_case() -> None:
    rows = [
        {"label": "售后", "figures": {"sla_compliance": 0.875}},
        {"label": "销售", "figures": {"sla_compliance": None}},
    ]
    option = bars_option(rows, title="t", value=percent_of("sla_compliance"), percent=True)
    assert option["yAxis"]["data"] == ["销售", "售后"]  # the first row on top
    assert option["series"][0]["data"] == ["-", 87.5]
    assert option["xAxis"]["max"] == 100
