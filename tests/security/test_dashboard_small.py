"""Small holes: CSV formula injection through tab/CR, oversized FindFace meta, and a
bootstrap that did not say what it created."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from faceadmin.clients.findface import META_MAX_BYTES
from faceadmin.dashboard.forms_galleries import GalleryEnrollForm, GalleryFaceForm
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lead", ["\t", "\r", "=", "+", "-", "@"])
def test_csv_export_defuses_formulas_behind_tab_and_cr(
    client_as: Any, tenant: Tenant, lead: str
) -> None:
    audit_record(
        action="member.add",
        tenant=tenant,
        user=None,
        target_id=f'{lead}=HYPERLINK("http://evil.example")',
    )
    response = client_as("admin").get(f"/t/{tenant.slug}/audit/export.csv?action=member.add")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and all(row["target_id"].startswith("'") for row in rows)


def test_findface_meta_limit_is_in_bytes() -> None:
    fits = "ж" * (META_MAX_BYTES // 2)  # 2 bytes each
    too_big = "ж" * (META_MAX_BYTES // 2 + 1)
    assert GalleryFaceForm({"meta": fits}).is_valid()
    form = GalleryFaceForm({"meta": too_big})
    assert not form.is_valid()
    assert f"at most {META_MAX_BYTES} bytes" in str(form.errors["meta"])
    enroll = GalleryEnrollForm(
        {"meta": too_big, "faces": "biggest", "url": "https://x.example/a.jpg"}
    )
    assert not enroll.is_valid() and "meta" in enroll.errors


def test_bootstrap_says_what_it_created(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    get_user_model().objects.create_superuser(username="root", email="", password="x" * 12)
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    output = out.getvalue()
    assert "Local engine" in output
    assert "embedded-engine account" in output
    assert "with root as its admin" in output
    assert "nothing created" not in output
    again = io.StringIO()
    call_command("bootstrap", stdout=again)
    assert "nothing created" in again.getvalue()
