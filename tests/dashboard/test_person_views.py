"""Persons and their faces: paging, filter, uploads, picking a face, deleting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.tenants.models import Tenant

from .conftest import enroll, photo

pytestmark = pytest.mark.django_db

PG = CollectionKind.PERSON_GROUP
GROUP_URL = "/t/local/collections/persongroups/staff/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name.rsplit("/", 1)[-1], photo(name), content_type="image/jpeg")


def test_the_persons_page_costs_one_listing_call_and_shows_face_counts_and_thumbnails(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str, api_calls: list[Any]
) -> None:
    enroll(
        local_tenant,
        operator,
        group,
        "Barack Obama",
        "enroll/barack_obama/1.jpg",
        "enroll/barack_obama/2.jpg",
    )
    enroll(local_tenant, operator, group, "Kit Harington")
    api_calls.clear()
    client = local_client_as("viewer")
    page = client.get(GROUP_URL).content.decode()
    assert api_calls == [("GET", "/persongroups/staff"), ("GET", "/persongroups/staff/persons")]
    assert "Barack Obama" in page and "Kit Harington" in page
    assert page.count('class="thumb small"') == 2
    assert "<td>2</td>" in page and "<td>0</td>" in page
    api_calls.clear()
    fragment = client.get(GROUP_URL, HTTP_HX_TARGET="persons", **HTMX).content.decode()
    assert api_calls == [("GET", "/persongroups/staff/persons")]
    assert fragment.lstrip().startswith('<div id="persons"')


def test_it_pages_forward_and_back_with_start_and_top(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    for n in range(12):
        services.person_create(
            tenant=local_tenant, user=operator, kind=PG, group_id=group, name=f"Person {n}"
        )
    everyone = services.person_page(tenant=local_tenant, kind=PG, group_id=group, top=100)
    ids = [p.person_id for p in everyone.items]
    client = local_client_as("viewer")
    first = client.get(GROUP_URL, {"top": 10})
    assert [r.member.id for r in first.context["rows"]] == ids[:10]
    assert first.context["pager"].previous_query == ""
    second = client.get(GROUP_URL + first.context["pager"].next_query)
    assert [r.member.id for r in second.context["rows"]] == ids[10:]
    assert second.context["pager"].next_query == ""
    assert "Page 2" in second.content.decode()
    back = client.get(GROUP_URL + second.context["pager"].previous_query)
    assert [r.member.id for r in back.context["rows"]] == ids[:10]


def test_the_name_filter_says_it_filters_this_page(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    for name in ("Alex Lacamoire", "Barack Obama", "Kit Harington"):
        services.person_create(
            tenant=local_tenant, user=operator, kind=PG, group_id=group, name=name
        )
    client = local_client_as("viewer")
    page = client.get(GROUP_URL, {"q": "obama"}).content.decode()
    assert "Barack Obama" in page and "Kit Harington" not in page
    assert "Filtered within this page (1 of 3)" in page
    none = client.get(GROUP_URL, {"q": "zelda"}).content.decode()
    assert "looks at the 3 persons of this page only" in none


def test_an_operator_adds_a_person_and_lands_on_the_person_page(
    local_client_as: Any, group: str
) -> None:
    response = local_client_as("operator").post(
        GROUP_URL + "persons/new/", {"name": "Rose Leslie", "user_data": '{"badge": 7}'}
    )
    assert response.status_code == 302
    page = local_client_as("viewer").get(response["Location"]).content.decode()
    assert "<h1>Rose Leslie</h1>" in page and "No faces yet." in page


def test_adding_a_person_to_a_missing_group_keeps_the_name_and_shows_the_code(
    local_client_as: Any,
) -> None:
    response = local_client_as("operator").post(
        "/t/local/collections/persongroups/ghost/persons/new/",
        {"name": "Still here", "user_data": ""},
        **HTMX,
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert "PersonGroupNotFound" in html and 'value="Still here"' in html


def test_it_enrolls_several_photos_in_one_upload_and_keeps_their_provenance(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    person_id = enroll(local_tenant, operator, group, "Barack Obama")
    url = f"{GROUP_URL}persons/{person_id}/faces/add/"
    response = local_client_as("operator").post(
        url,
        {
            "photos": [upload("enroll/barack_obama/1.jpg"), upload("enroll/barack_obama/2.jpg")],
            "user_data": '{"source": "press kit"}',
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-status="enrolled"') == 2
    images = FaceImage.objects.filter(person_id=person_id).order_by("source_filename")
    assert [i.source_filename for i in images] == ["1.jpg", "2.jpg"]
    assert all(i.uploaded_by_username == "local-operator" for i in images)
    assert images[0].user_data == '{"source": "press kit"}'
    page = local_client_as("viewer").get(f"{GROUP_URL}persons/{person_id}/").content.decode()
    assert page.count('class="thumb big"') == 2 and images[0].sha256[:12] in page


def test_a_photo_without_a_face_is_reported_and_the_others_still_enroll(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    from io import BytesIO

    from PIL import Image

    blank = BytesIO()
    Image.new("RGB", (400, 400), "white").save(blank, format="JPEG")
    person_id = enroll(local_tenant, operator, group, "Kit")
    response = local_client_as("operator").post(
        f"{GROUP_URL}persons/{person_id}/faces/add/",
        {
            "photos": [
                SimpleUploadedFile("wall.jpg", blank.getvalue(), "image/jpeg"),
                upload("enroll/kit_harington/1.jpg"),
            ]
        },
        **HTMX,
    )
    html = response.content.decode()
    assert "No face was found in this photo." in html
    assert html.count('data-status="enrolled"') == 1
    assert html.lstrip().startswith("<li")  # a fragment for the upload list


def test_a_photo_with_several_faces_is_boxed_and_the_picked_face_is_enrolled(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    person_id = enroll(local_tenant, operator, group, "Kit Harington")
    client = local_client_as("operator")
    response = client.post(
        f"{GROUP_URL}persons/{person_id}/faces/add/",
        {"photos": [upload("multi/kit_harington_rose_leslie.jpg")]},
    )
    html = response.content.decode()
    assert 'data-status="pick"' in html and "<svg viewBox=" in html
    pending = PendingPhoto.objects.get()
    assert len(pending.faces) == 2
    photo_response = client.get(f"/t/local/pending/{pending.token}/photo/")
    assert photo_response.status_code == 200
    chosen = ",".join(map(str, pending.faces[0]))
    picked = client.post(
        f"{GROUP_URL}persons/{person_id}/faces/pick/",
        {"token": str(pending.token), "faces": [chosen]},
        **HTMX,
    )
    assert picked.status_code == 200
    assert 'data-status="enrolled"' in picked.content.decode()
    image = FaceImage.objects.get(person_id=person_id)
    assert [image.face_left, image.face_top, image.face_width, image.face_height] == (
        pending.faces[0]
    )
    assert not PendingPhoto.objects.exists()
    person = services.person_get(tenant=local_tenant, kind=PG, group_id=group, person_id=person_id)
    assert person.persisted_face_ids == (image.persisted_face_id,)


def test_picking_no_face_asks_again(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    person_id = enroll(local_tenant, operator, group, "Kit Harington")
    client = local_client_as("operator")
    client.post(
        f"{GROUP_URL}persons/{person_id}/faces/add/",
        {"photos": [upload("multi/kit_harington_rose_leslie.jpg")]},
    )
    pending = PendingPhoto.objects.get()
    response = client.post(
        f"{GROUP_URL}persons/{person_id}/faces/pick/", {"token": str(pending.token)}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_deleting_a_face_deletes_its_stored_files(
    local_client_as: Any,
    local_tenant: Tenant,
    operator: Any,
    group: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    person_id = enroll(local_tenant, operator, group, "Barack", "enroll/barack_obama/1.jpg")
    image = FaceImage.objects.get()
    files = [Path(image.thumbnail.path), Path(image.original.path)]
    assert all(f.exists() for f in files)
    url = f"{GROUP_URL}persons/{person_id}/faces/{image.persisted_face_id}/delete/"
    assert local_client_as("operator").post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = local_client_as("admin").post(url, **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not FaceImage.objects.exists()
    assert not any(f.exists() for f in files)
    person = services.person_get(tenant=local_tenant, kind=PG, group_id=group, person_id=person_id)
    assert person.persisted_face_ids == ()


def test_deleting_a_person_or_a_group_deletes_their_stored_files(
    local_client_as: Any,
    local_tenant: Tenant,
    operator: Any,
    group: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    barack = enroll(local_tenant, operator, group, "Barack", "enroll/barack_obama/1.jpg")
    enroll(local_tenant, operator, group, "Kit", "enroll/kit_harington/1.jpg")
    paths = {i.person_id: Path(i.thumbnail.path) for i in FaceImage.objects.all()}
    admin = local_client_as("admin")
    confirm = admin.get(f"{GROUP_URL}persons/{barack}/delete/").content.decode()
    assert "<strong>1</strong> enrolled face" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(f"{GROUP_URL}persons/{barack}/delete/").status_code == 302
    assert not paths[barack].exists()
    assert FaceImage.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(f"{GROUP_URL}delete/").status_code == 302
    assert not FaceImage.objects.exists()
    assert not any(p.exists() for p in paths.values())


def test_faces_enrolled_elsewhere_say_no_image_stored(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    person_id = enroll(local_tenant, operator, group, "Barack")
    # Straight through the client: what another tool enrolling into the same group does.
    face_id = services.client_for(local_tenant).person_add_face_from_stream(
        CollectionKind.PERSON_GROUP,
        collection_id=group,
        person_id=person_id,
        image=photo("enroll/barack_obama/1.jpg"),
        user_data="from the old system",
    )
    client = local_client_as("viewer")
    page = client.get(f"{GROUP_URL}persons/{person_id}/").content.decode()
    assert "no image stored" in page and "Enrolled outside faceadmin" in page
    face_url = f"{GROUP_URL}persons/{person_id}/faces/{face_id}/"
    assert f'hx-get="{face_url}"' in page
    fragment = client.get(face_url, HTTP_HX_REQUEST="true").content.decode()
    assert "from the old system" in fragment


def test_thumbnails_are_private_to_the_tenant(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str, client_as: Any
) -> None:
    enroll(local_tenant, operator, group, "Barack", "enroll/barack_obama/1.jpg")
    image = FaceImage.objects.get()
    url = image.thumbnail_url
    response = local_client_as("viewer").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client_as("outsider").get(url).status_code == 404
    from django.test import Client

    assert Client().get(url).status_code == 302  # to the login page


def test_the_person_page_shows_the_provider_error_for_a_missing_person(
    local_client_as: Any, group: str
) -> None:
    response = local_client_as("viewer").get(
        f"{GROUP_URL}persons/00000000-0000-0000-0000-000000000000/"
    )
    assert response.status_code == 404
    assert "PersonNotFound" in response.content.decode()
