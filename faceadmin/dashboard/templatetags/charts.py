"""`{% calibration_charts result as charts %}`: chart specs from a calibration job's result."""

from __future__ import annotations

from typing import Any

from django import template

from faceadmin.dashboard.charts import chart, series
from faceadmin.faceapi.calibration import (
    PROVIDER_DEFAULT_THRESHOLD,
    false_match_rate,
    false_non_match_rate,
)
from faceadmin.faceapi.kinds import KIND_SLUGS
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.models import Tenant

register = template.Library()


@register.simple_tag
def calibration_charts(result: dict[str, Any], job: Any, tenant: Tenant) -> dict[str, Any]:
    """Specs and tables of a calibration's charts, with the tenant's threshold as it is now
    (saved after the run, or the provider's default) marked and measured on the sample."""
    hist = result["histogram"]
    width = float(hist["bin"])
    centres = [round(start + width / 2, 3) for start in hist["starts"]]
    curve = result["curve"]
    saved = tenant.identify_threshold
    default = float(result.get("provider_default", PROVIDER_DEFAULT_THRESHOLD))
    current = saved if saved is not None else default
    label = f"{'provider default' if saved is None else 'current'} {current:.2f}"
    genuine, impostor = result["genuine_scores"], result["impostor_scores"]
    marker = {"x": current, "label": label}
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
        "histogram_rows": _histogram_rows(hist, width),
        "rate_rows": _rate_rows(curve),
        "current": current,
        "current_is_default": saved is None,
        "current_fmr": false_match_rate(impostor, current),
        "current_fnmr": false_non_match_rate(genuine, current),
        "current_false_matches": sum(1 for s in impostor if s >= current),
        "current_false_non_matches": sum(1 for s in genuine if s < current),
        "hist_id": f"calib-hist-{job.pk}",
        "rates_id": f"calib-rates-{job.pk}",
        "kind_slug": "galleries"
        if kind == "gallery"
        else KIND_SLUGS.get(CollectionKind(kind), "persongroups"),
        "gallery": kind == "gallery",
    }


def _histogram_rows(hist: dict[str, Any], width: float) -> list[dict[str, Any]]:
    """The histogram as a table: the bins holding any pair."""
    rows = [
        {
            "start": start,
            "end": round(start + width, 2),
            "genuine": g,
            "impostor": i,
        }
        for start, g, i in zip(hist["starts"], hist["genuine"], hist["impostor"], strict=True)
    ]
    return [r for r in rows if r["genuine"] or r["impostor"]]


def _rate_rows(curve: dict[str, Any]) -> list[dict[str, Any]]:
    """The rate curve as a table, a row every 0.05 of threshold."""
    every = max(1, round(0.05 / (curve["thresholds"][1] - curve["thresholds"][0])))
    return [
        {"threshold": t, "fmr": f, "fnmr": n}
        for k, (t, f, n) in enumerate(
            zip(curve["thresholds"], curve["fmr"], curve["fnmr"], strict=True)
        )
        if k % every == 0
    ]
