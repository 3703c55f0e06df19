"""An operator groups 50 photos in Chromium: the job page shows live progress (htmx polling,
no reload), then the result, which survives a reload. A worker (the real db_worker loop)
runs in a thread beside the live server. Screenshots go to artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from faceadmin.jobs.models import Job
from tests.conftest import DATA, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = ["alex_lacamoire", "barack_obama", "joe_biden", "kit_harington", "rose_leslie"]


def fifty_photos(folder: Path) -> list[str]:
    """50 photos of the five people of tests/data: their photos shrunk to at most 480 px,
    every other round mirrored, each under a name that says whose it is."""
    sources = [p for person in PEOPLE for p in sorted((DATA / "enroll" / person).glob("*.jpg"))]
    files = []
    for n in range(50):
        source = sources[n % len(sources)]
        with Image.open(source) as opened:
            image = opened.convert("RGB")
        image.thumbnail((480, 480))
        if (n // len(sources)) % 2:
            image = ImageOps.mirror(image)
        path = folder / f"{source.parent.name}-{n:02d}.jpg"
        image.save(path, quality=90)
        files.append(str(path))
    return files


def test_a_grouping_job_of_50_photos_shows_live_progress_and_a_result_that_survives_reload(
    live_server: Any, logged_in_page: Any, local_members: Any, job_worker: None, tmp_path: Path
) -> None:
    page = logged_in_page("local-operator")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/t/local/lookup/group/")
    page.set_input_files("#id_photos", fifty_photos(tmp_path))
    page.get_by_role("button", name="Group the faces").click()

    page.wait_for_url(re.compile(r"/t/local/jobs/[0-9a-f-]{36}/$"), timeout=120000)
    job_url = page.url
    progress = page.get_by_test_id("job-progress")
    # Live: the panel updates itself while the job runs (the page is never reloaded here).
    seen: set[str] = set()
    status = page.locator("#job-status")
    while status.get_attribute("data-status") in ("queued", "running"):
        seen.add(progress.inner_text())
        if len(seen) == 2:
            screenshot(page, "job-grouping-running")
        page.wait_for_timeout(300)
    assert status.get_attribute("data-status") == "succeeded"
    assert len(seen) >= 2, seen  # at least two different progress readings, without a reload
    assert any(re.fullmatch(r"\d+ of 50 \(\d+ %\)", text) for text in seen), seen
    assert page.get_by_test_id("job-progress").inner_text() == "50 of 50 (100 %)"

    page.reload()
    assert page.url == job_url
    grouping = page.get_by_test_id("grouping")
    assert grouping.get_attribute("data-clusters") == str(len(PEOPLE))
    clusters = page.get_by_test_id("cluster")
    for i in range(clusters.count()):
        titles = clusters.nth(i).locator("img.thumb").evaluate_all("imgs => imgs.map(i => i.title)")
        assert len({t.split("-")[0] for t in titles}) == 1, titles  # one person per cluster
    assert page.locator("#job-status").get_attribute("hx-trigger") is None  # polling stopped
    screenshot(page, "job-grouping-result")
    job = Job.objects.get(kind="photo_grouping")
    assert job.done == job.total == 50
