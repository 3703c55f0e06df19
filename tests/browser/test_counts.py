"""Issue 17, defect 5: every fragment that changes a count updates it, without a reload.
Enrolling a picked face fills the Faces panel; deleting a face lowers the counts of the person
page and of the face-list audit page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.enroll import photo_enroll
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA, screenshot
from tests.dashboard.conftest import photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000


@pytest.mark.parametrize("width", [1280, 390])
def test_counts_follow_a_picked_enrollment_and_a_deletion(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant,
) -> None:  # fmt: skip
    admin = local_members["admin"]
    pg, fl = CollectionKind.PERSON_GROUP, CollectionKind.FACE_LIST
    services.collection_create(
        tenant=local_tenant, user=admin, kind=pg, collection_id="staff", name="Staff"
    )
    person_id = services.person_create(
        tenant=local_tenant, user=admin, kind=pg, group_id="staff", name="Kit Harington"
    )
    logged_in_page("local-admin")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/persons/{person_id}/")
    page.evaluate("window.notReloaded = true")
    page.locator("#id_photos").set_input_files(
        [str(DATA / "multi" / "kit_harington_rose_leslie.jpg")]
    )
    page.get_by_role("button", name="Upload and enroll").click()
    pick = page.locator("form.pick")
    pick.wait_for(timeout=SLOW)
    expect(page.locator("#faces")).to_contain_text("No faces yet")
    pick.locator("input[name=faces]").first.check()
    pick.get_by_role("button", name="Enroll selected faces").click()
    page.locator('li[data-status="enrolled"]').wait_for(timeout=SLOW)
    expect(page.locator("#faces")).to_contain_text("1 enrolled face", timeout=SLOW)
    expect(page.locator("#faces")).not_to_contain_text("No faces yet")
    expect(page.locator("#faces figure.face")).to_have_count(1)

    # A second face, then delete one: the count goes back to 1.
    page.locator("#id_photos").set_input_files([str(DATA / "enroll/kit_harington/1.jpg")])
    page.get_by_role("button", name="Upload and enroll").click()
    expect(page.locator("#faces")).to_contain_text("2 enrolled faces", timeout=SLOW)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#faces figure.face").first.get_by_role("button", name="Delete face").click()
    expect(page.locator("#faces")).to_contain_text("1 enrolled face", timeout=SLOW)
    expect(page.locator("#faces figure.face")).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, f"counts-person-{width}")

    # The face-list audit page: its "N faces, M with a stored image" line follows a delete.
    services.collection_create(
        tenant=local_tenant, user=admin, kind=fl, collection_id="visitors", name="Visitors"
    )
    for name in ("enroll/barack_obama/1.jpg", "enroll/kit_harington/2.jpg"):
        photo_enroll(
            tenant=local_tenant, user=admin, kind=fl, collection_id="visitors", person_id="",
            image=photo(name), filename=name.rsplit("/", 1)[-1], user_data="",
        )  # fmt: skip
    page.goto(f"{live_server.url}/t/local/collections/facelists/visitors/")
    expect(page.get_by_text("2 faces, 2 with a stored image")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#faces tbody tr").first.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("1 face, 1 with a stored image")).to_be_visible(timeout=SLOW)
    screenshot(page, f"counts-facelist-{width}")
