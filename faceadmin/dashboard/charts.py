"""Chart specs for static/js/charts.js: what to draw, as plain JSON-able dicts.

A template renders a spec with `json_script` next to `<div class="chart" data-chart="ID">`
and a table of the same numbers; the script draws it with uPlot. Series are told apart by
pattern (solid, hatched, dashed, dotted) and marker shape, not by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone


def series(
    label: str, values: Sequence[float | int | None], style: str = "solid"
) -> dict[str, Any]:
    return {"label": label, "values": list(values), "style": style}


def day_stamps(days: Sequence[date]) -> list[int]:
    """Unix seconds of each day's noon, in the current time zone (uPlot's time axis)."""
    tz = timezone.get_current_timezone()
    return [int(datetime.combine(d, time(12), tzinfo=tz).timestamp()) for d in days]


def chart(
    *,
    kind: str,
    x: Sequence[float | int],
    series_list: Sequence[dict[str, Any]],
    x_label: str = "",
    y_label: str = "",
    x_time: bool = False,
    x_labels: Sequence[str] | None = None,
    marker: dict[str, Any] | None = None,
    y_max: float | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "x": list(x),
        "xTime": x_time,
        "xLabels": list(x_labels) if x_labels is not None else None,
        "xLabel": x_label,
        "yLabel": y_label,
        "series": list(series_list),
        "marker": marker,
        "yMax": y_max,
    }
