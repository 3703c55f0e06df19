"""Export → import gives the same collection back; a copy to another tenant keeps images."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.engine.accounts import account_create
from faceadmin.faceapi import services
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.exporting import export_path
from faceadmin.faceapi.transfer.importing import ImportParams
from faceadmin.faceapi.transfer.services import (
    copy_create,
    export_create,
    import_check_create,
    import_create,
)
from faceadmin.jobs.models import JobStatus
from faceadmin.tenants.models import Provider, Tenant
from faceadmin.tenants.services import tenant_create
from tests.transfer.conftest import photo

pytestmark = pytest.mark.django_db(transaction=True)

LPG = CollectionKind.LARGE_PERSON_GROUP


def _fill(tenant: Tenant, user: Any) -> None:
    """Three persons with userData (one without any face) enrolled by hand."""
    services.collection_create(
        tenant=tenant,
        user=user,
        kind=LPG,
        collection_id="staff",
        name="Staff",
        user_data='{"site": "north"}',
        recognition_model="recognition_04",
    )
    for name, data, photos in (
        ("Barack Obama", '{"id": 1}', ["enroll/barack_obama/1.jpg", "enroll/barack_obama/2.jpg"]),
        ("Joe Biden", "", ["enroll/joe_biden/1.jpg"]),
        ("Nobody", '{"id": 3}', []),
    ):
        person_id = services.person_create(
            tenant=tenant, user=user, kind=LPG, group_id="staff", name=name, user_data=data
        )
        for path in photos:
            services.person_add_face(
                tenant=tenant,
                user=user,
                kind=LPG,
                group_id="staff",
                person_id=person_id,
                image=photo(path),
                filename=path.rsplit("/", 1)[-1],
            )


def _snapshot(tenant: Tenant, group: str) -> dict[str, tuple[str | None, int]]:
    page = services.person_page(tenant=tenant, kind=LPG, group_id=group, top=100)
    return {p.name: (p.user_data, len(p.persisted_face_ids)) for p in page.items}


def test_export_then_import_gives_the_same_persons_user_data_and_face_counts(
    local_tenant: Tenant, operator: Any, tmp_path: Path, run_jobs: Any
) -> None:
    _fill(local_tenant, operator)
    export = export_create(
        tenant=local_tenant, user=operator, kind="largepersongroups", collection_id="staff"
    )
    run_jobs()
    export.refresh_from_db()
    assert export.status == JobStatus.SUCCEEDED, export.error
    assert export.result["exported"] == 3 and export.result["missing_count"] == 0
    with zipfile.ZipFile(export_path(export)) as archive:
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
        assert len(archive.namelist()) == 5  # 3 photos, manifest, collection.json
    assert len(manifest) == 4  # 3 faces + the person without one

    services.collection_create(
        tenant=local_tenant,
        user=operator,
        kind=LPG,
        collection_id="restored",
        name="Restored",
        recognition_model="recognition_04",
    )
    check = import_check_create(
        tenant=local_tenant,
        user=operator,
        options=ImportParams(kind="largepersongroups", collection_id="restored"),
        path=export_path(export),
    )
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    job = import_create(check=check, user=operator)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (
        _snapshot(local_tenant, "restored")
        == _snapshot(local_tenant, "staff")
        == {
            "Barack Obama": ('{"id": 1}', 2),
            "Joe Biden": (None, 1),
            "Nobody": ('{"id": 3}', 0),
        }
    )


def test_a_copy_to_another_tenant_keeps_thumbnails_and_provenance(
    local_tenant: Tenant, operator: Any, run_jobs: Any
) -> None:
    _fill(local_tenant, operator)
    _, key = account_create(name="second")
    second = tenant_create(
        name="Second engine",
        slug="second",
        provider=Provider.EMBEDDED,
        endpoint_url="",
        primary_key=key,
    )
    # One face whose original is gone cannot move; the dry run says so.
    lost = FaceImage.objects.filter(tenant=local_tenant, source_filename="2.jpg").get()
    lost.original.delete(save=True)
    check = copy_create(
        tenant=local_tenant,
        user=operator,
        source_kind="largepersongroups",
        source_id="staff",
        target_tenant=second,
        target_kind="persongroups",
        target_id="copied",
        recognition_model="recognition_03",
        dry_run=True,
    )
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    assert (check.result["movable"], check.result["faces"]) == (2, 3)
    assert check.result["missing"][0]["persistedFaceId"] == lost.persisted_face_id

    copy = copy_create(
        tenant=local_tenant,
        user=operator,
        source_kind="largepersongroups",
        source_id="staff",
        target_tenant=second,
        target_kind="persongroups",
        target_id="copied",
        recognition_model="recognition_03",
    )
    run_jobs()
    copy.refresh_from_db()
    assert copy.status == JobStatus.SUCCEEDED, copy.error
    collection = services.collection_get(
        tenant=second, kind=CollectionKind.PERSON_GROUP, collection_id="copied"
    )
    assert collection.recognition_model == "recognition_03" and collection.name == "Staff"
    face_map = copy.result["face_map"]
    assert len(face_map) == 2
    for old_id, new_id in face_map.items():
        old = FaceImage.objects.get(tenant=local_tenant, persisted_face_id=old_id)
        new = FaceImage.objects.get(tenant=second, persisted_face_id=new_id)
        assert new.thumbnail and new.thumbnail.size > 0
        assert new.sha256 == old.sha256
        assert (new.source_filename, new.uploaded_by_username) == (
            old.source_filename,
            old.uploaded_by_username,
        )
    page = services.person_page(tenant=second, kind=CollectionKind.PERSON_GROUP, group_id="copied")
    assert sorted((p.name, len(p.persisted_face_ids)) for p in page.items) == [
        ("Barack Obama", 1),
        ("Joe Biden", 1),
        ("Nobody", 0),
    ]


def test_a_large_face_list_round_trips_with_each_face_user_data(
    local_tenant: Tenant, operator: Any, tmp_path: Path, run_jobs: Any
) -> None:
    from tests.transfer.conftest import make_zip

    for list_id in ("visitors", "restored"):
        services.collection_create(
            tenant=local_tenant,
            user=operator,
            kind=CollectionKind.LARGE_FACE_LIST,
            collection_id=list_id,
            name=list_id,
            recognition_model="recognition_04",
        )
    source = make_zip(
        tmp_path / "faces.zip",
        {
            "manifest.csv": "person_id_or_name,name,user_data,file\n"
            ',,"{""badge"": 7}",a.jpg\n'
            ",,,b.jpg\n",
            "a.jpg": photo("enroll/joe_biden/1.jpg"),
            "b.jpg": photo("enroll/rose_leslie/1.jpg"),
        },
    )

    def import_into(list_id: str, path: Path) -> None:
        check = import_check_create(
            tenant=local_tenant,
            user=operator,
            options=ImportParams(kind="largefacelists", collection_id=list_id),
            path=path,
        )
        run_jobs()
        check.refresh_from_db()
        assert check.status == JobStatus.SUCCEEDED, check.error
        job = import_create(check=check, user=operator)
        run_jobs()
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result["counts"] == {"enrolled": 2}

    def user_data(list_id: str) -> list[str | None]:
        faces = services.face_list_faces(
            tenant=local_tenant, kind=CollectionKind.LARGE_FACE_LIST, list_id=list_id
        )
        return sorted((face.user_data or "") for face in faces)

    import_into("visitors", source)
    assert user_data("visitors") == ["", '{"badge": 7}']
    export = export_create(
        tenant=local_tenant, user=operator, kind="largefacelists", collection_id="visitors"
    )
    run_jobs()
    export.refresh_from_db()
    assert export.result["exported"] == 2
    import_into("restored", export_path(export))
    assert user_data("restored") == user_data("visitors")


def test_a_copy_to_a_findface_gallery_uses_the_person_names_as_meta(
    local_tenant: Tenant, operator: Any, ff_tenant: Tenant, run_jobs: Any
) -> None:
    from faceadmin.faceapi.galleries import gallery_faces_page

    _fill(local_tenant, operator)
    copy = copy_create(
        tenant=local_tenant,
        user=operator,
        source_kind="largepersongroups",
        source_id="staff",
        target_tenant=ff_tenant,
        target_kind="gallery",
        target_id="staff",
    )
    run_jobs()
    copy.refresh_from_db()
    assert copy.status == JobStatus.SUCCEEDED, copy.error
    page = gallery_faces_page(tenant=ff_tenant, gallery="staff")
    assert sorted(face.face.meta for face in page.faces) == [
        "Barack Obama",
        "Barack Obama",
        "Joe Biden",
    ]
