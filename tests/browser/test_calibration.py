"""Calibration and the tenant overview in Chromium: charts drawn from json_script data by
the vendored uPlot (no inline script), readable at desktop and phone widths."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import calibration, services
from faceadmin.faceapi.connection import findface_client_for
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant
from tests.conftest import drain_job_queue, screenshot
from tests.dashboard.conftest import photo
from tests.findface.conftest import ff_key, ff_members, ff_tenant  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000
# Every photo of tests/data of the five people (enrolled and probe photos alike).
PEOPLE = {
    "Barack Obama": (
        "enroll/barack_obama/1.jpg",
        "enroll/barack_obama/2.jpg",
        "probe/barack_obama.jpg",
        "probe/barack_obama_2.jpg",
    ),
    "Joe Biden": ("enroll/joe_biden/1.jpg", "enroll/joe_biden/2.jpg"),
    "Kit Harington": (
        "enroll/kit_harington/1.jpg",
        "enroll/kit_harington/2.jpg",
        "probe/kit_harington.jpg",
    ),
    "Rose Leslie": ("enroll/rose_leslie/1.jpg", "enroll/rose_leslie/2.jpg"),
    "Alex Lacamoire": ("enroll/alex_lacamoire/1.jpg", "probe/alex_lacamoire.jpg"),
}


def _group(tenant: Tenant, user: Any) -> None:
    services.collection_create(
        tenant=tenant,
        user=user,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    for name, paths in PEOPLE.items():
        person_id = services.person_create(
            tenant=tenant, user=user, kind=CollectionKind.PERSON_GROUP, group_id="staff", name=name
        )
        for path in paths:
            services.person_add_face(
                tenant=tenant,
                user=user,
                kind=CollectionKind.PERSON_GROUP,
                group_id="staff",
                person_id=person_id,
                image=photo(path),
                filename=path.rsplit("/", 1)[-1],
            )
    services.collection_train(
        tenant=tenant, user=user, kind=CollectionKind.PERSON_GROUP, collection_id="staff"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = services.training_status(
            tenant=tenant, kind=CollectionKind.PERSON_GROUP, collection_id="staff"
        )
        if status is not None and status.is_finished:
            break
        time.sleep(0.3)


def _charts_drawn(page: Any, count: int) -> None:
    expect(page.locator(".chart.drawn canvas").first).to_be_visible(timeout=SLOW)
    assert page.locator(".chart.drawn").count() == count


def test_calibration_and_overview_pages(
    live_server: Any,
    page: Any,
    logged_in_page: Any,
    local_tenant: Tenant,
    local_members: dict[str, Any],
) -> None:
    operator = local_members["operator"]
    _group(local_tenant, operator)
    for _ in range(3):
        audit_record(action="lookup.identify", tenant=local_tenant, user=operator)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Failed requests are caught by URL below (the browser's own favicon probe is not ours).
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )

    logged_in_page("local-admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/calibration/")
    expect(page.get_by_test_id("plan-calls")).to_contain_text("13 detect, 78 verify")
    screenshot(page, "calibration-plan-1280")
    page.get_by_role("button", name="Start calibration").click()
    page.wait_for_url("**/jobs/**")
    drain_job_queue()
    expect(page.get_by_test_id("calibration-result")).to_be_visible(timeout=SLOW)
    _charts_drawn(page, 2)
    expect(page.get_by_test_id("recommendations")).to_contain_text("needs 300 impostor pairs")
    screenshot(page, "calibration-result-1280")

    # The admin saves a threshold; the lookup page then says so.
    page.get_by_label("Default identify threshold").fill("0.62")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages, [role=status], .msg").first).to_contain_text("0.620")
    page.goto(f"{live_server.url}/t/local/lookup/")
    expect(page.get_by_text("blank uses this tenant's default 0.620").first).to_be_visible()

    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/calibration/")
    _charts_drawn(page, 2)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # charts redraw at the new width
    screenshot(page, "calibration-result-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at 390 px ({width} px wide)"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/t/local/")
    _charts_drawn(page, 5)
    screenshot(page, "overview-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/t/local/")
    _charts_drawn(page, 5)
    screenshot(page, "overview-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the overview scrolls sideways at 390 px ({width} px wide)"
    assert errors == [], errors
    _ = calibration  # the job kind is registered by importing the app


def test_gallery_calibration_page(
    live_server: Any,
    page: Any,
    logged_in_page: Any,
    ff_tenant: Tenant,  # noqa: F811
    ff_members: dict[str, Any],  # noqa: F811
) -> None:
    """A FindFace gallery: faces grouped by meta, scored by the facade's verify, shown with
    FindFace's own crops at 1280 and 390 px."""
    client = findface_client_for(ff_tenant)
    client.gallery_create(name="staff")
    for name, paths in PEOPLE.items():
        for path in paths:
            client.face_create(photo=photo(path), meta=name, galleries=["staff"])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    logged_in_page("ff-admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/t/faces/collections/galleries/staff/")
    page.get_by_role("link", name="Calibrate thresholds").click()
    expect(page.get_by_test_id("same-person-rule")).to_contain_text("same meta")
    expect(page.get_by_test_id("plan-calls")).to_contain_text("78 verify")
    page.get_by_role("button", name="Start calibration").click()
    page.wait_for_url("**/jobs/**")
    drain_job_queue()
    page.goto(f"{live_server.url}/t/faces/galleries/staff/calibration/")
    expect(page.get_by_test_id("calibration-result")).to_be_visible(timeout=SLOW)
    _charts_drawn(page, 2)
    expect(page.locator(".pair img.thumb").first).to_be_visible()
    screenshot(page, "calibration-gallery-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)
    screenshot(page, "calibration-gallery-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at 390 px ({width} px wide)"
    assert errors == [], errors
