"""`{% calibration_charts result as charts %}`: chart specs from a calibration job's result."""

from __future__ import annotations

from typing import Any

from django import template

from faceadmin.dashboard.charts import chart, series
from faceadmin.faceapi.collections import KIND_SLUGS
from faceadmin.faceapi.types import CollectionKind

register = template.Library()


@register.simple_tag
def calibration_charts(result: dict[str, Any], job: Any) -> dict[str, Any]:
    hist = result["histogram"]
    width = float(hist["bin"])
    centres = [round(start + width / 2, 3) for start in hist["starts"]]
    curve = result["curve"]
    current = float(result["current_threshold"])
    label = f"{'provider default' if result.get('current_is_default') else 'current'} {current:.2f}"
    marker = {"x": current, "label": label}
    rows = [
        {
            "start": start,
            "end": round(start + width, 2),
            "genuine": g,
            "impostor": i,
        }
        for start, g, i in zip(hist["starts"], hist["genuine"], hist["impostor"], strict=True)
    ]
    every = max(1, round(0.05 / (curve["thresholds"][1] - curve["thresholds"][0])))
    rate_rows = [
        {"threshold": t, "fmr": f, "fnmr": n}
        for k, (t, f, n) in enumerate(
            zip(curve["thresholds"], curve["fmr"], curve["fnmr"], strict=True)
        )
        if k % every == 0
    ]
    kind = result.get("collection", {}).get("kind", CollectionKind.PERSON_GROUP.value)
    return {
        "histogram": chart(
            kind="bars",
            x=centres,
            series_list=[
                series("Genuine pairs (solid)", hist["genuine"]),
                series("Impostor pairs (hatched)", hist["impostor"], "hatched"),
            ],
            x_label="confidence",
            y_label="pairs",
            marker=marker,
        ),
        "rates": chart(
            kind="lines",
            x=curve["thresholds"],
            series_list=[
                series("False-match rate (solid, ●)", curve["fmr"]),
                series("False-non-match rate (dashed, ■)", curve["fnmr"], "dashed"),
            ],
            x_label="threshold",
            y_label="rate",
            marker=marker,
            y_max=1.0,
        ),
        "histogram_rows": [r for r in rows if r["genuine"] or r["impostor"]],
        "rate_rows": rate_rows,
        "hist_id": f"calib-hist-{job.pk}",
        "rates_id": f"calib-rates-{job.pk}",
        "kind_slug": KIND_SLUGS.get(CollectionKind(kind), "persongroups"),
    }
