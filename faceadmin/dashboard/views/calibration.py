"""Threshold calibration of a person group: what it will cost, start it, read it, save a
threshold from it, download its numbers."""

from __future__ import annotations

import csv
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms_calibration import CalibrationForm, ThresholdForm
from faceadmin.dashboard.views.collection_support import (
    base_context,
    error_context,
    error_status,
    person_kind_or_404,
)
from faceadmin.faceapi.calibration import (
    JOB_KIND,
    calibration_latest,
    calibration_plan,
    calibration_start,
    default_sample,
    identify_threshold_save,
)
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.providers import provider_for
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.jobs.services import job_get
from faceadmin.tenants.access import TenantRequest, can, tenant_view
from faceadmin.tenants.models import Role

TEMPLATE = "dashboard/calibration.html"


def _kind(request: TenantRequest, kind: str) -> Any:
    if not provider_for(request.tenant).capabilities.calibration:
        raise Http404("Calibration of FindFace galleries is not available yet.")
    return person_kind_or_404(kind)


def _calibration_job(request: TenantRequest, job_id: uuid.UUID) -> Job:
    try:
        job = job_get(tenant=request.tenant, job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No such job in this tenant.") from None
    if job.kind != JOB_KIND:
        raise Http404("That job is not a calibration.")
    return job


@tenant_view()
def calibration_show(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """The plan (pairs, calls), the sample form, and the latest run of this group."""
    collection_kind = _kind(request, kind)
    context = base_context(request, collection_kind, collection_id)
    form = CalibrationForm(
        request.POST if request.method == "POST" else None,
        initial={"sample": default_sample(request.tenant)},
    )
    if request.method == "POST" and not can(request.membership, Role.OPERATOR):
        return HttpResponse("Operators start calibrations.", status=403)
    sample = default_sample(request.tenant)
    if form.is_bound and form.is_valid():
        sample = form.cleaned_data["sample"]
    elif request.GET.get("sample", "").isdigit():
        sample = int(request.GET["sample"])
    try:
        plan = calibration_plan(
            tenant=request.tenant, kind=collection_kind, group_id=collection_id, sample=sample
        )
    except FaceApiError as exc:
        context |= error_context(exc)
        return render(request, TEMPLATE, context | {"form": form}, status=error_status(exc))
    if form.is_bound and form.is_valid():
        if not plan.usable:
            messages.error(request, "This group has no pairs to score yet (see below).")
        else:
            job = calibration_start(tenant=request.tenant, user=request.user, plan=plan)
            return redirect("dashboard:job", request.tenant.slug, job.pk)
    latest = calibration_latest(tenant=request.tenant, kind=collection_kind, group_id=collection_id)
    context |= {
        "form": form,
        "plan": plan,
        "latest": latest,
        "result": latest.result if latest is not None and latest.result else None,
        "job": latest,
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, TEMPLATE, context, status=status)


@tenant_view(Role.ADMIN)
@require_POST
def calibration_threshold(request: TenantRequest) -> HttpResponse:
    """Save the tenant's default identify threshold from a finished calibration."""
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(
            request.POST.get("next") or reverse("dashboard:jobs", args=[request.tenant.slug])
        )
    job = _calibration_job(request, form.cleaned_data["job"])
    if job.status != JobStatus.SUCCEEDED:
        raise Http404("That calibration has not finished.")
    threshold = form.cleaned_data["threshold"]
    identify_threshold_save(
        tenant=request.tenant, user=request.user, threshold=threshold, calibrated_at=job.finished_at
    )
    if threshold is None:
        messages.success(request, "Lookups use the provider's default threshold again.")
    else:
        messages.success(request, f"Lookups now use {threshold:.3f} unless told otherwise.")
    return redirect("dashboard:job", request.tenant.slug, job.pk)


@tenant_view()
def calibration_csv(request: TenantRequest, job_id: uuid.UUID) -> HttpResponse:
    """The rates at every threshold and the histogram of a calibration, as CSV."""
    job = _calibration_job(request, job_id)
    result = job.result or {}
    if "curve" not in result:
        raise Http404("That calibration has no result yet.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"calibration-{result['collection']['id']}-{job.created_at:%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    counts = result["counts"]
    genuine, impostor = result["genuine_scores"], result["impostor_scores"]
    writer.writerow(
        ["threshold", "false_match_rate", "false_non_match_rate", "false_matches",
         "impostor_pairs", "false_non_matches", "genuine_pairs"]
    )  # fmt: skip
    curve = result["curve"]
    for t, fmr, fnmr in zip(curve["thresholds"], curve["fmr"], curve["fnmr"], strict=True):
        writer.writerow(
            [t, fmr, fnmr, sum(1 for s in impostor if s >= t), counts["impostor"],
             sum(1 for s in genuine if s < t), counts["genuine"]]
        )  # fmt: skip
    writer.writerow([])
    writer.writerow(["bin_from", "bin_to", "genuine_pairs", "impostor_pairs"])
    hist = result["histogram"]
    for start, g, i in zip(hist["starts"], hist["genuine"], hist["impostor"], strict=True):
        writer.writerow([start, round(start + hist["bin"], 2), g, i])
    return response


urlpatterns = [
    path(
        "t/<slug:slug>/collections/<str:kind>/<str:collection_id>/calibration/",
        calibration_show,
        name="calibration",
    ),
    path(
        "t/<slug:slug>/calibration/threshold/",
        calibration_threshold,
        name="calibration_threshold",
    ),
    path(
        "t/<slug:slug>/jobs/<uuid:job_id>/calibration.csv",
        calibration_csv,
        name="calibration_csv",
    ),
]
