"""An admin erases a person everywhere from one photo in Chromium, then reads the receipt.

The person (Barack Obama) is enrolled in two person groups and a face list of the embedded
engine, next to other people; an untrained third group cannot be searched and is named."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.faceapi.models import FaceImage
from tests.conftest import DATA, drain_job_queue, screenshot
from tests.privacy.conftest import enroll_world, media_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_erases_a_person_from_one_photo_and_reads_the_receipt(
    live_server: Any, logged_in_page: Any, local_tenant: Any, local_members: Any
) -> None:
    world = enroll_world(local_tenant, local_members["operator"])
    obama = {
        f"PersonGroup:staff:{world.staff['barack_obama']}",
        f"PersonGroup:visitors:{world.visitors['barack_obama']}",
        f"FaceList:watch:{world.watch['barack_obama']}",
        f"PersonGroup:archive:{world.archive['barack_obama']}",
    }
    stored = list(
        FaceImage.objects.filter(
            person_id__in=[
                world.staff["barack_obama"],
                world.visitors["barack_obama"],
                world.archive["barack_obama"],
            ]
        )
    ) + list(FaceImage.objects.filter(persisted_face_id=world.watch["barack_obama"]))
    assert len(stored) == 4
    files_before = media_files()

    page = logged_in_page("local-admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/t/local/")
    page.get_by_role("link", name="Privacy").click()
    assert "staff" in page.locator('[data-testid="retention-usage"]').inner_text()
    screenshot(page, "privacy-overview")
    page.get_by_label("Photo of the person").set_input_files(str(DATA / "probe/barack_obama.jpg"))
    page.get_by_role("button", name="Search every collection").click()
    matches = page.locator('[data-testid="matches"]')
    matches.wait_for(timeout=60000)
    # The search held the photo in memory only.
    assert media_files() == files_before
    searched = page.locator('[data-testid="searched"]').inner_text()
    assert "Person group Archive (untrained: checked person by person)" in searched
    offered = set(matches.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)"))
    assert obama <= offered
    assert matches.locator("img.thumb").count() >= 3
    for key in sorted(obama):
        matches.locator(f'tr[data-key="{key}"] input[type=checkbox]').check()
    screenshot(page, "privacy-erase-matches")
    page.get_by_role("button", name="Erase the ticked matches").click()
    page.locator('[data-testid="job-badge"]').wait_for()

    drain_job_queue()  # the worker runs the erase job; the page polls until it ends

    receipt = page.locator('[data-testid="receipt"]')
    receipt.wait_for(timeout=30000)
    assert page.locator('[data-testid="job-badge"]').inner_text().strip() == "Succeeded"
    assert page.locator('[data-testid="receipt-erased"]').inner_text().startswith("4 (")
    page.get_by_role("link", name="Open the receipt").click()
    receipt = page.locator('[data-testid="receipt"]')
    receipt.wait_for()
    text = page.locator("main").inner_text()
    for person in (
        world.staff["barack_obama"],
        world.visitors["barack_obama"],
        world.archive["barack_obama"],
    ):
        assert person in text
    assert world.watch["barack_obama"] in text
    assert "training started" in text
    assert "barack_obama" not in text  # ids and counts only
    screenshot(page, "privacy-receipt")

    # Every collection no longer holds them; the others are still there.
    for path, gone, kept in (
        ("persongroups/staff/", world.staff["barack_obama"], world.staff["joe_biden"]),
        ("persongroups/visitors/", world.visitors["barack_obama"], world.visitors["kit_harington"]),
        ("facelists/watch/", world.watch["barack_obama"], world.watch["rose_leslie"]),
        ("persongroups/archive/", world.archive["barack_obama"], ""),
    ):
        page.goto(f"{live_server.url}/t/local/collections/{path}")
        html = page.content()
        assert gone not in html and kept in html, path
    # Nor does the image store: rows, files, and the thumbnails' URLs.
    assert not FaceImage.objects.filter(pk__in=[row.pk for row in stored]).exists()
    for row in stored:
        assert f"faces/{row.thumbnail.name}" not in media_files()
        response = page.request.get(f"{live_server.url}{row.thumbnail_url}")
        assert response.status == 404
