"""The dashboard on a FindFace tenant: the same pages, showing galleries instead of groups,
and lookups with threshold presets. The tenant uses this server's facade, in-process."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from faceadmin.clients.errors import UnsupportedFeature
from faceadmin.faceapi import galleries as gallery_services
from faceadmin.faceapi.lookup import photo_from_bytes
from faceadmin.faceapi.services import client_for, findface_client_for, tenant_check_connection
from faceadmin.tenants.models import AuditEvent, Provider, Tenant
from tests.conftest import make_user

from .conftest import photo

OBAMA = "enroll/barack_obama/1.jpg"
BIDEN = "enroll/joe_biden/2.jpg"
PROBE = "probe/barack_obama.jpg"

pytestmark = pytest.mark.django_db


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name.rsplit("/", 1)[-1], photo(name), content_type="image/jpeg")


def enroll(tenant: Tenant, gallery: str, name: str, meta: str) -> int:
    (face,) = gallery_services.gallery_enroll(
        tenant=tenant,
        user=None,
        gallery=gallery,
        photo=photo_from_bytes(data=photo(name), filename=name),
        meta=meta,
    )
    return face.id


def test_a_superuser_creates_a_findface_tenant_on_this_server(ff_key: str) -> None:
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)

    answer = client.post(
        "/tenants/new/",
        {
            "name": "Local FindFace",
            "slug": "local-ff",
            "provider": Provider.FINDFACE,
            "endpoint_url": "",
            "primary_key": ff_key,
        },
    )

    assert answer.status_code == 302
    tenant = Tenant.objects.get(slug="local-ff")
    assert tenant.is_embedded and tenant.provider == Provider.FINDFACE
    assert tenant_check_connection(tenant=tenant).ok
    status = client.get("/t/local-ff/status/")
    assert b"answers" in status.content


def test_a_remote_findface_tenant_keeps_its_endpoint(ff_key: str) -> None:
    from faceadmin.tenants.services import tenant_create

    tenant = tenant_create(
        name="Cloud",
        slug="cloud",
        provider=Provider.FINDFACE,
        endpoint_url="https://api.findface.pro",
        primary_key=ff_key,
    )

    client = findface_client_for(tenant)
    assert not tenant.is_embedded
    assert client.transport.base_url == "https://api.findface.pro/v1"  # type: ignore[attr-defined]
    with pytest.raises(UnsupportedFeature):
        client_for(tenant)


def test_the_collections_page_lists_galleries(ff_tenant: Tenant, ff_client_as: Any) -> None:
    findface_client_for(ff_tenant).gallery_create(name="staff")

    page = ff_client_as("viewer").get("/t/faces/collections/")

    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="galleries"' in text
    assert "/t/faces/collections/galleries/staff/" in text
    assert "Person groups" not in text  # no Azure kind tabs


def test_an_operator_creates_a_gallery_and_it_is_audited(
    ff_tenant: Tenant, ff_client_as: Any
) -> None:
    client = ff_client_as("operator")

    form = client.get("/t/faces/collections/new/")
    created = client.post("/t/faces/collections/new/", {"name": "staff"})
    twice = client.post("/t/faces/collections/new/", {"name": "staff"})

    assert b"New gallery" in form.content
    assert created.status_code == 302
    assert created["Location"] == "/t/faces/collections/galleries/staff/"
    assert twice.status_code == 400 and b"already exists" in twice.content
    outcomes = list(
        AuditEvent.objects.filter(action="gallery.create").values_list("outcome", flat=True)
    )
    assert sorted(outcomes) == ["BAD_PARAM", "ok"]


def test_a_gallery_page_shows_faces_with_meta_and_thumbnails(
    ff_tenant: Tenant, ff_client_as: Any
) -> None:
    findface_client_for(ff_tenant).gallery_create(name="staff")
    face_id = enroll(ff_tenant, "staff", OBAMA, "Barack Obama")
    viewer = ff_client_as("viewer")

    page = viewer.get("/t/faces/collections/galleries/staff/")

    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-face-id="{face_id}"' in text and "Barack Obama" in text
    assert "Enroll a face" not in text  # viewers only look
    src = text.split('class="thumb big" src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/findface/v1/thumbnails/")
    thumbnail = viewer.get(src)
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_an_operator_enrolls_a_face_into_a_gallery(ff_tenant: Tenant, ff_client_as: Any) -> None:
    findface_client_for(ff_tenant).gallery_create(name="staff")
    client = ff_client_as("operator")

    answer = client.post(
        "/t/faces/galleries/staff/enroll/",
        {"photo": upload(BIDEN), "meta": "Joe Biden", "faces": "biggest"},
        follow=True,
    )

    assert b"Enrolled 1 face as Joe Biden." in answer.content
    (face,) = findface_client_for(ff_tenant).face_list(gallery="staff").faces
    assert face.meta == "Joe Biden"
    event = AuditEvent.objects.get(action="face.enroll")
    assert event.target_id == "staff" and str(face.id) in event.reason


def test_an_enroll_without_a_face_says_so(ff_tenant: Tenant, ff_client_as: Any) -> None:
    from io import BytesIO

    from PIL import Image

    blank = BytesIO()
    Image.new("RGB", (300, 300), (90, 90, 90)).save(blank, format="JPEG")
    client = ff_client_as("operator")

    answer = client.post(
        "/t/faces/galleries/default/enroll/",
        {"photo": SimpleUploadedFile("blank.jpg", blank.getvalue()), "faces": "biggest"},
        follow=True,
    )

    assert b"No face was found on the photo." in answer.content


def test_faces_are_renamed_and_deleted_from_the_gallery_page(
    ff_tenant: Tenant, ff_client_as: Any
) -> None:
    face_id = enroll(ff_tenant, "default", OBAMA, "Barack")
    client = ff_client_as("operator")

    client.post(f"/t/faces/galleries/default/faces/{face_id}/edit/", {"meta": "Barack Obama"})
    renamed = findface_client_for(ff_tenant).face_get(face_id=face_id)
    client.post(f"/t/faces/galleries/default/faces/{face_id}/delete/")

    assert renamed.meta == "Barack Obama"
    assert findface_client_for(ff_tenant).face_list().faces == ()


def test_viewers_cannot_enroll_or_delete(ff_tenant: Tenant, ff_client_as: Any) -> None:
    face_id = enroll(ff_tenant, "default", OBAMA, "Barack")
    viewer = ff_client_as("viewer")

    assert viewer.post("/t/faces/galleries/default/enroll/").status_code == 403
    assert viewer.post(f"/t/faces/galleries/default/faces/{face_id}/delete/").status_code == 403
    assert viewer.post("/t/faces/collections/galleries/default/delete/").status_code == 403


def test_an_admin_deletes_a_gallery_but_never_default(ff_tenant: Tenant, ff_client_as: Any) -> None:
    findface_client_for(ff_tenant).gallery_create(name="old")
    admin = ff_client_as("admin")

    confirm = admin.get("/t/faces/collections/galleries/old/delete/")
    deleted = admin.post("/t/faces/collections/galleries/old/delete/")
    default = admin.post("/t/faces/collections/galleries/default/delete/", follow=True)

    assert b"Delete gallery" in confirm.content
    assert deleted.status_code == 302
    assert findface_client_for(ff_tenant).gallery_list() == ["default"]
    assert b"cannot be deleted" in default.content


def test_the_overview_counts_galleries_and_people(ff_tenant: Tenant, ff_client_as: Any) -> None:
    findface_client_for(ff_tenant).gallery_create(name="staff")
    enroll(ff_tenant, "staff", OBAMA, "Barack Obama")
    enroll(ff_tenant, "default", PROBE, "Barack Obama")

    fragment = ff_client_as("viewer").get("/t/faces/overview/collections/")

    text = fragment.content.decode()
    assert 'data-testid="count-galleries"><span class="stat">2</span>' in text
    assert 'data-testid="count-people"><span class="stat">1</span>' in text
    assert "on 2 faces" in text


def test_azure_only_pages_are_not_offered(ff_tenant: Tenant, ff_client_as: Any) -> None:
    client = ff_client_as("operator")

    lookup = client.get("/t/faces/lookup/")

    assert b"Find similar" not in lookup.content
    assert client.get("/t/faces/lookup/similar/").status_code == 404
    assert client.get("/t/faces/lookup/group/").status_code == 404
    assert client.get("/t/faces/collections/persongroups/x/").status_code == 404
    assert b"Snapshots" not in client.get("/t/faces/").content


def test_lookup_identifies_in_a_gallery_with_a_preset(ff_tenant: Tenant, ff_client_as: Any) -> None:
    findface_client_for(ff_tenant).gallery_create(name="presidents")
    enroll(ff_tenant, "presidents", OBAMA, "Barack Obama")
    enroll(ff_tenant, "default", BIDEN, "Joe Biden")
    client = ff_client_as("operator")

    page = client.get("/t/faces/lookup/")
    answer = client.post(
        "/t/faces/lookup/",
        {
            "photo": upload(PROBE),
            "gallery": "presidents",
            "threshold": "strict",
            "n": "3",
            "action": "identify",
        },
    )

    assert b'value="strict"' in page.content and b"Every face (default)" in page.content
    text = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-faces="1"' in text
    names = [part.split("<", 1)[0] for part in text.split('data-testid="candidate-name">')[1:]]
    assert names == ["Barack Obama"]
    assert "Searched presidents" in text


def test_lookup_detect_draws_the_boxes(ff_tenant: Tenant, ff_client_as: Any) -> None:
    answer = ff_client_as("operator").post(
        "/t/faces/lookup/",
        {"photo": upload("multi/kit_harington_rose_leslie.jpg"), "threshold": "low", "n": "1"},
    )

    assert b'data-faces="2"' in answer.content
    assert b'data-testid="gallery-enroll"' in answer.content


def test_a_face_of_a_lookup_is_enrolled_into_a_gallery(
    ff_tenant: Tenant, ff_client_as: Any
) -> None:
    findface_client_for(ff_tenant).gallery_create(name="staff")

    answer = ff_client_as("operator").post(
        "/t/faces/lookup/enroll/",
        {
            "photo": upload(OBAMA),
            "new_face": "349,142,269,268",
            "new_gallery": "staff",
            "new_meta": "Barack Obama",
        },
        follow=True,
    )

    assert b"Enrolled the face into staff" in answer.content
    (face,) = findface_client_for(ff_tenant).face_list(gallery="staff").faces
    assert face.meta == "Barack Obama"


@pytest.mark.parametrize(
    ("second", "same"), [(PROBE, True), (BIDEN, False)], ids=["same", "different"]
)
def test_verify_compares_two_photos_with_a_preset(
    ff_tenant: Tenant, ff_client_as: Any, second: str, same: bool
) -> None:
    answer = ff_client_as("operator").post(
        "/t/faces/lookup/verify/",
        {"photo": upload(OBAMA), "photo2": upload(second), "threshold": "medium"},
    )

    text = answer.content.decode()
    assert answer.status_code == 200, text
    assert f'data-identical="{"true" if same else "false"}"' in text
    assert "(threshold medium)" in text


def test_a_findface_tenant_in_the_tenant_form_needs_no_endpoint(members: dict[str, Any]) -> None:
    from faceadmin.dashboard.forms import TenantCreateForm

    findface = TenantCreateForm(
        {"name": "F", "slug": "f", "provider": Provider.FINDFACE, "endpoint_url": ""}
    )
    azure = TenantCreateForm(
        {"name": "A", "slug": "a", "provider": Provider.AZURE, "endpoint_url": ""}
    )

    assert findface.is_valid(), findface.errors
    assert not azure.is_valid()


def test_thumbnails_are_paths_of_this_server_when_the_embedded_host_is_not_served(
    ff_tenant: Tenant, ff_client_as: Any, settings: Any
) -> None:
    """In production `embedded.invalid` is no allowed host: the facade answers bare paths."""
    settings.ALLOWED_HOSTS = ["testserver"]
    enroll(ff_tenant, "default", OBAMA, "Barack Obama")

    (face,) = findface_client_for(ff_tenant).face_list().faces
    page = ff_client_as("viewer").get("/t/faces/collections/galleries/default/")

    assert face.thumbnail and face.thumbnail.startswith("/findface/v1/thumbnails/")
    assert f'src="{face.thumbnail}"' in page.content.decode()


def test_the_home_page_offers_no_training_or_stored_image_charts(
    ff_tenant: Tenant, ff_client_as: Any
) -> None:
    text = ff_client_as("operator").get("/t/faces/").content.decode()

    assert 'data-testid="overview-charts"' in text  # the charts section is there
    assert "Training durations" not in text and 'data-testid="empty-trainings"' not in text
    assert 'data-testid="empty-sizes"' not in text  # sizes come from Azure-kind images
