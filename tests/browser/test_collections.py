"""An operator's walk through the collections in Chromium, against the embedded engine:
create a group with the keyboard, add three persons with photos (one of them picked out of
a two-person photo), train and watch it succeed without reloading, audit a face list, find
its duplicates and export it as CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import DATA, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Detection of a photo on a busy 2-core machine can take a few seconds.
SLOW = 90_000
MANIFEST = json.loads((DATA / "manifest.json").read_text())


def photos(name: str) -> list[str]:
    return [str(p) for p in sorted((DATA / "enroll" / name).glob("*.jpg"))]


def create_group_with_the_keyboard(page: Any) -> None:
    """Tab through the create form in order, type, and submit with Enter."""
    page.keyboard.press("Tab")  # from the page into the skip link, then onwards
    order = []
    for _ in range(40):
        focused = page.evaluate("document.activeElement.id")
        if focused == "id_kind":
            break
        page.keyboard.press("Tab")
    outline = ""
    for _ in range(6):
        order.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
        if order[-1] == "id_collection_id":
            page.keyboard.type("staff")
        elif order[-1] == "id_name":
            page.keyboard.type("Staff")
        elif order[-1] == "Create":
            # The focus ring is visible on the button (app.css :focus-visible).
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            break
        page.keyboard.press("Tab")
    assert order == [
        "id_kind",
        "id_collection_id",
        "id_name",
        "id_recognition_model",
        "id_user_data",
        "Create",
    ]
    assert outline == "solid"
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "id_name"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/collections/persongroups/staff/$"))


def add_person(page: Any, name: str, files: list[str], *, enrolled: bool = True) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Add person").click()
    page.wait_for_url(re.compile(r"/persons/[0-9a-f-]+/$"))
    page.locator("#id_photos").set_input_files(files)
    page.get_by_role("button", name="Upload and enroll").click()
    uploads = page.locator("[data-upload-list] > li")
    for i in range(len(files)):
        uploads.nth(i).locator(".badge").wait_for(timeout=SLOW)
    if enrolled:
        page.locator("#faces img.thumb").first.wait_for(timeout=SLOW)


def test_an_operator_builds_a_group_trains_it_and_audits_a_face_list(
    live_server: Any,
    page: Any,
    logged_in_page: Any,
    local_members: Any,
    tmp_path: Path,
    job_worker: None,  # the duplicate scan runs as a job
) -> None:
    logged_in_page("local-operator")
    page.goto(f"{live_server.url}/t/local/collections/")
    page.get_by_text("No person groups yet.").wait_for()
    screenshot(page, "collections-empty")
    page.get_by_role("link", name="New person group").click()
    create_group_with_the_keyboard(page)
    expect(page.get_by_test_id("recognition-model")).to_have_text("recognition_04")

    group_url = page.url
    add_person(page, "Alex Lacamoire", photos("alex_lacamoire"))
    page.goto(group_url)
    add_person(page, "Barack Obama", photos("barack_obama"))
    expect(page.locator("#faces figure.face")).to_have_count(2)
    screenshot(page, "person-barack-obama")
    page.goto(group_url)
    add_person(
        page,
        "Kit Harington",
        [str(DATA / "multi" / "kit_harington_rose_leslie.jpg")],
        enrolled=False,
    )

    # Two faces in the photo: both are boxed; pick Kit's.
    pick = page.locator("form.pick")
    pick.wait_for(timeout=SLOW)
    expect(pick.locator("svg .box")).to_have_count(2)
    screenshot(page, "pick-a-face")
    kit = MANIFEST["multi/kit_harington_rose_leslie.jpg"]["faces"][0]["rect"]
    values = pick.locator("input[name=faces]").evaluate_all("els => els.map(e => e.value)")
    nearest = min(
        values,
        key=lambda v: sum(
            abs(int(a) - b)
            for a, b in zip(
                v.split(","), (kit["left"], kit["top"], kit["width"], kit["height"]), strict=True
            )
        ),
    )
    pick.locator(f'svg .box[data-face="{nearest}"] rect').click()  # the box ticks its checkbox
    expect(pick.locator(f'input[value="{nearest}"]')).to_be_checked()
    pick.get_by_role("button", name="Enroll selected faces").click()
    page.locator('li[data-status="enrolled"]').last.wait_for(timeout=SLOW)

    # Train, and watch the status change in place.
    page.goto(group_url)
    expect(page.locator("#persons tbody tr")).to_have_count(3)
    screenshot(page, "persons")
    page.get_by_text("needs training").wait_for(timeout=SLOW)
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Train").click()
    page.locator('[data-testid="training-status"]', has_text="succeeded").wait_for(timeout=SLOW)
    assert page.evaluate("window.notReloaded") is True
    assert page.url == group_url
    expect(page.get_by_text("needs training")).to_have_count(0)
    expect(page.locator("#training-panel[hx-trigger]")).to_have_count(0)  # polling stopped
    screenshot(page, "training-succeeded")

    # A face list: add photos, audit it, find duplicates, export it.
    page.goto(f"{live_server.url}/t/local/collections/new/?kind=facelists")
    page.get_by_label("ID").fill("visitors")
    page.get_by_label("Name").fill("Visitors")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/collections/facelists/visitors/$"))
    page.locator("#id_photos").set_input_files(
        [*photos("barack_obama"), photos("kit_harington")[0]]
    )
    page.get_by_label("User data", exact=True).fill('{"gate": "north"}')
    page.get_by_role("button", name="Upload and enroll").click()
    for i in range(3):
        page.locator("[data-upload-list] > li").nth(i).locator(".badge").wait_for(timeout=SLOW)
    page.locator("#faces table.faces tbody tr").nth(2).wait_for(timeout=SLOW)
    expect(page.get_by_text("3 faces, 3 with a stored image")).to_be_visible()

    page.get_by_label("Text in user data").fill("north")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("3 match the filters").wait_for()

    page.get_by_role("button", name="Find duplicates").click()
    summary = page.get_by_test_id("duplicates-summary")
    summary.wait_for(timeout=SLOW)
    expect(summary).to_contain_text("1 pair at or above 0.70")
    screenshot(page, "face-list-audit")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export CSV")).click()
    target = tmp_path / "faces.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 3
    assert {row["userData"] for row in rows} == {'{"gate": "north"}'}
    assert {row["enrolled_by"] for row in rows} == {"local-operator"}

    # The tenant home counts the collections and shows the group's training state.
    page.goto(f"{live_server.url}/t/local/")
    page.get_by_test_id("count-persongroups").wait_for()
    expect(page.get_by_test_id("count-facelists").locator(".stat")).to_have_text("1")
    page.locator(".training-table .badge.ok", has_text="succeeded").wait_for(timeout=SLOW)
    screenshot(page, "tenant-home-collections")


def test_a_provider_error_shows_in_place_and_keeps_what_was_typed(
    live_server: Any, page: Any, logged_in_page: Any, local_members: Any, local_tenant: Any
) -> None:
    from faceadmin.clients.types import CollectionKind
    from faceadmin.faceapi import services

    services.collection_create(
        tenant=local_tenant, user=None, kind=CollectionKind.PERSON_GROUP,
        collection_id="staff", name="Staff",
    )  # fmt: skip
    logged_in_page("local-operator")
    page.goto(f"{live_server.url}/t/local/collections/new/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("ID").fill("staff")
    page.get_by_label("Name").fill("Second shift")
    page.get_by_label("User data").fill('{"shift": 2}')
    page.get_by_role("button", name="Create").click()
    alert = page.locator("#collection-form .api-error")
    expect(alert).to_contain_text("PersonGroupExists")
    expect(page.get_by_label("Name")).to_have_value("Second shift")
    expect(page.get_by_label("User data")).to_have_value('{"shift": 2}')
    assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx
    screenshot(page, "create-error")
