"""Defect 1 of issue 17: the face picker's boxes must sit on the faces at every width.

Every multi-face photo of the test data is uploaded to a person page; for each face of the
manifest the test clicks the middle of that face where the browser drew the photo, and checks
that exactly that face's box (the detection nearest the manifest's rectangle) got selected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000
MANIFEST = json.loads((DATA / "manifest.json").read_text())
MULTI = sorted(name for name in MANIFEST if name.startswith("multi/"))
WIDTHS = [1280, 390]


def nearest(values: list[str], rect: dict[str, int]) -> str:
    want = (rect["left"], rect["top"], rect["width"], rect["height"])
    return min(
        values,
        key=lambda v: sum(abs(int(a) - b) for a, b in zip(v.split(","), want, strict=True)),
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_each_face_box_selects_the_face_under_the_pointer(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant,
) -> None:  # fmt: skip
    operator = local_members["operator"]
    kind = CollectionKind.PERSON_GROUP
    services.collection_create(
        tenant=local_tenant, user=operator, kind=kind, collection_id="staff", name="Staff"
    )
    person_id = services.person_create(
        tenant=local_tenant, user=operator, kind=kind, group_id="staff", name="Someone"
    )
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/persons/{person_id}/")
    page.locator("#id_photos").set_input_files([str(DATA / name) for name in MULTI])
    page.get_by_role("button", name="Upload and enroll").click()
    forms = page.locator("form.pick")
    for i in range(len(MULTI)):
        forms.nth(i).locator("svg .box").first.wait_for(timeout=SLOW)

    for i, name in enumerate(MULTI):
        form = forms.nth(i)
        img = form.locator(".pick-photo img")
        img.scroll_into_view_if_needed()
        svg_box = form.locator(".pick-photo svg").bounding_box()
        img_box = img.bounding_box()
        assert svg_box is not None and img_box is not None
        # The overlay covers exactly the drawn photo, and the photo fits the page.
        for key in ("x", "y", "width", "height"):
            assert abs(svg_box[key] - img_box[key]) < 1.5, (name, key, svg_box, img_box)
        assert img_box["x"] + img_box["width"] <= width
        values = form.locator("input[name=faces]").evaluate_all("els => els.map(e => e.value)")
        meta = MANIFEST[name]
        scale = img_box["width"] / meta["width"]
        for face in meta["faces"]:
            rect = face["rect"]
            want = nearest(values, rect)
            form.evaluate("f => f.querySelectorAll('input[name=faces]')"
                          ".forEach(i => { i.checked = false; })")  # fmt: skip
            img.scroll_into_view_if_needed()
            img_box = img.bounding_box()
            assert img_box is not None
            x = img_box["x"] + (rect["left"] + rect["width"] / 2) * scale
            y = img_box["y"] + (rect["top"] + rect["height"] / 2) * scale
            page.mouse.click(x, y)
            checked = form.locator("input[name=faces]:checked").evaluate_all(
                "els => els.map(e => e.value)"
            )
            assert checked == [want], (name, face["person"], checked, want)
            expect(form.locator(f'svg .box.chosen[data-face="{want}"]')).to_have_count(1)
    screenshot(page, f"face-picker-{width}")
