"""Issue 17, defect 7: groups with the same name can be told apart in identify results, and a
matched candidate links to the person's page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA, screenshot
from tests.lookup.conftest import make_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000


@pytest.mark.parametrize("width", [1280, 390])
def test_same_named_groups_show_their_ids_and_a_candidate_opens_its_person(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant,
) -> None:  # fmt: skip
    operator = local_members["operator"]
    ids = make_group(local_tenant, operator, "staff", {"Barack Obama": "enroll/barack_obama/1.jpg"})
    make_group(local_tenant, operator, "staff-2", {"Kit Harington": "enroll/kit_harington/1.jpg"})
    services.collection_update(
        tenant=local_tenant, user=operator, kind=CollectionKind.PERSON_GROUP,
        collection_id="staff-2", name="Staff", user_data=None,
    )  # fmt: skip
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/lookup/")
    page.locator("input[type=file][name=photo]").set_input_files(
        str(DATA / "probe" / "barack_obama.jpg")
    )
    page.get_by_role("button", name="Identify").click()
    candidate = page.get_by_test_id("candidate").first
    candidate.wait_for(timeout=SLOW)
    searched = page.locator(".lk-result p.muted", has_text="Searched")
    expect(searched).to_have_text("Searched Staff (staff), Staff (staff-2).")
    expect(candidate).to_contain_text("Staff staff")
    expect(page.locator("#new-person-group option")).to_have_text(
        ["Staff (staff)", "Staff (staff-2)"]
    )
    screenshot(page, f"identify-same-names-{width}")
    candidate.get_by_role("link", name="Barack Obama").click()
    page.wait_for_url(f"**/persongroups/staff/persons/{ids['Barack Obama']}/")
    expect(page.get_by_role("heading", name="Barack Obama")).to_be_visible()
