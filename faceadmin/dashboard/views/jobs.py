"""The tenant's background jobs: list, one job's live progress and result, and its controls."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from faceadmin.jobs.models import Job, JobStatus
from faceadmin.jobs.registry import UnknownJobKind, get_kind
from faceadmin.jobs.services import (
    JobStateError,
    job_cancel,
    job_get,
    job_list,
    job_pause,
    job_retry,
)
from faceadmin.tenants.access import TenantRequest, can, tenant_view
from faceadmin.tenants.models import Role

PAGE_SIZE = 50
STATUS_FILTERS = [("", "All"), ("active", "Running or queued"), *JobStatus.choices]


def _job_or_404(request: TenantRequest, job_id: uuid.UUID) -> Job:
    try:
        return job_get(tenant=request.tenant, job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No such job in this tenant.") from None


def _may_steer(request: TenantRequest, job: Job) -> bool:
    """Operators steer their own jobs; admins steer every job of the tenant."""
    if can(request.membership, Role.ADMIN):
        return True
    return can(request.membership, Role.OPERATOR) and job.created_by_id == request.user.pk


def _job_context(request: TenantRequest, job: Job) -> dict[str, object]:
    try:
        kind = get_kind(job.kind)
    except UnknownJobKind:
        kind = None
    return {
        "job": job,
        "kind": kind,
        "result": job.result or {},
        "may_steer": _may_steer(request, job),
    }


@tenant_view(Role.VIEWER)
def jobs(request: TenantRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in {value for value, _ in STATUS_FILTERS}:
        status = ""
    page = Paginator(job_list(tenant=request.tenant, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status,
        "status_filters": STATUS_FILTERS,
        "any_active": any(job.is_active for job in page.object_list),
    }
    if request.htmx and request.htmx.target == "jobs-table":
        return render(request, "dashboard/jobs.html#table", context)
    return render(request, "dashboard/jobs.html", context)


@tenant_view(Role.VIEWER)
def job_detail(request: TenantRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request, job_id)
    context = _job_context(request, job)
    if request.htmx:
        return render(request, "dashboard/job_detail.html#status", context)
    return render(request, "dashboard/job_detail.html", context)


def _steer(request: TenantRequest, job_id: uuid.UUID, action: str) -> HttpResponse:
    job = _job_or_404(request, job_id)
    if not _may_steer(request, job):
        raise PermissionDenied("Only the operator who started this job, or an admin, can do this.")
    try:
        if action == "cancel":
            job = job_cancel(job=job, user=request.user)
        elif action == "pause":
            job = job_pause(job=job, user=request.user)
        else:
            job = job_retry(job=job, user=request.user)
    except JobStateError as exc:
        messages.error(request, str(exc))
        job.refresh_from_db()
    if request.htmx:
        return render(request, "dashboard/job_detail.html#status", _job_context(request, job))
    return redirect("dashboard:job", request.tenant.slug, job.pk)


@tenant_view(Role.OPERATOR)
@require_POST
def job_cancel_view(request: TenantRequest, job_id: uuid.UUID) -> HttpResponse:
    return _steer(request, job_id, "cancel")


@tenant_view(Role.OPERATOR)
@require_POST
def job_pause_view(request: TenantRequest, job_id: uuid.UUID) -> HttpResponse:
    return _steer(request, job_id, "pause")


@tenant_view(Role.OPERATOR)
@require_POST
def job_retry_view(request: TenantRequest, job_id: uuid.UUID) -> HttpResponse:
    return _steer(request, job_id, "retry")


urlpatterns = [
    path("t/<slug:slug>/jobs/", jobs, name="jobs"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/", job_detail, name="job"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/cancel/", job_cancel_view, name="job_cancel"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/pause/", job_pause_view, name="job_pause"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/retry/", job_retry_view, name="job_retry"),
]
