"""An operator imports a ZIP of ten persons in Chromium: reads the dry-run report, runs the
import, watches its progress, downloads the per-file CSV, trains and identifies one of them.
The jobs run in the real django-tasks-db worker (drained from the test). Screenshots go to
artifacts/."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from tests.conftest import DATA, drain_job_queue, screenshot
from tests.transfer.conftest import make_zip, photo, variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000


def ten_persons_zip(path: Path) -> Path:
    files: dict[str, bytes | str] = {
        "Alex Lacamoire/1.jpg": photo("enroll/alex_lacamoire/1.jpg"),
        "Barack Obama/1.jpg": photo("enroll/barack_obama/1.jpg"),
        "Barack Obama/2.jpg": photo("enroll/barack_obama/2.jpg"),
        "Barack Obama/copy of 1.jpg": photo("enroll/barack_obama/1.jpg"),  # duplicate
        "Joe Biden/1.jpg": photo("enroll/joe_biden/1.jpg"),
        "Joe Biden/notes.txt": "met at the conference",  # not an image
        "Kit Harington/1.jpg": photo("enroll/kit_harington/1.jpg"),
        "Rose Leslie/1.jpg": photo("enroll/rose_leslie/1.jpg"),
        "Couple/both.jpg": photo("multi/kit_harington_rose_leslie.jpg"),  # two faces
    }
    for n, source in enumerate(
        ["joe_biden/2.jpg", "kit_harington/2.jpg", "rose_leslie/2.jpg", "barack_obama/2.jpg"]
    ):
        files[f"Guest {n + 1}/photo.jpg"] = variant(f"enroll/{source}", n, width=500)
    return make_zip(path, files)


def test_an_operator_imports_ten_persons_then_trains_and_identifies_one(
    live_server: Any,
    logged_in_page: Any,
    local_tenant: Any,
    local_members: Any,
    tmp_path: Path,
) -> None:
    services.collection_create(
        tenant=local_tenant,
        user=local_members["operator"],
        kind=CollectionKind.LARGE_PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    source = ten_persons_zip(tmp_path / "staff.zip")
    page = logged_in_page("local-operator")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/t/local/collections/largepersongroups/staff/")
    page.get_by_role("link", name="Import ZIP…").click()
    page.wait_for_url("**/import/")
    page.wait_for_load_state("load")  # the page's deferred script listens for the file choice
    page.get_by_label("ZIP file").set_input_files(str(source))
    # The page's script names the chosen file on `change`: wait for it (it runs after the event).
    expect(page.locator('[data-testid="upload-size"]')).to_contain_text("staff.zip")
    page.get_by_label("Photos with several faces").select_option("largest")
    screenshot(page, "import-upload")
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))

    drain_job_queue()  # the check: file checks, then one detect per photo
    report = page.locator('[data-testid="check-report"]')
    report.wait_for(timeout=SLOW)
    assert page.locator('[data-testid="persons-summary"]').inner_text() == (
        "10 to create, 0 to reuse"
    )
    counts = {
        row.get_attribute("data-status"): row.locator("td").nth(1).inner_text()
        for row in page.locator('[data-testid="check-counts"] tbody tr').all()
    }
    assert counts == {"ok": "10", "duplicate": "1", "not_image": "1", "several_faces": "1"}
    problems = page.locator('[data-testid="check-problems"]').inner_text()
    assert "same file as Barack Obama/1.jpg" in problems and "Couple/both.jpg" in problems
    assert page.locator('[data-testid="will-enroll"]').inner_text() == "11"
    screenshot(page, "import-check-report")

    page.get_by_role("button", name="Run the import").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    assert page.locator('[data-testid="job-badge"]').inner_text().strip() == "Queued"
    # The panel polls itself while the job is active: the page is never reloaded below.
    assert page.locator("#job-status").get_attribute("hx-trigger") == "every 2s"
    drain_job_queue()  # the import itself; the page polls its progress meanwhile
    page.locator('[data-testid="import-report"]').wait_for(timeout=SLOW)
    assert page.locator('[data-testid="job-progress"]').inner_text().startswith("13 of 13")
    assert page.locator('[data-testid="job-badge"]').inner_text().strip() == "Succeeded"
    assert page.locator("#job-status").get_attribute("hx-trigger") is None  # polling stopped
    done = page.locator('[data-testid="import-counts"] tr[data-status="enrolled"] td').nth(1)
    assert done.inner_text() == "11"
    screenshot(page, "import-done")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the per-file CSV").click()
    text = Path(download_info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 13
    by_file = {row["file"]: row for row in rows}
    assert by_file["Barack Obama/copy of 1.jpg"]["status"] == "skipped"
    assert by_file["Joe Biden/notes.txt"]["status"] == "failed"
    assert by_file["Couple/both.jpg"]["status"] == "enrolled"
    assert sum(1 for row in rows if row["status"] == "enrolled") == 11
    alex = by_file["Alex Lacamoire/1.jpg"]
    assert alex["personId"] and alex["persistedFaceId"]

    page.get_by_role("button", name="Train now").click()
    page.wait_for_url(re.compile(r"/collections/largepersongroups/staff/$"))
    page.locator("#training-panel").get_by_text("Succeeded", exact=False).first.wait_for(
        timeout=SLOW
    )
    page.goto(f"{live_server.url}/t/local/lookup/")
    page.set_input_files("#id_photo", str(DATA / "probe/alex_lacamoire.jpg"))
    page.get_by_role("button", name="Identify").click()
    first = page.locator('[data-testid="candidate-name"]').first
    first.wait_for(timeout=SLOW)
    assert first.inner_text() == "Alex Lacamoire"
    screenshot(page, "import-identify")
