"""Issue 17, defects 3, 4 and 6 in Chromium: with 128-character names, 64-character ids and
UUIDs, no page is wider than the viewport at 1280 or 390 px (tables scroll inside their card,
long text wraps); error pages are styled within the layout. Screenshots go to artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.conftest import screenshot
from tests.dashboard.conftest import enroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_ID = "g" * 30 + "-" + "x" * 33  # 64 characters, no natural break
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff" * 3 + "-" + "n" * 22  # 128 characters
WIDTHS = [1280, 390]


@pytest.fixture
def long_texts(local_tenant: Tenant, local_members: Any) -> dict[str, str]:
    assert len(LONG_ID) == 64 and len(LONG_NAME) == 128
    user = local_members["admin"]
    services.collection_create(
        tenant=local_tenant, user=user, kind=CollectionKind.PERSON_GROUP,
        collection_id=LONG_ID, name=LONG_NAME, user_data="u" * 200,
    )  # fmt: skip
    services.collection_create(
        tenant=local_tenant, user=user, kind=CollectionKind.FACE_LIST,
        collection_id=LONG_ID, name=LONG_NAME,
    )  # fmt: skip
    person = enroll(local_tenant, user, LONG_ID, LONG_NAME, "enroll/barack_obama/1.jpg")
    services.person_create(
        tenant=local_tenant, user=user, kind=CollectionKind.PERSON_GROUP,
        group_id=LONG_ID, name="Short", user_data="d" * 300,
    )  # fmt: skip
    return {"person": person}


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the viewport (0 when it fits)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_viewport_with_long_names_and_ids(
    width: int, live_server: Any, page: Any, logged_in_page: Any, long_texts: dict[str, str]
) -> None:
    logged_in_page("local-admin")
    page.set_viewport_size({"width": width, "height": 900})
    base = f"{live_server.url}/t/local"
    group = f"{base}/collections/persongroups/{LONG_ID}"
    pages = {
        "home": f"{base}/",
        "collections": f"{base}/collections/",
        "facelists": f"{base}/collections/?kind=facelists",
        "group": f"{group}/",
        "person": f"{group}/persons/{long_texts['person']}/",
        "facelist": f"{base}/collections/facelists/{LONG_ID}/",
        "audit": f"{base}/audit/",
        "snapshots": f"{base}/snapshots/",
        "jobs": f"{base}/jobs/",
    }
    wide = {}
    for name, url in pages.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if overflow(page) > 0:
            wide[name] = overflow(page)
        screenshot(page, f"long-text-{name}-{width}")
    assert wide == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_error_pages_are_styled_within_the_layout(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any
) -> None:
    logged_in_page("local-viewer")
    page.set_viewport_size({"width": width, "height": 900})
    # A viewer is not offered Photo lookup; following its address anyway is a styled 403.
    page.goto(f"{live_server.url}/t/local/")
    expect(page.locator(".topbar .tabs")).not_to_contain_text("Photo lookup")
    response = page.goto(f"{live_server.url}/t/local/lookup/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("link", name="Back to Local engine")).to_be_visible()
    assert overflow(page) == 0
    screenshot(page, f"error-403-{width}")

    response = page.goto(f"{live_server.url}/t/nosuch/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    assert overflow(page) == 0
    screenshot(page, f"error-404-{width}")

    response = page.goto(f"{live_server.url}/t/local/collections/persongroups/BAD%20ID!/")
    assert response is not None and response.status == 400
    expect(page.locator(".api-error")).to_contain_text("lower-case letters")
    assert overflow(page) == 0
    screenshot(page, f"error-bad-id-{width}")

    response = page.goto(f"{live_server.url}/tenants/new/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_findface_lookup_shows_its_whole_threshold_and_its_own_words(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any
) -> None:
    from faceadmin.tenants.models import Membership, Role
    from tests.browser.test_tour import findface_tenant

    Membership.objects.create(user=local_members["operator"], tenant=findface_tenant(),
                              role=Role.OPERATOR)  # fmt: skip
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/ff/lookup/")
    threshold = page.get_by_label("Threshold")
    expect(threshold).to_be_visible()
    # The longest preset fits: the select is at least as wide as what it shows needs.
    cut = threshold.evaluate(
        """(select) => {
          const probe = document.createElement("span");
          probe.style.font = getComputedStyle(select).font;
          probe.style.whiteSpace = "pre";
          document.body.append(probe);
          const widest = Math.max(...[...select.options].map((o) => {
            probe.textContent = o.text; return probe.getBoundingClientRect().width; }));
          probe.remove();
          return widest + 40 - select.clientWidth;
        }"""
    )
    assert cut <= 0, f"the threshold select is {cut:.0f} px too narrow"
    expect(page.locator("main")).not_to_contain_text("embedded engine")
    assert overflow(page) == 0
    screenshot(page, f"findface-lookup-{width}")
