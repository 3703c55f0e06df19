"""Issue 17, defect 8: help texts and small labels say what is true."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import enroll

pytestmark = pytest.mark.django_db


def test_the_create_form_gives_the_real_size_of_a_large_person_group(
    local_client_as: Any,
) -> None:
    page = local_client_as("operator").get("/t/local/collections/new/").content.decode()
    assert "up to 1,000,000 in a large one" in page
    assert "10,000" not in page


def test_a_photo_with_no_face_shows_no_empty_attribute_table(local_client_as: Any) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(blank, "JPEG")
    response = local_client_as("operator").post(
        "/t/local/lookup/",
        {
            "photo": SimpleUploadedFile("wall.jpg", blank.getvalue(), "image/jpeg"),
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="lookup-detection"' in html
    assert 'data-testid="face-table"' not in html


def test_the_layout_links_a_favicon(client_as: Any) -> None:
    page = client_as("admin").get("/t/acme/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', page)


def test_the_operations_page_has_a_heading(local_client_as: Any) -> None:
    page = local_client_as("viewer").get("/t/local/operations/").content.decode()
    assert "<h1>Operations</h1>" in page


@pytest.mark.django_db(transaction=True)
def test_times_carry_their_zone_and_statuses_read_as_words(
    local_client_as: Any, local_tenant: Tenant, local_members: Any
) -> None:
    user = local_members["operator"]
    services.collection_create(
        tenant=local_tenant, user=user, kind=CollectionKind.PERSON_GROUP,
        collection_id="staff", name="Staff",
    )  # fmt: skip
    person = enroll(local_tenant, user, "staff", "Barack", "enroll/barack_obama/1.jpg")
    client = local_client_as("admin")
    for url in ("/t/local/", f"/t/local/collections/persongroups/staff/persons/{person}/"):
        html = client.get(url).content.decode()
        stamps = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?: [A-Z]{3,5})?", html)
        assert stamps, url
        assert all(stamp.endswith(" UTC") for stamp in stamps), (url, stamps)


def test_a_training_that_has_not_started_says_so_in_words() -> None:
    from django.template.loader import render_to_string

    class Status:
        status = "notstarted"

    html = render_to_string(
        "dashboard/training.html#badge",
        {
            "state": {"status": Status(), "running": True},
            "tenant": {"slug": "local"},
            "kind_slug": "persongroups",
            "collection_id": "staff",
        },
    )
    assert "not started" in html and "notstarted" not in html
