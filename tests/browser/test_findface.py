"""A FindFace tenant in Chromium: a superuser creates it on this server's facade, an operator
enrolls two faces into a gallery and identifies a probe. Screenshots go to artifacts/."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import DATA, make_user, screenshot
from tests.findface.conftest import people_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENROLL = ["enroll/barack_obama/1.jpg", "enroll/joe_biden/2.jpg"]
PROBE = "probe/barack_obama.jpg"


def findface_token() -> str:
    out = io.StringIO()
    call_command("engine", "createkey", "--name", "browser", "--api", "findface", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_a_findface_tenant_enrolls_two_faces_and_identifies_a_probe(
    live_server: Any, page: Any, logged_in_page: Any
) -> None:
    make_user("root", is_superuser=True, is_staff=True)
    token = findface_token()
    page = logged_in_page("root")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The tenant: provider FindFace, no endpoint (this server's facade), the new token.
    page.goto(f"{live_server.url}/tenants/new/")
    page.get_by_label("Name").fill("FindFace here")
    page.get_by_label("Slug").fill("ff")
    page.get_by_label("Provider").select_option("findface")
    page.get_by_label("Primary key").fill(token)
    page.get_by_role("button", name="Create tenant").click()
    page.wait_for_url(f"{live_server.url}/t/ff/")
    page.locator("#provider-status").get_by_text("answers").wait_for(timeout=15000)
    screenshot(page, "findface-tenant-home")

    # A gallery, from the same Collections page Azure tenants use.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Collections").click()
    assert page.locator('[data-testid="galleries"]').get_by_text("default").is_visible()
    page.get_by_role("link", name="New gallery").click()
    page.get_by_label("Name").fill("people")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(f"{live_server.url}/t/ff/collections/galleries/people/")

    # Two faces, each with the person's name (from the manifest) as its meta.
    for name in ENROLL:
        (person,) = people_in(name)
        form = page.locator('[data-testid="gallery-enroll"]')
        form.get_by_label("Photo", exact=True).set_input_files(str(DATA / name))
        form.get_by_label("Meta").fill(person)
        form.get_by_role("button", name="Enroll").click()
        page.get_by_text(f"Enrolled 1 face as {person}.").wait_for(timeout=30000)
    faces = page.locator('[data-testid="gallery-face"]')
    assert faces.count() == 2
    metas = page.locator('[data-testid="face-meta"]').all_text_contents()
    assert sorted(metas) == sorted(people_in(name)[0] for name in ENROLL)
    for image in page.locator('[data-testid="gallery-face"] img').all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "findface-gallery")

    # Identify the probe in that gallery, with a threshold preset.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Photo lookup").click()
    page.set_input_files("#id_photo", str(DATA / PROBE))
    page.get_by_label("Identify in").select_option("people")
    page.get_by_label("Threshold").select_option("medium")
    page.get_by_role("button", name="Identify").click()
    first = page.locator('[data-testid="candidate-name"]').first
    first.wait_for(timeout=30000)
    assert page.locator('[data-testid="candidate-name"]').all_text_contents() == people_in(PROBE)
    assert page.locator(".lk-candidate img.thumb").first.evaluate("img => img.naturalWidth > 0")
    assert page.locator("svg.lk-overlay g.lk-face").count() == 1
    screenshot(page, "findface-identify")
