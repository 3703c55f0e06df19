"""The face-list audit: faces with provenance, filters, CSV export, find duplicates."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.duplicates import duplicate_scan_start
from faceadmin.faceapi.models import DuplicateScan, FaceImage
from faceadmin.jobs.models import Job, JobItem
from faceadmin.jobs.services import job_retry
from faceadmin.tenants.models import Tenant

from .conftest import photo

FL = CollectionKind.FACE_LIST
LIST_URL = "/t/local/collections/facelists/visitors/"


def add(tenant: Tenant, user: Any, path: str, user_data: str | None = None) -> str:
    face = services.face_list_add_face(
        tenant=tenant,
        user=user,
        kind=FL,
        list_id="visitors",
        image=photo(path),
        filename=path.rsplit("/", 1)[-1],
        user_data=user_data,
    )
    return face.persisted_face_id


@pytest.fixture
def faces(local_tenant: Tenant, operator: Any, face_list: str) -> dict[str, str]:
    """Four faces: Obama twice and Kit through faceadmin, Obama once more from elsewhere."""
    ids = {
        "obama1": add(local_tenant, operator, "enroll/barack_obama/1.jpg", '{"desk": "north"}'),
        "obama2": add(local_tenant, operator, "enroll/barack_obama/2.jpg", '{"desk": "south"}'),
        "kit": add(local_tenant, operator, "enroll/kit_harington/1.jpg", "=HYPERLINK(1)"),
    }
    ids["elsewhere"] = services.client_for(local_tenant).add_face_from_stream(
        CollectionKind.FACE_LIST, collection_id="visitors", image=photo("probe/barack_obama.jpg")
    )
    return ids


@pytest.mark.django_db
def test_the_audit_page_lists_every_face_with_its_provenance(
    local_client_as: Any, faces: dict[str, str], api_calls: list[Any]
) -> None:
    api_calls.clear()
    page = local_client_as("viewer").get(LIST_URL).content.decode()
    assert api_calls == [("GET", "/facelists/visitors")]  # the faces come with the list
    for face_id in faces.values():
        assert face_id in page
    assert "4 faces, 3 with a stored image" in page
    assert page.count('class="thumb"') == 3
    assert "enrolled outside faceadmin" in page
    assert "{&quot;desk&quot;: &quot;north&quot;}" in page


@pytest.mark.django_db
def test_the_filters_narrow_the_faces(local_client_as: Any, faces: dict[str, str]) -> None:
    client = local_client_as("viewer")
    no_image = client.get(LIST_URL, {"has_image": "no"}).content.decode()
    assert faces["elsewhere"] in no_image and faces["kit"] not in no_image
    by = client.get(LIST_URL, {"enrolled_by": "local-op"}).content.decode()
    assert faces["elsewhere"] not in by and faces["obama1"] in by
    text = client.get(LIST_URL, {"text": "SOUTH"}).content.decode()
    assert faces["obama2"] in text and faces["obama1"] not in text
    assert "1 match the filters" in text
    fragment = client.get(
        LIST_URL, {"text": "zzz"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="faces"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="faces"')
    assert "No face matches these filters." in fragment


@pytest.mark.django_db
def test_it_exports_the_faces_as_streamed_csv(local_client_as: Any, faces: dict[str, str]) -> None:
    response = local_client_as("viewer").get(LIST_URL + "faces.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv"
    assert 'filename="visitors-faces.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_id = {row["persistedFaceId"]: row for row in rows}
    assert set(by_id) == set(faces.values())
    obama = by_id[faces["obama1"]]
    image = FaceImage.objects.get(persisted_face_id=faces["obama1"])
    assert obama["userData"] == '{"desk": "north"}'
    assert (obama["image_stored"], obama["original_stored"]) == ("yes", "yes")
    assert (obama["source_filename"], obama["sha256"]) == ("1.jpg", image.sha256)
    assert obama["enrolled_by"] == "local-operator"
    assert by_id[faces["elsewhere"]]["image_stored"] == "no"
    # A formula in userData is defused for spreadsheets.
    assert by_id[faces["kit"]]["userData"] == "'=HYPERLINK(1)"


@pytest.mark.django_db
def test_the_export_keeps_the_filters(local_client_as: Any, faces: dict[str, str]) -> None:
    response = local_client_as("viewer").get(LIST_URL + "faces.csv", {"has_image": "no"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["persistedFaceId"] for row in rows] == [faces["elsewhere"]]


@pytest.mark.django_db
def test_the_export_of_a_missing_list_is_a_readable_error(local_client_as: Any) -> None:
    response = local_client_as("viewer").get("/t/local/collections/facelists/ghost/faces.csv")
    assert response.status_code == 404
    assert "FaceListNotFound" in response.content.decode()


@pytest.mark.django_db
def test_it_finds_duplicate_pairs_and_lists_faces_it_could_not_check(
    local_tenant: Tenant, operator: Any, faces: dict[str, str]
) -> None:
    scan = duplicate_scan_start(
        tenant=local_tenant,
        user=operator,
        kind=FL,
        list_id="visitors",
        threshold=0.7,
        background=False,
    )
    assert scan.status == "succeeded", scan.error
    assert (scan.total, scan.checked) == (3, 3)
    pairs = {frozenset((p["a"], p["b"])): p["confidence"] for p in scan.pairs}
    obama = frozenset((faces["obama1"], faces["obama2"]))
    assert obama in pairs and pairs[obama] >= 0.7
    # The face enrolled elsewhere cannot be searched from, but is found as a match.
    assert frozenset((faces["obama1"], faces["elsewhere"])) in pairs
    assert not any(faces["kit"] in pair for pair in pairs)
    assert scan.skipped == [{"face": faces["elsewhere"], "reason": "no image stored"}]


@pytest.mark.django_db
def test_a_high_threshold_finds_no_pairs(
    local_tenant: Tenant, operator: Any, faces: dict[str, str]
) -> None:
    scan = duplicate_scan_start(
        tenant=local_tenant,
        user=operator,
        kind=FL,
        list_id="visitors",
        threshold=0.999,
        background=False,
    )
    assert scan.status == "succeeded" and scan.pairs == []


@pytest.mark.django_db(transaction=True)
def test_the_duplicates_panel_polls_until_the_scan_job_is_done(
    local_client_as: Any, faces: dict[str, str], run_jobs: Any
) -> None:
    client = local_client_as("operator")
    response = client.post(
        LIST_URL + "duplicates/start/", {"threshold": "0.7"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 202
    assert 'hx-trigger="every 2s"' in response.content.decode()  # queued: the panel polls
    job = Job.objects.get(kind="duplicate_scan")
    run_jobs()  # the worker runs the scan
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.result is not None and job.result["pairs"] == 3
    html = client.get(LIST_URL + "duplicates/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' not in html  # the final render stops the polling
    assert DuplicateScan.objects.get().status == "succeeded"
    assert 'data-testid="duplicates-summary"><strong>3</strong> pairs' in html
    assert "1 face could not be checked" in html
    page = client.get(f"/t/local/jobs/{job.pk}/").content.decode()
    assert 'data-testid="duplicates-job-summary"><strong>3</strong> pairs' in page


@pytest.mark.django_db(transaction=True)
def test_a_retried_duplicate_scan_checks_only_the_faces_left(
    local_client_as: Any, faces: dict[str, str], run_jobs: Any
) -> None:
    client = local_client_as("operator")
    client.post(LIST_URL + "duplicates/start/", {"threshold": "0.7"})
    job = Job.objects.get(kind="duplicate_scan")
    # As a worker killed after its first face leaves it: one step recorded, then stale.
    first = DuplicateScan.objects.get()
    run_jobs()
    job.refresh_from_db()
    steps = list(JobItem.objects.filter(job=job).order_by("id"))
    assert len(steps) == 3 and job.status == "succeeded"
    kept = steps[0]
    JobItem.objects.filter(job=job).exclude(pk=kept.pk).delete()
    kept.data = {"hits": [], "skipped": "marker from the first attempt"}
    kept.save()
    Job.objects.filter(pk=job.pk).update(status="failed", error="worker died")
    job_retry(job=Job.objects.get(pk=job.pk), user=None)
    run_jobs()
    job.refresh_from_db()
    first.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2
    # The recorded step was not probed again: its recorded outcome is in the result.
    assert {"face": kept.key.split(":", 1)[1], "reason": "marker from the first attempt"} in (
        first.skipped
    )
    assert JobItem.objects.filter(job=job).count() == 3


@pytest.mark.django_db
def test_viewers_cannot_start_a_duplicate_search(local_client_as: Any, face_list: str) -> None:
    url = LIST_URL + "duplicates/start/"
    assert local_client_as("viewer").post(url, {"threshold": "0.7"}).status_code == 403


@pytest.mark.django_db
def test_faces_are_added_to_a_face_list_by_upload_and_deleted_by_admins(
    local_client_as: Any,
    local_tenant: Tenant,
    face_list: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = local_client_as("operator").post(
        LIST_URL + "faces/add/",
        {"photos": [SimpleUploadedFile("rose.jpg", photo("enroll/rose_leslie/1.jpg"))]},
    )
    assert 'data-status="enrolled"' in response.content.decode()
    image = FaceImage.objects.get(collection_id="visitors")
    assert image.person_id == ""
    with django_capture_on_commit_callbacks(execute=True):
        response = local_client_as("admin").post(
            f"{LIST_URL}faces/{image.persisted_face_id}/delete/"
        )
    assert response.status_code == 302
    assert not FaceImage.objects.exists()
    listed = services.collection_get(tenant=local_tenant, kind=FL, collection_id="visitors")
    assert listed.persisted_faces == ()
