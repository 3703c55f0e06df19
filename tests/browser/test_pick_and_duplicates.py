"""Issue 17, defect 10: a photo waiting for a pick can be discarded, and each duplicate pair
names its files and offers "delete this face" (with the usual confirm)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.enroll import photo_enroll
from faceadmin.faceapi.models import PendingPhoto
from faceadmin.tenants.models import Tenant
from tests.conftest import screenshot
from tests.dashboard.conftest import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000
PG, FL = CollectionKind.PERSON_GROUP, CollectionKind.FACE_LIST


@pytest.mark.parametrize("width", [1280, 390])
def test_a_pending_pick_is_discarded_and_a_duplicate_face_deleted(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant, job_worker: None,  # the duplicate scan runs as a job
) -> None:  # fmt: skip
    admin = local_members["admin"]
    services.collection_create(
        tenant=local_tenant, user=admin, kind=PG, collection_id="staff", name="Staff"
    )
    person = services.person_create(
        tenant=local_tenant, user=admin, kind=PG, group_id="staff", name="Kit Harington"
    )
    outcome = photo_enroll(
        tenant=local_tenant, user=admin, kind=PG, collection_id="staff", person_id=person,
        image=photo("multi/kit_harington_rose_leslie.jpg"),
        filename="kit_harington_rose_leslie.jpg", user_data="",
    )  # fmt: skip
    assert outcome.status == "pick"
    logged_in_page("local-admin")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/persons/{person}/")
    pending = page.locator("section", has=page.get_by_role("heading", name="Photos waiting"))
    expect(pending.locator("form.pick")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    pending.get_by_role("button", name="Discard photo").click()
    expect(pending.locator('li[data-status="discarded"]')).to_contain_text(
        "kit_harington_rose_leslie.jpg"
    )
    assert not PendingPhoto.objects.exists()
    page.reload()
    expect(page.get_by_role("heading", name="Photos waiting")).to_have_count(0)

    # Duplicates: the same photo twice and another one.
    services.collection_create(
        tenant=local_tenant, user=admin, kind=FL, collection_id="visitors", name="Visitors"
    )
    for path, name in (("enroll/barack_obama/1.jpg", "obama-a.jpg"),
                       ("enroll/barack_obama/1.jpg", "obama-b.jpg"),
                       ("enroll/kit_harington/2.jpg", "kit.jpg")):  # fmt: skip
        photo_enroll(tenant=local_tenant, user=admin, kind=FL, collection_id="visitors",
                     person_id="", image=photo(path), filename=name, user_data="")  # fmt: skip
    page.goto(f"{live_server.url}/t/local/collections/facelists/visitors/")
    page.get_by_role("button", name="Find duplicates").click()
    expect(page.get_by_test_id("duplicates-summary")).to_contain_text("1 pair", timeout=SLOW)
    pair = page.locator("table.pairs tbody tr")
    expect(pair).to_have_count(1)
    files = pair.get_by_test_id("pair-file")
    expect(files).to_have_count(2)
    assert sorted(files.all_text_contents()) == ["obama-a.jpg", "obama-b.jpg"]  # either order
    screenshot(page, f"duplicates-pair-{width}")
    messages: list[str] = []

    def accept(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    pair.locator(".pair-face", has_text="obama-b.jpg").get_by_role(
        "button", name="Delete this face"
    ).click()
    expect(pair).to_have_count(0)
    assert "obama-b.jpg" in messages[0]
    expect(page.get_by_text("2 faces, 2 with a stored image")).to_be_visible(timeout=SLOW)
