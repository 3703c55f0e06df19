"""Import into a FindFace gallery (this server's facade): the name becomes the face's meta."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faceadmin.faceapi.galleries import gallery_create, gallery_faces_page
from faceadmin.faceapi.transfer.importing import ImportParams, import_csv_lines, import_rows
from faceadmin.faceapi.transfer.services import import_check_create, import_create
from faceadmin.jobs.models import JobStatus
from faceadmin.tenants.models import Tenant
from tests.transfer.conftest import make_zip, photo

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_gallery_import_stores_faces_with_the_name_as_meta_and_skips_them_the_second_time(
    ff_tenant: Tenant,
    tmp_path: Path,
    run_jobs: Any,
) -> None:
    gallery_create(tenant=ff_tenant, user=None, name="staff")
    source = make_zip(
        tmp_path / "g.zip",
        {
            "Barack Obama/1.jpg": photo("enroll/barack_obama/1.jpg"),
            "=cmd|calc/1.jpg": photo("enroll/joe_biden/1.jpg"),
        },
    )
    options = ImportParams(kind="gallery", collection_id="staff")
    for attempt in range(2):
        check = import_check_create(tenant=ff_tenant, user=None, options=options, path=source)
        run_jobs()
        check.refresh_from_db()
        assert check.status == JobStatus.SUCCEEDED, check.error
        job = import_create(check=check, user=None)
        run_jobs()
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        statuses = [row["status"] for row in import_rows(job)]
        assert statuses == (["enrolled", "enrolled"] if attempt == 0 else ["skipped", "skipped"])
    page = gallery_faces_page(tenant=ff_tenant, gallery="staff")
    assert sorted(face.face.meta for face in page.faces) == ["=cmd|calc", "Barack Obama"]
    # The per-file CSV does not let a spreadsheet run a file name as a formula.
    text = "".join(import_csv_lines(job))
    assert "'=cmd|calc/1.jpg" in text
