"""The import, export and copy pages: roles, the upload, the downloads."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faceadmin.faceapi.transfer.importing import source_path
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import Tenant
from tests.transfer.conftest import people_zip

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/t/local/collections/largepersongroups/staff"


def _upload(tmp_path: Path) -> SimpleUploadedFile:
    data = people_zip(tmp_path / "people.zip").read_bytes()
    return SimpleUploadedFile("people.zip", data, content_type="application/zip")


def test_viewers_cannot_import_and_operators_cannot_copy(
    local_client_as: Any, large_group: str
) -> None:
    assert local_client_as("viewer").get(f"{PAGE}/import/").status_code == 403
    assert local_client_as("viewer").post(f"{PAGE}/export/").status_code == 403
    assert local_client_as("operator").get(f"{PAGE}/copy/").status_code == 403
    page = local_client_as("operator").get(f"{PAGE}/import/")
    assert page.status_code == 200 and b"manifest.csv" in page.content
    assert b"<script>" not in page.content and b'style="' not in page.content
    assert local_client_as("admin").get(f"{PAGE}/copy/").status_code == 200


def test_an_upload_starts_the_check_and_the_check_page_offers_the_run(
    local_client_as: Any, large_group: str, tmp_path: Path, run_jobs: Any, settings: Any
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the ZIP streams to a temporary file
    client = local_client_as("operator")
    response = client.post(
        f"{PAGE}/import/",
        {"source": _upload(tmp_path), "policy": "largest", "detect": "on", "match_threshold": 0.6},
    )
    assert response.status_code == 302
    check = Job.objects.get(kind="import_check")
    assert response["Location"].endswith(f"/jobs/{check.pk}/")
    assert source_path(check).stat().st_size == (tmp_path / "people.zip").stat().st_size
    run_jobs()
    page = client.get(f"/t/local/jobs/{check.pk}/").content.decode()
    assert "5 to create, 0 to reuse" in page and "Run the import" in page
    response = client.post(f"/t/local/jobs/{check.pk}/import/run/")
    job = Job.objects.get(kind="import")
    assert response["Location"].endswith(f"/jobs/{job.pk}/")
    # A second click while it is queued starts nothing more.
    again = client.post(f"/t/local/jobs/{check.pk}/import/run/", follow=True)
    assert b"already under way" in again.content
    assert Job.objects.filter(kind="import").count() == 1
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    page = client.get(f"/t/local/jobs/{job.pk}/").content.decode()
    assert "Download the per-file CSV" in page and "Train now" in page
    download = client.get(f"/t/local/jobs/{job.pk}/import.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert len(rows) == 6 and {r["status"] for r in rows} == {"enrolled"}
    assert set(rows[0]) == {"file", "person", "personId", "persistedFaceId", "status", "reason"}


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    local_client_as: Any, large_group: str, tmp_path: Path, settings: Any
) -> None:
    settings.FACEADMIN_IMPORT_MAX_UPLOAD_BYTES = 1000
    response = local_client_as("operator").post(
        f"{PAGE}/import/", {"source": _upload(tmp_path), "policy": "largest"}
    )
    assert response.status_code == 413
    assert b"the limit is 1,000" in response.content
    assert not Job.objects.exists()


def test_a_file_that_is_not_a_zip_is_refused_and_a_zip_that_is_not_one_fails_the_check(
    local_client_as: Any, large_group: str, run_jobs: Any
) -> None:
    client = local_client_as("operator")
    response = client.post(
        f"{PAGE}/import/",
        {"source": SimpleUploadedFile("x.txt", b"hello"), "policy": "largest"},
    )
    assert response.status_code == 400 and b"Upload a .zip file." in response.content
    client.post(
        f"{PAGE}/import/",
        {"source": SimpleUploadedFile("x.zip", b"not a zip"), "policy": "largest"},
    )
    run_jobs()
    check = Job.objects.get(kind="import_check")
    assert check.status == JobStatus.FAILED and "not a ZIP file" in check.error


def test_the_export_download_is_the_zip_and_other_tenants_get_404(
    local_client_as: Any,
    large_group: str,
    run_jobs: Any,
    client_as: Any,
    tenant: Tenant,
) -> None:
    client = local_client_as("operator")
    response = client.post(f"{PAGE}/export/")
    job = Job.objects.get(kind="export")
    run_jobs()
    download = client.get(f"/t/local/jobs/{job.pk}/export.zip")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "manifest.csv" in archive.namelist()
    assert response.status_code == 302
    assert client_as("outsider").get(f"/t/local/jobs/{job.pk}/export.zip").status_code == 404


def test_an_admin_sets_the_tenant_rate_limit_from_the_azure_presets(
    client_as: Any, tenant: Tenant
) -> None:
    page = client_as("admin").get("/t/acme/settings/")
    assert b"Azure Free (F0): 20 calls per minute: 0.3333" in page.content
    response = client_as("admin").post(
        "/t/acme/settings/",
        {
            "name": tenant.name,
            "provider": tenant.provider,
            "endpoint_url": tenant.endpoint_url,
            "rate_limit_per_second": "10",
        },
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.rate_limit_per_second == 10.0


def test_a_findface_gallery_page_links_its_import(ff_client_as: Any, ff_tenant: Tenant) -> None:
    from faceadmin.faceapi.galleries import gallery_create

    gallery_create(tenant=ff_tenant, user=None, name="staff")
    page = ff_client_as("operator").get("/t/faces/collections/galleries/staff/")
    assert b"/t/faces/galleries/staff/import/" in page.content
    form = ff_client_as("operator").get("/t/faces/galleries/staff/import/")
    assert form.status_code == 200 and b"becomes each face's meta" in form.content
    assert ff_client_as("viewer").get("/t/faces/galleries/staff/import/").status_code == 403


def test_an_admin_starts_a_copy_check_into_another_tenant_they_administer(
    local_client_as: Any, local_members: Any, large_group: str, tenant: Tenant
) -> None:
    from faceadmin.tenants.models import Membership, Role

    Membership.objects.create(user=local_members["admin"], tenant=tenant, role=Role.ADMIN)
    client = local_client_as("admin")
    page = client.get(f"{PAGE}/copy/").content.decode()
    assert "Acme Azure" in page
    response = client.post(
        f"{PAGE}/copy/",
        {
            "target_tenant": tenant.pk,
            "target_kind": "largepersongroups",
            "target_id": "staff-copy",
            "recognition_model": "recognition_04",
            "action": "check",
        },
    )
    assert response.status_code == 302
    job = Job.objects.get(kind="copy")
    assert job.params["dry_run"] is True and job.params["target_tenant"] == tenant.pk
    # A gallery is only offered where the target is a FindFace tenant.
    refused = client.post(
        f"{PAGE}/copy/",
        {
            "target_tenant": tenant.pk,
            "target_kind": "gallery",
            "target_id": "x",
            "recognition_model": "recognition_04",
        },
    )
    assert refused.status_code == 400
