"""The Content-Security-Policy allows no inline script or style: every main page, and the
htmx interactions on them, run in Chromium without one policy violation."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Membership, Role, Tenant
from tests.conftest import DATA, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

PAGES = [
    "/t/local/",
    "/t/local/collections/",
    "/t/local/collections/new/",
    "/t/local/collections/PersonGroup/staff/",
    "/t/local/lookup/",
    "/t/local/lookup/verify/",
    "/t/local/lookup/similar/",
    "/t/local/lookup/group/",
    "/t/local/snapshots/",
    "/t/local/jobs/",
    "/t/local/audit/",
    "/t/local/keys/",
    "/t/local/members/",
    "/t/local/settings/",
    "/audit/",
    "/tenants/new/",
]


@pytest.fixture
def watched_page(page: Any) -> Any:
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    page.csp_console = console
    return page


def violations(page: Any) -> list[str]:
    return [*page.evaluate("window.__csp || []"), *page.csp_console]


def test_no_page_violates_the_content_security_policy(
    live_server: Any, watched_page: Any, local_tenant: Tenant
) -> None:
    root = make_user("root", is_staff=True, is_superuser=True)
    Membership.objects.create(user=root, tenant=local_tenant, role=Role.ADMIN)
    services.collection_create(
        tenant=local_tenant,
        user=root,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    page = watched_page
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("document.readyState") == "complete"
    header = page.request.get(f"{live_server.url}/login/").headers["content-security-policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/t/local/")
    # The overview loads the provider status through htmx.
    page.locator("#provider-status").get_by_text("answers").wait_for(timeout=15000)
    assert violations(page) == []

    seen = {}
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        seen[path] = violations(page)
    assert {path: found for path, found in seen.items() if found} == {}

    # htmx and the lookup script at work: detect faces on a photo, drawn over it.
    page.goto(f"{live_server.url}/t/local/lookup/")
    page.set_input_files("#id_photo", str(DATA / "multi/barack_obama_joe_biden.jpg"))
    page.get_by_role("button", name="Detect faces").click()
    page.locator('[data-testid="lookup-detection"]').wait_for(timeout=30000)
    assert page.locator("svg.lk-overlay g.lk-face").count() == 3
    # The audit filter swaps its results through htmx.
    page.goto(f"{live_server.url}/t/local/audit/")
    page.get_by_label("Action").fill("lookup.")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#audit-results").get_by_text("lookup.detect").count() >= 1
    screenshot(page, "security-audit-lookups")
    assert violations(page) == []
