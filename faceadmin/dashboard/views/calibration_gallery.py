"""Threshold calibration of a FindFace gallery: what it will cost, start it, read it.

Kept apart from `calibration` (the Azure kinds); the job, its CSV and the threshold form are
shared (`faceapi.calibration_gallery` runs as the `calibration` job kind)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from faceadmin.dashboard.forms_calibration import CalibrationForm
from faceadmin.dashboard.views.collection_support import base_context, error_context, error_status
from faceadmin.faceapi.calibration import default_sample
from faceadmin.faceapi.calibration_gallery import (
    FINDFACE_DEFAULT_THRESHOLD,
    LISTING_PAGE,
    closest_preset,
    gallery_calibration_latest,
    gallery_calibration_plan,
    gallery_calibration_start,
)
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.providers import provider_for
from faceadmin.tenants.access import TenantRequest, can, tenant_view
from faceadmin.tenants.models import Role

TEMPLATE = "dashboard/calibration_gallery.html"


def _sample(request: TenantRequest, form: CalibrationForm) -> int:
    if form.is_bound and form.is_valid():
        return int(form.cleaned_data["sample"])
    if request.GET.get("sample", "").isdigit():
        return int(request.GET["sample"])
    return default_sample(request.tenant)


@tenant_view()
def gallery_calibration_show(request: TenantRequest, gallery: str) -> HttpResponse:
    """The plan (faces, pairs, calls), the sample form, and the latest run of this gallery."""
    if not provider_for(request.tenant).capabilities.galleries:
        raise Http404("This tenant has no galleries.")
    if request.method == "POST" and not can(request.membership, Role.OPERATOR):
        return HttpResponse("Operators start calibrations.", status=403)
    form = CalibrationForm(
        request.POST if request.method == "POST" else None,
        initial={"sample": default_sample(request.tenant)},
    )
    context = base_context(request) | {
        "gallery": gallery,
        "form": form,
        "listing_page": LISTING_PAGE,
        "findface_default": FINDFACE_DEFAULT_THRESHOLD,
    }
    try:
        plan = gallery_calibration_plan(
            tenant=request.tenant, gallery=gallery, sample=_sample(request, form)
        )
    except FaceApiError as exc:
        return render(request, TEMPLATE, context | error_context(exc), status=error_status(exc))
    if form.is_bound and form.is_valid():
        if not plan.usable:
            messages.error(request, "This gallery has no pairs to score yet (see below).")
        else:
            job = gallery_calibration_start(tenant=request.tenant, user=request.user, plan=plan)
            return redirect("dashboard:job", request.tenant.slug, job.pk)
    latest = gallery_calibration_latest(tenant=request.tenant, gallery=gallery)
    context |= {
        "plan": plan,
        "latest": latest,
        "result": latest.result if latest is not None and latest.result else None,
        "job": latest,
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, TEMPLATE, context, status=status)


urlpatterns: list[URLPattern] = [
    path(
        "t/<slug:slug>/galleries/<str:gallery>/calibration/",
        gallery_calibration_show,
        name="gallery_calibration",
    ),
]


def gallery_threshold_initial(request: TenantRequest) -> dict[str, str]:
    """The gallery lookup's preset: the one closest to the tenant's calibrated threshold."""
    saved = request.tenant.identify_threshold
    return {} if saved is None else {"threshold": closest_preset(saved)["name"]}
