"""Search that finds (issue 17) in Chromium: a group's persons searched as a whole from the
catalog, with its last-synced time, at 1280 and 390 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PG = CollectionKind.PERSON_GROUP


@pytest.mark.parametrize("width", [1280, 390])
def test_an_operator_syncs_and_searches_the_whole_group(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant,
) -> None:  # fmt: skip
    user = local_members["operator"]
    services.collection_create(tenant=local_tenant, user=user, kind=PG, collection_id="staff",
                               name="Staff")  # fmt: skip
    for i in range(60):
        room = f'{{"room": {100 + i}}}'
        services.person_create(tenant=local_tenant, user=user, kind=PG, group_id="staff",
                               name=f"Guest {i:02d}", user_data=room)  # fmt: skip
    services.person_create(tenant=local_tenant, user=user, kind=PG, group_id="staff",
                           name="Zoë Ångström")  # fmt: skip
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/")
    page.get_by_role("link", name="Search all persons").click()
    expect(page.get_by_test_id("last-synced")).to_contain_text("Never synced")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("last-synced")).to_contain_text("Last synced")
    expect(page.get_by_test_id("search-total")).to_have_text("61 persons; page 1.")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Name, userData or person ID").fill("ångs")
    expect(page.get_by_test_id("search-total")).to_contain_text("1 person match")
    expect(page.locator("table.search-results tbody tr")).to_have_count(1)
    page.get_by_label("Name, userData or person ID").fill('"room": 15')
    expect(page.locator("table.search-results tbody tr")).to_have_count(10)
    assert page.evaluate("window.notReloaded") is True
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    screenshot(page, f"search-{width}")
    page.locator("table.search-results a").first.click()
    expect(page.get_by_role("heading", name="Guest 50")).to_be_visible()
