"""The Jobs screen: who sees and steers what, live progress that stops polling by itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from faceadmin.jobs.models import Job, JobStatus
from faceadmin.jobs.services import job_create
from faceadmin.tenants.models import Tenant
from tests.jobs import kinds  # noqa: F401 - registers the test kinds

pytestmark = pytest.mark.django_db


def _job(tenant: Tenant, user: Any, **fields: Any) -> Job:
    job = job_create(
        tenant=tenant, user=user, kind="test_count", title="Count to three", params={"n": 3}
    )
    if fields:
        Job.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def test_viewers_see_the_jobs_list_and_a_job_page(
    tenant: Tenant, members: dict[str, Any], client_as: Any
) -> None:
    job = _job(tenant, members["operator"])
    client = client_as("viewer")
    listing = client.get(reverse("dashboard:jobs", args=[tenant.slug]))
    assert listing.status_code == 200
    assert "Count to three" in listing.text and "operator" in listing.text
    page = client.get(reverse("dashboard:job", args=[tenant.slug, job.pk]))
    assert page.status_code == 200
    assert 'hx-trigger="every 2s"' in page.text  # queued: the panel polls
    assert "Cancel" not in page.text  # a viewer is offered no control


def test_the_status_fragment_stops_polling_once_the_job_ended(
    tenant: Tenant, members: dict[str, Any], client_as: Any
) -> None:
    job = _job(
        tenant, members["operator"], status=JobStatus.SUCCEEDED, done=3, total=3, result={"n": 3}
    )
    fragment = client_as("viewer").get(
        reverse("dashboard:job", args=[tenant.slug, job.pk]), HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    assert "every 2s" not in fragment.text
    assert 'data-status="succeeded"' in fragment.text
    assert "<html" not in fragment.text


def test_a_failed_job_shows_why_and_offers_retry_to_its_operator(
    tenant: Tenant, members: dict[str, Any], client_as: Any
) -> None:
    job = _job(tenant, members["operator"], status=JobStatus.FAILED, error="ValueError: broken")
    page = client_as("operator").get(reverse("dashboard:job", args=[tenant.slug, job.pk]))
    assert "ValueError: broken" in page.text
    assert "Retry" in page.text


def test_viewers_cannot_cancel_and_operators_only_their_own_jobs(
    tenant: Tenant, members: dict[str, Any], client_as: Any
) -> None:
    admins_job = _job(tenant, members["admin"])
    url = reverse("dashboard:job_cancel", args=[tenant.slug, admins_job.pk])
    assert client_as("viewer").post(url).status_code == 403
    assert client_as("operator").post(url).status_code == 403
    own = _job(tenant, members["operator"])
    response = client_as("operator").post(
        reverse("dashboard:job_cancel", args=[tenant.slug, own.pk])
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == JobStatus.CANCELLED
    response = client_as("admin").post(url)
    admins_job.refresh_from_db()
    assert admins_job.status == JobStatus.CANCELLED


def test_another_tenants_job_is_a_404(
    tenant: Tenant, other_tenant: Tenant, members: dict[str, Any], client_as: Any
) -> None:
    theirs = _job(other_tenant, members["outsider"])
    client = client_as("admin")
    assert client.get(reverse("dashboard:job", args=[tenant.slug, theirs.pk])).status_code == 404
    cancel = reverse("dashboard:job_cancel", args=[tenant.slug, theirs.pk])
    assert client.post(cancel).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.QUEUED


def test_the_empty_list_says_what_creates_jobs(
    tenant: Tenant, members: dict[str, Any], client_as: Any
) -> None:
    page = client_as("viewer").get(reverse("dashboard:jobs", args=[tenant.slug]))
    assert "No jobs yet" in page.text
