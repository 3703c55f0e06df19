"""`manage.py import` runs the same check and import on a folder of the server's disk."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.jobs.models import Job
from faceadmin.tenants.models import Tenant
from tests.transfer.conftest import PEOPLE, photo

pytestmark = pytest.mark.django_db(transaction=True)


def test_manage_py_import_enrolls_a_folder_and_writes_the_csv(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path
) -> None:
    root = tmp_path / "photos"
    for person in PEOPLE:
        folder = root / person.replace("_", " ").title()
        folder.mkdir(parents=True)
        (folder / "1.jpg").write_bytes(photo(f"enroll/{person}/1.jpg"))
    (root / ".DS_Store").write_bytes(b"junk")
    out = StringIO()
    call_command(
        "import",
        str(root),
        tenant="local",
        kind="largepersongroups",
        collection="staff",
        user="local-operator",
        csv=str(tmp_path / "result.csv"),
        stdout=out,
    )
    assert "5 to enroll, 5 persons to create" in out.getvalue()
    rows = list(csv.DictReader((tmp_path / "result.csv").open()))
    assert [r["status"] for r in rows] == ["enrolled"] * 5
    page = services.person_page(
        tenant=local_tenant, kind=CollectionKind.LARGE_PERSON_GROUP, group_id="staff"
    )
    assert len(page.items) == 5
    assert Job.objects.filter(kind="import", created_by=operator).count() == 1


def test_manage_py_import_says_what_is_wrong(local_tenant: Tenant, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No tenant"):
        call_command(
            "import", str(tmp_path), tenant="nope", kind="largepersongroups", collection="x"
        )
