"""Calibration pages: plan, start, result, threshold, CSV; and the lookup's default threshold."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import calibration
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.calibration.test_calibration import staff  # noqa: F401 - fixture
from tests.dashboard.conftest import photo


def _url(tenant: Tenant) -> str:
    return reverse("dashboard:calibration", args=[tenant.slug, "persongroups", "staff"])


@pytest.fixture
def finished(
    run_jobs: Any,
    local_tenant: Tenant,
    local_client_as: Any,
    staff: dict[str, str],  # noqa: F811
) -> Job:
    response = local_client_as("operator").post(_url(local_tenant), {"sample": 20})
    assert response.status_code == 302
    job = Job.objects.get(tenant=local_tenant, kind=calibration.JOB_KIND)
    assert response["Location"] == reverse("dashboard:job", args=[local_tenant.slug, job.pk])
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def test_page_tells_pairs_and_calls_before_starting(
    local_tenant: Tenant,
    local_client_as: Any,
    staff: dict[str, str],  # noqa: F811
) -> None:
    page = local_client_as("viewer").get(_url(local_tenant))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="plan-calls"><strong>37</strong>' in text  # 8 detect + 28 verify + 1
    assert "Start calibration" not in text  # viewers only read
    operator = local_client_as("operator").get(_url(local_tenant)).content.decode()
    assert "Start calibration (37 calls)" in operator


def test_viewer_cannot_start(
    local_tenant: Tenant,
    local_client_as: Any,
    staff: dict[str, str],  # noqa: F811
) -> None:
    response = local_client_as("viewer").post(_url(local_tenant), {"sample": 20})
    assert response.status_code == 403
    assert not Job.objects.filter(kind=calibration.JOB_KIND).exists()


def test_empty_group_says_what_to_do(local_tenant: Tenant, local_client_as: Any) -> None:
    from faceadmin.faceapi import services

    services.collection_create(
        tenant=local_tenant,
        user=None,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    text = local_client_as("operator").get(_url(local_tenant)).content.decode()
    assert 'data-testid="plan-empty"' in text
    assert "Start calibration" not in text


def test_result_page_has_charts_tables_and_pairs(
    finished: Job, local_tenant: Tenant, local_client_as: Any
) -> None:
    text = (
        local_client_as("viewer")
        .get(reverse("dashboard:job", args=[local_tenant.slug, finished.pk]))
        .content.decode()
    )
    assert f'id="calib-hist-{finished.pk}" type="application/json"' in text
    assert f'data-chart="calib-rates-{finished.pk}"' in text
    assert "not supported: needs 300 impostor pairs, this sample has 16" in text
    assert text.count('data-testid="pair"') == 4 + 10  # all 4 genuine, 10 closest impostors
    assert "/persons/" in text and "/thumb.jpg" in text
    # Viewers read, admins save.
    assert "calibration/threshold/" not in text
    # The group's page shows its latest run too.
    assert 'data-testid="calibration-result"' in (
        local_client_as("viewer").get(_url(local_tenant)).content.decode()
    )


def test_csv_has_a_row_per_threshold(
    finished: Job, local_tenant: Tenant, local_client_as: Any
) -> None:
    response = local_client_as("viewer").get(
        reverse("dashboard:calibration_csv", args=[local_tenant.slug, finished.pk])
    )
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("threshold,false_match_rate,false_non_match_rate")
    assert lines[1].startswith("0.0,1.0,0.0,16,16,0,4")  # at 0 every pair matches
    assert len([line for line in lines if line]) == 1 + 101 + 1 + 50


def test_admin_saves_the_default_threshold_and_lookups_use_it(
    finished: Job, local_tenant: Tenant, local_client_as: Any
) -> None:
    url = reverse("dashboard:calibration_threshold", args=[local_tenant.slug])
    assert (
        local_client_as("operator").post(url, {"job": finished.pk, "threshold": "0.99"}).status_code
        == 403
    )
    response = local_client_as("admin").post(url, {"job": finished.pk, "threshold": "0.99"})
    assert response.status_code == 302
    local_tenant.refresh_from_db()
    assert local_tenant.identify_threshold == 0.99
    assert local_tenant.identify_threshold_calibrated_at == finished.finished_at
    event = AuditEvent.objects.get(action="tenant.identify_threshold")
    assert event.reason == "0.990"

    from tests.dashboard.test_large_kinds import wait_for_training

    group_url = reverse("dashboard:collection", args=[local_tenant.slug, "persongroups", "staff"])
    assert "succeeded" in wait_for_training(local_client_as("operator"), group_url)
    lookup = reverse("dashboard:lookup", args=[local_tenant.slug])
    client = local_client_as("operator")
    page = client.get(lookup).content.decode()
    assert "default 0.990, calibrated on " + f"{finished.finished_at:%Y-%m-%d}" in page

    def identify() -> str:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("o.jpg", photo("probe/kit_harington.jpg"), "image/jpeg")
        data = {
            "photo": upload,
            "action": "identify",
            "max_candidates": 1,
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
        }
        return client.post(lookup, data).content.decode()

    # Kit's other photo scores well below 0.99: found only while the default is not applied.
    assert 'data-testid="no-candidate"' in identify()
    local_client_as("admin").post(url, {"job": finished.pk, "threshold": ""})
    local_tenant.refresh_from_db()
    assert local_tenant.identify_threshold is None
    found = identify()
    assert 'data-testid="no-candidate"' not in found
    assert "Kit Harington" in found
