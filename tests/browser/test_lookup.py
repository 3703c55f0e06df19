"""An operator's photo lookup in Chromium: boxes on a group photo, who is on a probe, verify,
and grouping the shared photos. Screenshots go to artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from faceadmin.faceapi import services
from tests.conftest import DATA, screenshot
from tests.lookup.conftest import ENROLL, PG, faces_in, make_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHARED = [
    "enroll/barack_obama/1.jpg",
    "enroll/barack_obama/2.jpg",
    "enroll/joe_biden/1.jpg",
    "enroll/joe_biden/2.jpg",
    "enroll/kit_harington/1.jpg",
    "enroll/kit_harington/2.jpg",
    "enroll/rose_leslie/1.jpg",
    "enroll/rose_leslie/2.jpg",
    "enroll/alex_lacamoire/1.jpg",
    "probe/alex_lacamoire.jpg",
]


@pytest.fixture
def operator_page(live_server: Any, logged_in_page: Any, local_members: Any) -> Any:
    page = logged_in_page("local-operator")
    page.set_viewport_size({"width": 1280, "height": 900})
    return page


def open_lookup(page: Any, live_server: Any, where: str = "") -> None:
    page.goto(f"{live_server.url}/t/local/lookup/{where}")


def test_detect_draws_one_numbered_box_per_face(operator_page: Any, live_server: Any) -> None:
    page = operator_page
    open_lookup(page, live_server)
    name = "multi/barack_obama_joe_biden.jpg"
    page.set_input_files("#id_photo", str(DATA / name))
    page.get_by_role("button", name="Detect faces").click()
    result = page.locator('[data-testid="lookup-detection"]')
    result.wait_for(timeout=30000)
    assert page.locator("svg.lk-overlay g.lk-face").count() == faces_in(name) == 3
    assert page.locator("svg.lk-overlay text").all_text_contents() == ["1", "2", "3"]
    # The photo comes from the browser's memory, not from the server.
    assert page.locator("img.lk-photo").get_attribute("src").startswith("blob:")
    # Hovering a row highlights its box.
    page.locator('tr[data-face="2"]').hover()
    assert "hl" in (page.locator('g.lk-face[data-face="2"]').get_attribute("class") or "")
    page.get_by_label("Show landmarks").check()
    assert page.locator(".lk-landmarks").first.is_visible()
    page.get_by_text("Request and raw answer").click()
    assert "returnFaceLandmarks=true" in page.locator('[data-testid="curl"]').inner_text()
    screenshot(page, "lookup-detect")


def test_identify_names_the_person_on_a_probe(
    operator_page: Any, live_server: Any, local_tenant: Any, local_members: Any
) -> None:
    make_group(local_tenant, local_members["operator"], "people", ENROLL)
    page = operator_page
    open_lookup(page, live_server)
    page.set_input_files("#id_photo", str(DATA / "probe/barack_obama_2.jpg"))
    page.get_by_role("button", name="Identify").click()
    first = page.locator('[data-testid="candidate-name"]').first
    first.wait_for(timeout=30000)
    assert first.inner_text() == "barack_obama"
    assert page.locator(".lk-candidate img.thumb").first.is_visible()
    screenshot(page, "lookup-identify")
    # Enroll from the result: the browser re-posts the same file with the face's rectangle.
    page.get_by_role("button", name="Enroll this face to barack_obama").click()
    page.locator("#lookup-flash").get_by_text("Enrolled the face").wait_for(timeout=30000)
    screenshot(page, "lookup-identify-enrolled")


def test_verify_tells_same_and_different(operator_page: Any, live_server: Any) -> None:
    page = operator_page
    open_lookup(page, live_server, "verify/")
    page.set_input_files("#id_photo", str(DATA / "probe/barack_obama.jpg"))
    page.set_input_files("#id_photo2", str(DATA / "enroll/barack_obama/2.jpg"))
    page.get_by_role("button", name="Verify").click()
    verdict = page.locator('[data-testid="verdict"]')
    verdict.wait_for(timeout=30000)
    assert verdict.get_attribute("data-identical") == "true"
    screenshot(page, "lookup-verify-same")
    page.set_input_files("#id_photo2", str(DATA / "enroll/joe_biden/1.jpg"))
    page.get_by_role("button", name="Verify").click()
    page.locator('[data-testid="verdict"][data-identical="false"]').wait_for(timeout=30000)
    assert page.get_by_role("heading", name="Not the same person").is_visible()
    screenshot(page, "lookup-verify-different")
    # Photo A with two faces: the largest (Biden) is used first; clicking Obama's box
    # picks him and verifies again.
    page.set_input_files("#id_photo", str(DATA / "multi/two_people.jpg"))
    page.set_input_files("#id_photo2", str(DATA / "probe/barack_obama.jpg"))
    page.get_by_role("button", name="Verify").click()
    page.locator('[data-testid="verdict"][data-identical="false"]').wait_for(timeout=30000)
    page.locator('g.lk-face[data-pick="face1"][data-face="2"]').click()
    page.locator('[data-testid="verdict"][data-identical="true"]').wait_for(timeout=30000)
    assert page.get_by_role("heading", name="Photo A, face 2 of 2").is_visible()
    screenshot(page, "lookup-verify-picked")


def owner(path: str) -> str:
    return path.split("/")[1] if path.startswith("enroll/") else "alex_lacamoire"


def test_group_of_the_shared_photos_gives_one_cluster_per_person(
    operator_page: Any,
    live_server: Any,
    tmp_path: Path,
    local_tenant: Any,
    local_members: Any,
    job_worker: None,
) -> None:
    services.collection_create(
        tenant=local_tenant,
        user=local_members["operator"],
        kind=PG,
        collection_id="team",
        name="Team",
    )
    # Uploaded under names that tell whose they are, so the clusters can be checked by eye
    # and by the thumbnails' titles.
    files = []
    for n, path in enumerate(SHARED):
        copy = tmp_path / f"{owner(path)}-{n}.jpg"
        shutil.copy(DATA / path, copy)
        files.append(str(copy))
    page = operator_page
    open_lookup(page, live_server, "group/")
    page.set_input_files("#id_photos", files)
    page.get_by_role("button", name="Group the faces").click()
    # Grouping is a job: the page goes to the job's page, which shows the result when done.
    grouping = page.locator('[data-testid="grouping"]')
    grouping.wait_for(timeout=180000)
    people = {owner(p) for p in SHARED}
    assert grouping.get_attribute("data-clusters") == str(len(people)) == "5"
    clusters = page.locator('[data-testid="cluster"]')
    for i in range(clusters.count()):
        titles = clusters.nth(i).locator("img.thumb").evaluate_all("imgs => imgs.map(i => i.title)")
        assert len(titles) == 2 and len({t.split("-")[0] for t in titles}) == 1, titles
    screenshot(page, "lookup-group")
    # "Create a person from this cluster" enrolls its faces in one step.
    first = clusters.nth(0)
    first.get_by_text("Create a person from this cluster").click()
    first.get_by_label("Name").fill("First cluster")
    first.get_by_role("button", name="Create person with 2 faces").click()
    first.get_by_text("Created First cluster in team with 2 face(s)").wait_for(timeout=30000)
    screenshot(page, "lookup-group-person")
