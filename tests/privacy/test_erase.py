"""Erase a person everywhere: the search across every collection, the erase job, the receipt,
and that the query photo is never stored. Real engine, real dlib, real worker."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi import imagestore, services
from faceadmin.faceapi.lookup import photo_from_bytes
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.faceapi.privacy import (
    ErasureRequestError,
    erase_search,
    erase_start,
    erasure_receipt,
)
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import AuditEvent
from tests.privacy.conftest import FL, PG, World, media_files, photo

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = "probe/barack_obama.jpg"


def upload(name: str = PROBE) -> dict[str, Any]:
    return {"photo": SimpleUploadedFile(name.rsplit("/", 1)[-1], photo(name), "image/jpeg")}


def obama_keys(world: World) -> set[str]:
    return {
        f"PersonGroup:staff:{world.staff['barack_obama']}",
        f"PersonGroup:visitors:{world.visitors['barack_obama']}",
        f"FaceList:watch:{world.watch['barack_obama']}",
        f"PersonGroup:archive:{world.archive['barack_obama']}",
    }


def test_it_finds_the_person_in_every_searchable_collection(world: World) -> None:
    search = erase_search(
        tenant=world.tenant, photo=photo_from_bytes(data=photo(PROBE), filename="probe.jpg")
    )
    keys = {m.key for m in search.matches}
    assert obama_keys(world) <= keys
    # Nobody else on the photo is the person searched for.
    others = {
        f"PersonGroup:staff:{world.staff['joe_biden']}",
        f"PersonGroup:visitors:{world.visitors['kit_harington']}",
        f"FaceList:watch:{world.watch['rose_leslie']}",
    }
    assert not keys & others
    assert "Person group Staff" in search.searched
    assert "Face list Watch" in search.searched
    # The untrained group cannot identify: its few persons were verified one by one.
    assert "Person group Archive (untrained: checked person by person)" in search.searched
    assert search.skipped == ()
    person_match = next(m for m in search.matches if m.collection_id == "staff")
    assert person_match.thumbnails and person_match.label == "barack_obama"
    assert 0.5 < person_match.confidence <= 1


def test_admin_erases_the_ticked_matches_and_gets_a_receipt(
    world: World, local_client_as: Any, run_jobs: Any
) -> None:
    tenant = world.tenant
    admin = local_client_as("admin")
    # A pending photo of the person (several faces, waiting for a pick) goes too.
    pending = imagestore.pending_photo_save(
        tenant=tenant,
        user=None,
        kind=PG,
        collection_id="staff",
        person_id=world.staff["barack_obama"],
        image=photo("multi/barack_obama_joe_biden.jpg"),
        filename="two.jpg",
        user_data=None,
        faces=[FaceRectangle(1, 1, 50, 50), FaceRectangle(60, 1, 50, 50)],
    )
    files_before = media_files()
    obama_rows = FaceImage.objects.filter(
        person_id__in=[
            world.staff["barack_obama"],
            world.visitors["barack_obama"],
            world.archive["barack_obama"],
        ]
    ) | FaceImage.objects.filter(persisted_face_id=world.watch["barack_obama"])
    obama_files = {f"faces/{pending.image.name}"} | {
        f"faces/{f.name}" for row in obama_rows for f in (row.thumbnail, row.original) if f
    }
    assert len(obama_files) == 9 and obama_files <= files_before
    rows_before = (FaceImage.objects.count(), PendingPhoto.objects.count(), Job.objects.count())

    response = admin.post("/t/local/privacy/erase/", upload())
    assert response.status_code == 200
    html = response.content.decode()
    # The query photo was searched in memory: no file, no row, no job came of it.
    assert media_files() == files_before
    assert (FaceImage.objects.count(), PendingPhoto.objects.count(), Job.objects.count()) == (
        rows_before
    )
    assert "Person group Archive (untrained: checked person by person)" in html
    offered = set(re.findall(r'name="match" value="([^"]+)"', html))
    assert obama_keys(world) <= offered
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token is not None

    response = admin.post(
        "/t/local/privacy/erase/start/",
        {"token": token.group(1), "match": sorted(obama_keys(world))},
    )
    assert response.status_code == 302
    job = Job.objects.get(kind="privacy_erase")
    assert "photo" not in json.dumps(job.params)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error

    # The provider no longer holds them; the others are untouched.
    staff = services.person_page(tenant=tenant, kind=PG, group_id="staff").items
    visitors = services.person_page(tenant=tenant, kind=PG, group_id="visitors").items
    assert [p.name for p in staff] == ["joe_biden"]
    assert [p.name for p in visitors] == ["kit_harington"]
    watch = list(services.face_list_faces(tenant=tenant, kind=FL, list_id="watch"))
    assert [f.persisted_face_id for f in watch] == [world.watch["rose_leslie"]]
    # Nor does faceadmin's image store: rows and files alike.
    for collection, person in (("staff", world.staff), ("visitors", world.visitors)):
        assert not FaceImage.objects.filter(
            collection_id=collection, person_id=person["barack_obama"]
        ).exists()
    assert not FaceImage.objects.filter(persisted_face_id=world.watch["barack_obama"]).exists()
    assert not PendingPhoto.objects.filter(pk=pending.pk).exists()
    assert not obama_files & media_files()
    assert media_files() == files_before - obama_files
    assert not services.person_page(tenant=tenant, kind=PG, group_id="archive").items

    receipt = job.result
    assert receipt["totals"]["erased"] == 4
    assert receipt["totals"]["stored_images"] == 4
    assert receipt["totals"]["pending_photos"] == 1
    assert {d["outcome"] for d in receipt["deleted"]} == {"deleted"}
    assert all(d["request_ids"] for d in receipt["deleted"])
    assert {(r["collection"], r["outcome"]) for r in receipt["retrained"]} == {
        ("staff", "training started"),
        ("visitors", "training started"),
        ("archive", "not trained before; left untrained"),
    }
    # The receipt lives in the audit trail, with no name, userData or image of the person.
    events = AuditEvent.objects.filter(action="privacy.erase", target_id=str(job.pk))
    assert events.exists()
    text = " ".join(e.reason for e in events)
    assert "barack" not in text.lower() and "base64" not in text
    assert erasure_receipt(tenant=tenant, receipt_id=str(job.pk)) is not None
    page = admin.get(f"/t/local/privacy/receipts/{job.pk}/")
    assert page.status_code == 200
    assert world.staff["barack_obama"] in page.content.decode()
    # Each deletion is an audit event of its own, naming the receipt and the request id.
    deletion = AuditEvent.objects.get(action="person.delete", target_id=world.staff["barack_obama"])
    assert str(job.pk) in deletion.reason and "provider request" in deletion.reason


def test_collections_that_cannot_be_searched_are_named_with_the_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faceadmin.clients.types import CollectionKind
    from faceadmin.faceapi.privacy import search as privacy_search

    monkeypatch.setattr(privacy_search, "VERIFY_UNTRAINED_LIMIT", 0)
    services.collection_create(
        tenant=world.tenant,
        user=None,
        kind=CollectionKind.LARGE_FACE_LIST,
        collection_id="bigwatch",
        name="Big watch",
        recognition_model="recognition_04",
    )
    search = erase_search(
        tenant=world.tenant, photo=photo_from_bytes(data=photo(PROBE), filename="probe.jpg")
    )
    skipped = dict(search.skipped)
    assert skipped["Person group Archive"].startswith("it has never been trained, and it has 1")
    assert "never been trained" in skipped["Large face list Big watch"]
    assert not any(m.collection_id == "archive" for m in search.matches)


def test_erasing_and_its_pages_need_the_admin_role(world: World, local_client_as: Any) -> None:
    for role in ("operator", "viewer"):
        client = local_client_as(role)
        assert client.get("/t/local/privacy/").status_code == 403
        assert client.post("/t/local/privacy/erase/", upload()).status_code == 403
        assert client.post("/t/local/privacy/erase/start/", {}).status_code == 403
    assert Job.objects.count() == 0


def test_search_results_of_one_tenant_cannot_erase_in_another(
    world: World, local_members: dict[str, Any], other_tenant: Any
) -> None:
    search = erase_search(
        tenant=world.tenant, photo=photo_from_bytes(data=photo(PROBE), filename="probe.jpg")
    )
    keys = [m.key for m in search.matches]
    with pytest.raises(ErasureRequestError):
        erase_start(tenant=other_tenant, user=None, token=search.token, chosen=keys)
    with pytest.raises(ErasureRequestError):
        erase_start(tenant=world.tenant, user=None, token=search.token + "x", chosen=keys)
    # A key that the search did not find is ignored; none left means nothing starts.
    with pytest.raises(ErasureRequestError):
        erase_start(tenant=world.tenant, user=None, token=search.token, chosen=["PersonGroup:x:y"])
    assert Job.objects.count() == 0


def test_large_kinds_are_searched_and_erased_too(
    local_tenant: Any, local_members: dict[str, Any], run_jobs: Any
) -> None:
    from faceadmin.clients.types import CollectionKind
    from tests.lookup.conftest import wait_trained

    lpg, lfl = CollectionKind.LARGE_PERSON_GROUP, CollectionKind.LARGE_FACE_LIST
    user = local_members["operator"]
    for kind, ident in ((lpg, "crowd"), (lfl, "bigwatch")):
        services.collection_create(
            tenant=local_tenant,
            user=user,
            kind=kind,
            collection_id=ident,
            name=ident.title(),
            recognition_model="recognition_04",
        )
    people = {}
    for name, path in (
        ("barack_obama", "enroll/barack_obama/1.jpg"),
        ("joe_biden", "enroll/joe_biden/1.jpg"),
    ):
        people[name] = services.person_create(
            tenant=local_tenant, user=user, kind=lpg, group_id="crowd", name=name
        )
        services.person_add_face(
            tenant=local_tenant,
            user=user,
            kind=lpg,
            group_id="crowd",
            person_id=people[name],
            image=photo(path),
            filename="face.jpg",
        )
    face = services.face_list_add_face(
        tenant=local_tenant,
        user=user,
        kind=lfl,
        list_id="bigwatch",
        image=photo("enroll/barack_obama/2.jpg"),
        filename="face.jpg",
    )
    for kind, ident in ((lpg, "crowd"), (lfl, "bigwatch")):
        services.collection_train(tenant=local_tenant, user=user, kind=kind, collection_id=ident)
        wait_trained(local_tenant, kind, ident)

    search = erase_search(
        tenant=local_tenant, photo=photo_from_bytes(data=photo(PROBE), filename="probe.jpg")
    )
    keys = {m.key for m in search.matches}
    wanted = {
        f"LargePersonGroup:crowd:{people['barack_obama']}",
        f"LargeFaceList:bigwatch:{face.persisted_face_id}",
    }
    assert keys == wanted
    job = erase_start(
        tenant=local_tenant, user=local_members["admin"], token=search.token, chosen=sorted(keys)
    )
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    crowd = services.person_page(tenant=local_tenant, kind=lpg, group_id="crowd").items
    assert [p.name for p in crowd] == ["joe_biden"]
    assert not list(services.face_list_faces(tenant=local_tenant, kind=lfl, list_id="bigwatch"))
    assert {(r["collection"], r["outcome"]) for r in job.result["retrained"]} == {
        ("crowd", "training started"),
        ("bigwatch", "training started"),
    }
    assert not FaceImage.objects.exclude(person_id=people["joe_biden"]).exists()
