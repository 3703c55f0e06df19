"""Issue 17, defect 9 in Chromium: a photo over 6 MB is refused in the page, named, with its
size in MB, and never sent; the other photos of the upload go on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000


@pytest.mark.parametrize("width", [1280, 390])
def test_an_oversize_photo_is_refused_before_it_is_sent(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant, tmp_path: Path,
) -> None:  # fmt: skip
    services.collection_create(
        tenant=local_tenant, user=local_members["operator"], kind=CollectionKind.FACE_LIST,
        collection_id="visitors", name="Visitors",
    )  # fmt: skip
    big = tmp_path / "huge scan.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * (7 * 1024 * 1024))
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/facelists/visitors/")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.locator("#id_photos").set_input_files([str(big), str(DATA / "enroll/kit_harington/2.jpg")])
    page.get_by_role("button", name="Upload and enroll").click()
    rows = page.locator("[data-upload-list] > li")
    expect(rows.nth(0)).to_contain_text("huge scan.jpg is 7.0 MB; photos must be 1 KB to 6 MB.")
    expect(rows.nth(0)).to_have_attribute("data-status", "failed")
    expect(rows.nth(1)).to_have_attribute("data-status", "enrolled", timeout=SLOW)
    expect(rows.nth(1)).to_contain_text("2.jpg")
    assert len(sent) == 1  # only the photo that fits went to the server
    screenshot(page, f"upload-refused-{width}")
