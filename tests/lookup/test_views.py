"""Lookup pages through Django's test client: roles, plain POST and htmx, bad input."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from faceadmin.faceapi import services
from faceadmin.jobs.models import Job, JobItem
from faceadmin.jobs.runner import job_workdir
from faceadmin.tenants.models import Tenant
from tests.lookup.conftest import PG, photo

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def upload(name: str, field: str = "photo") -> dict[str, Any]:
    return {field: SimpleUploadedFile(name.rsplit("/", 1)[-1], photo(name), "image/jpeg")}


def boxes(html: str) -> int:
    return len(re.findall(r'<g class="lk-face[^"]*" data-face=', html))


@pytest.fixture
def operator_client(local_client_as: Any) -> Any:
    return local_client_as("operator")


def test_viewers_cannot_look_up_photos(local_client_as: Any, local_tenant: Tenant) -> None:
    viewer = local_client_as("viewer")
    for page in ("lookup/", "lookup/verify/", "lookup/similar/", "lookup/group/"):
        assert viewer.get(f"/t/local/{page}").status_code == 403
    assert viewer.post("/t/local/lookup/", upload("probe/kit_harington.jpg")).status_code == 403


def test_every_lookup_page_renders_its_form(operator_client: Any) -> None:
    for page, text in (
        ("lookup/", "Detect faces"),
        ("lookup/verify/", "Photo B"),
        ("lookup/similar/", "Find similar faces"),
        ("lookup/group/", "Group the faces"),
    ):
        response = operator_client.get(f"/t/local/{page}")
        assert response.status_code == 200, page
        assert text in response.content.decode()


def test_plain_post_detect_returns_the_page_with_the_photo_inline(operator_client: Any) -> None:
    response = operator_client.post(
        "/t/local/lookup/",
        {
            **upload("multi/barack_obama_joe_biden.jpg"),
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert boxes(html) == 3
    assert 'src="data:image/jpeg;base64,' in html
    assert 'viewBox="0 0 2000 1428"' in html
    assert "<html" in html


def test_htmx_detect_returns_only_the_overlay_and_tables(
    operator_client: Any, local_tenant: Tenant
) -> None:
    response = operator_client.post(
        "/t/local/lookup/",
        {
            **upload("multi/two_people.jpg"),
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "data:image" not in html  # the browser shows its own copy
    assert 'data-photo-from="photo"' in html
    assert boxes(html) == 2
    assert html.count('<tr data-face="') == 2
    assert "curl -X POST" in html and local_tenant.primary_key not in html
    assert "http://testserver/face/v1.0/detect?" in html


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Choose a photo"),
        ({"photo": SimpleUploadedFile("notes.txt", b"hello " * 400, "text/plain")}, "not an image"),
        (
            {"photo": SimpleUploadedFile("big.jpg", b"\xff" * (6 * 1024 * 1024 + 10))},
            "at most 6 MB",
        ),
    ],
)
def test_bad_uploads_get_a_plain_message(operator_client: Any, payload: Any, message: str) -> None:
    data = {
        **payload,
        "action": "detect",
        "detection_model": "detection_01",
        "recognition_model": "recognition_04",
        "max_candidates": 3,
    }
    page = operator_client.post("/t/local/lookup/", data)
    assert page.status_code == 400 and message in page.content.decode()
    for f in payload.values():
        f.seek(0)
    fragment = operator_client.post("/t/local/lookup/", data, **HTMX)
    assert fragment.status_code == 200 and message in fragment.content.decode()


def test_a_photo_without_faces_says_so(operator_client: Any) -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 180, 160)).save(out, "JPEG")
    response = operator_client.post(
        "/t/local/lookup/",
        {
            "photo": SimpleUploadedFile("wall.jpg", out.getvalue(), "image/jpeg"),
            "action": "identify",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
        **HTMX,
    )
    assert "No face was found on this photo" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_identify_names_the_person_with_thumbnails_and_enroll_buttons(
    operator_client: Any, people: dict[str, str]
) -> None:
    response = operator_client.post(
        "/t/local/lookup/",
        {
            **upload("probe/kit_harington.jpg"),
            "action": "identify",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 2,
        },
        **HTMX,
    )
    html = response.content.decode()
    names = re.findall(r'data-testid="candidate-name">(?:<a [^>]*>)?([^<]+)<', html)
    assert names[0] == "kit_harington"
    assert 'class="thumb" src="/t/local/' in html
    assert f'value="PersonGroup:people|{people["kit_harington"]}|' in html
    assert "kit_harington test data" in html


@pytest.mark.django_db(transaction=True)
def test_enroll_from_a_result_re_posts_the_photo_with_the_face(
    operator_client: Any, local_tenant: Tenant, people: dict[str, str]
) -> None:
    target = "262,180,187,187"  # roughly Kit's face: the engine picks the face inside it
    response = operator_client.post(
        "/t/local/lookup/enroll/",
        {
            **upload("probe/kit_harington.jpg"),
            "enroll": f"PersonGroup:people|{people['kit_harington']}|{target}",
        },
        **HTMX,
    )
    assert response["HX-Retarget"] == "#lookup-flash"
    assert "Enrolled the face" in response.content.decode()
    images = services.person_face_images(
        tenant=local_tenant, kind=PG, group_id="people", person_id=people["kit_harington"]
    )
    assert len(images) == 2

    created = operator_client.post(
        "/t/local/lookup/enroll/",
        {
            **upload("probe/kit_harington.jpg"),
            "new_person": target,
            "create": "1",
            "new_group": "PersonGroup:people",
            "new_name": "Kit H.",
        },
    )
    assert created.status_code == 302
    persons = services.person_page(tenant=local_tenant, kind=PG, group_id="people").items
    assert "Kit H." in {p.name for p in persons}


def test_enroll_without_the_photo_asks_for_it_again(operator_client: Any) -> None:
    response = operator_client.post(
        "/t/local/lookup/enroll/", {"enroll": "PersonGroup:people|x|1,2,3,4"}, follow=True
    )
    assert "Choose the photo again" in response.content.decode()


def test_verify_shows_the_decision(operator_client: Any) -> None:
    same = operator_client.post(
        "/t/local/lookup/verify/",
        {
            **upload("probe/barack_obama.jpg"),
            **upload("enroll/barack_obama/2.jpg", "photo2"),
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
        },
        **HTMX,
    ).content.decode()
    assert 'data-identical="true"' in same and "The same person" in same
    different = operator_client.post(
        "/t/local/lookup/verify/",
        {
            **upload("probe/barack_obama.jpg"),
            **upload("enroll/joe_biden/1.jpg", "photo2"),
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
        },
    ).content.decode()
    assert 'data-identical="false"' in different


@pytest.mark.django_db(transaction=True)
def test_grouping_runs_as_a_job_whose_result_creates_a_person_from_a_cluster(
    operator_client: Any, local_tenant: Tenant, operator: Any, run_jobs: Any
) -> None:
    services.collection_create(
        tenant=local_tenant, user=operator, kind=PG, collection_id="team", name="Team"
    )
    names = [
        "enroll/barack_obama/1.jpg",
        "enroll/barack_obama/2.jpg",
        "enroll/joe_biden/1.jpg",
        "enroll/joe_biden/2.jpg",
    ]
    files = [SimpleUploadedFile(n.replace("/", "_"), photo(n), "image/jpeg") for n in names]
    response = operator_client.post(
        "/t/local/lookup/group/",
        {"photos": files, "detection_model": "detection_01", "recognition_model": "recognition_04"},
        **HTMX,
    )
    job = Job.objects.get(kind="photo_grouping")
    assert response["HX-Redirect"] == f"/t/local/jobs/{job.pk}/"
    assert job.status == "queued" and job.total == 4
    assert len(list((job_workdir(job) / "inputs").iterdir())) == 4
    run_jobs()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.done == 4 and JobItem.objects.filter(job=job).count() == 4
    assert not (job_workdir(job) / "inputs").exists()  # the photos are gone with the job
    # The result page survives a reload: it is read from the job row.
    for _ in range(2):
        html = operator_client.get(f"/t/local/jobs/{job.pk}/").content.decode()
        assert 'data-clusters="2"' in html and html.count('class="thumb"') == 4
        assert 'hx-trigger="every 2s"' not in html
    # A cluster's crops come on demand, then travel back to create the person.
    fragment = operator_client.get(
        f"/t/local/lookup/group/{job.pk}/cluster/1/", **HTMX
    ).content.decode()
    crops = re.findall(r'name="crop" value="([^"]+)"', fragment)
    assert len(crops) == 2
    created = operator_client.post(
        "/t/local/lookup/group/person/",
        {"crop": crops, "group": "PersonGroup:team", "name": "From a cluster"},
        **HTMX,
    ).content.decode()
    assert f"Created From a cluster in team with {len(crops)} face(s)" in created
    (person,) = services.person_page(tenant=local_tenant, kind=PG, group_id="team").items
    assert len(person.persisted_face_ids) == len(crops) == 2


@responses.activate
def test_a_provider_failure_is_shown_not_raised(client_as: Any, tenant: Tenant) -> None:
    base = "https://acme.cognitiveservices.example/face/v1.0"
    responses.get(f"{base}/persongroups", json=[])
    responses.get(f"{base}/largepersongroups", json=[])
    responses.post(
        f"{base}/detect",
        status=403,
        json={"error": {"code": "QuotaExceeded", "message": "Out of calls this month."}},
    )
    response = client_as("operator").post(
        "/t/acme/lookup/",
        {
            **upload("probe/kit_harington.jpg"),
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The provider&#x27;s quota for this is used up." in html
    assert "Out of calls this month." in html


def test_a_photo_url_is_drawn_over_the_remote_image(
    operator_client: Any, photo_server: str
) -> None:
    url = f"{photo_server}/multi/kit_harington_rose_leslie.jpg"
    html = operator_client.post(
        "/t/local/lookup/",
        {
            "url": url,
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
        **HTMX,
    ).content.decode()
    assert boxes(html) == 2
    assert f'src="{url}"' in html and "data-fit" in html  # the browser sizes the overlay
    assert "Enroll this face" not in html and "new_person" not in html  # needs the bytes


def test_more_than_1000_photos_get_a_plain_message(operator_client: Any) -> None:
    files = [SimpleUploadedFile(f"{i}.jpg", b"x", "image/jpeg") for i in range(1001)]
    response = operator_client.post(
        "/t/local/lookup/group/",
        {"photos": files, "detection_model": "detection_01", "recognition_model": "recognition_04"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Send at most 1000 photos at once." in response.content.decode()
    assert not Job.objects.exists()
