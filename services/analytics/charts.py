"""ECharts options for the quality dashboard, built from the reports' JSON (pure).

Kept out of the template so each chart's numbers can be unit-tested, and so the page
only embeds data: the browser draws, the server decides what is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Label = Callable[[str], str]
Option = dict[str, Any]

BAR_MAX_WIDTH = 44
_PALETTE = ["#2f6fb3", "#e07a2f", "#3a9a5b", "#b8443c", "#7a5cb3", "#8a8f98"]


def _base(title: str) -> Option:
    return {
        "color": _PALETTE,
        "title": {"text": title, "left": 0, "textStyle": {"fontSize": 14, "fontWeight": 600}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 48, "top": 64, "bottom": 40, "containLabel": True},
        "animation": False,
    }


def pareto_option(pareto: Mapping[str, Any], *, title: str, count: str, share: str) -> Option:
    """Bars of complaints per bucket, largest first, and the cumulative share as a line."""
    rows = pareto.get("rows", [])
    option = _base(title)
    option.update(
        {
            "legend": {"data": [count, share], "bottom": 0},
            "grid": {"left": 48, "right": 48, "top": 64, "bottom": 56, "containLabel": True},
            "xAxis": {
                "type": "category",
                "data": [r["label"] for r in rows],
                "axisLabel": {"interval": 0, "width": 90, "overflow": "break"},
            },
            "yAxis": [
                {"type": "value", "name": count, "minInterval": 1},
                {
                    "type": "value",
                    "name": share,
                    "min": 0,
                    "max": 100,
                    "axisLabel": {"formatter": "{value}%"},
                },
            ],
            "series": [
                {
                    "name": count,
                    "type": "bar",
                    "barMaxWidth": BAR_MAX_WIDTH,
                    "data": [r["complaints"] for r in rows],
                },
                {
                    "name": share,
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [round(r["cumulative_share"] * 100, 1) for r in rows],
                },
            ],
        }
    )
    return option


def series_option(series: Mapping[str, Any], *, title: str, label: Label) -> Option:
    """One line per bucket over the periods (weeks); a missing week is a zero."""
    points = series.get("points", [])
    periods = sorted({p["period"] for p in points})
    keys = sorted({p["key"] for p in points})
    counts = {(p["period"], p["key"]): p["complaints"] for p in points}
    option = _base(title)
    option.update(
        {
            "legend": {"data": [label(k) for k in keys], "top": 30, "type": "scroll"},
            "grid": {"left": 48, "right": 24, "top": 72, "bottom": 40, "containLabel": True},
            "xAxis": {"type": "category", "data": periods},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {
                    "name": label(key),
                    "type": "line",
                    "data": [counts.get((period, key), 0) for period in periods],
                }
                for key in keys
            ],
        }
    )
    return option


def heatmap_option(
    grid: Mapping[str, Mapping[str, int]],
    *,
    title: str,
    row_label: Label,
    column_label: Label,
) -> Option:
    rows = sorted(grid)
    columns = sorted({column for cells in grid.values() for column in cells})
    data = [
        [x, y, grid[row].get(column, 0)]
        for y, row in enumerate(rows)
        for x, column in enumerate(columns)
    ]
    peak = max((value for _, _, value in data), default=0)
    option = _base(title)
    option.update(
        {
            "tooltip": {"position": "top"},
            "grid": {"left": 48, "right": 24, "top": 48, "bottom": 64, "containLabel": True},
            "xAxis": {
                "type": "category",
                "data": [column_label(c) for c in columns],
                "axisLabel": {"interval": 0, "width": 80, "overflow": "break"},
            },
            "yAxis": {"type": "category", "data": [row_label(r) for r in rows]},
            "visualMap": {
                "min": 0,
                "max": max(peak, 1),
                "calculable": True,
                "orient": "horizontal",
                "left": "center",
                "bottom": 0,
                "inRange": {"color": ["#eef4fb", "#2f6fb3"]},
            },
            "series": [{"type": "heatmap", "data": data, "label": {"show": True}}],
        }
    )
    return option


def bars_option(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    value: Callable[[Mapping[str, Any]], float | None],
    percent: bool = False,
) -> Option:
    """Horizontal bars, one per breakdown row (labels already in the page's language),
    largest on top; a row without a value (``None``: nothing to judge yet) has no bar.
    ``percent``: values are 0–100, the axis says so."""
    ordered = list(reversed(rows))
    option = _base(title)
    axis: Option = {"type": "value", "minInterval": 1}
    if percent:
        axis = {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}
    option.update(
        {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "xAxis": axis,
            "yAxis": {
                "type": "category",
                "data": [r["label"] for r in ordered],
                "axisLabel": {"interval": 0},
            },
            "series": [
                {
                    "type": "bar",
                    "barMaxWidth": BAR_MAX_WIDTH,
                    "data": ["-" if (v := value(r)) is None else v for r in ordered],
                }
            ],
        }
    )
    return option


def effect_option(effect: Mapping[str, Any], *, before: str, after: str) -> Option:
    """The bucket's weekly complaints before (grey) and after (blue) the action."""
    weeks = [w["week"] for w in effect.get("before", [])] + [
        w["week"] for w in effect.get("after", [])
    ]
    n_before = len(effect.get("before", []))
    values = [w["complaints"] for w in effect.get("before", [])] + [
        w["complaints"] for w in effect.get("after", [])
    ]
    return {
        "animation": False,
        "grid": {"left": 32, "right": 8, "top": 16, "bottom": 24, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [w[5:] for w in weeks]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "name": f"{before} / {after}",
                "data": [
                    {"value": v, "itemStyle": {"color": "#a8adb5" if i < n_before else "#2f6fb3"}}
                    for i, v in enumerate(values)
                ],
            }
        ],
    }
