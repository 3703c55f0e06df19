"""An admin's snapshot walk in Chromium, against the embedded engine: take a snapshot of a
trained group, watch it finish, apply it to a new id, open the new group and see the same
persons; the audit page shows these events and its CSV export downloads. Screenshots go to
artifacts/. Skipped only while the engine answers 404 on /snapshots."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.faceapi.snapshots import tenant_subscription_id
from faceadmin.tenants.models import Tenant
from tests.conftest import screenshot
from tests.snapshots.conftest import engine_jobs_end, make_trained_group, skip_without_snapshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000


@pytest.fixture
def trained_group(local_tenant: Tenant, local_members: Any) -> Iterator[str]:
    skip_without_snapshots(local_tenant)
    yield make_trained_group(local_tenant, local_members["operator"])
    engine_jobs_end()


def test_an_admin_snapshots_a_trained_group_and_applies_it_as_a_new_one(
    live_server: Any,
    page: Any,
    logged_in_page: Any,
    trained_group: str,
    local_tenant: Tenant,
    tmp_path: Path,
) -> None:
    logged_in_page("local-admin")
    page.set_viewport_size({"width": 1280, "height": 900})
    own_id = tenant_subscription_id(tenant=local_tenant)
    group_url = f"{live_server.url}/t/local/collections/persongroups/staff/"
    page.goto(group_url)
    expect(page.locator("#persons tbody tr")).to_have_count(2)

    # Take: this tenant's own subscription is ticked and named; add a note.
    page.get_by_role("link", name="Take snapshot").click()
    page.wait_for_url(re.compile(r"/persongroups/staff/snapshot/$"))
    expect(page.get_by_label("This tenant may apply it")).to_be_checked()
    expect(page.locator("#take-form")).to_contain_text(own_id or "?")
    page.get_by_label("User data").fill("before the upgrade")
    screenshot(page, "snapshot-take")
    page.get_by_role("button", name="Take snapshot").click()

    # The operation page follows it without reloading, then stops polling.
    page.wait_for_url(re.compile(r"/t/local/operations/[^/]+/$"))
    page.evaluate("window.notReloaded = true")
    status = page.locator("#operation-status [data-testid=operation-status]")
    expect(status).to_have_text("succeeded", timeout=SLOW)
    engine_jobs_end()
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#operation-status[hx-trigger]")).to_have_count(0)
    screenshot(page, "snapshot-take-succeeded")

    # The snapshot: type, scope, expiry, note; apply it as a new group.
    page.get_by_role("link", name="Open the snapshot").click()
    page.wait_for_url(re.compile(r"/t/local/snapshots/[^/]+/$"))
    expect(page.get_by_test_id("snapshot-type")).to_have_text("PersonGroup")
    expect(page.get_by_test_id("expires-in")).to_contain_text(re.compile(r"^4[78] h"))
    expect(page.locator("pre.userdata")).to_have_text("before the upgrade")
    page.get_by_label("New ID").fill("staff-copy")
    screenshot(page, "snapshot-detail")
    page.get_by_role("button", name="Apply snapshot").click()
    page.wait_for_url(re.compile(r"/t/local/operations/[^/]+/$"))
    expect(page.locator("#operation-status [data-testid=operation-status]")).to_have_text(
        "succeeded", timeout=SLOW
    )
    engine_jobs_end()
    screenshot(page, "snapshot-apply-succeeded")

    # The new group has the same persons, and is trained already.
    page.get_by_role("link", name="Open person group staff-copy").click()
    page.wait_for_url(re.compile(r"/collections/persongroups/staff-copy/$"))
    rows = page.locator("#persons tbody tr td:first-child")
    expect(rows).to_have_count(2)
    assert sorted(rows.all_text_contents()) == ["Barack Obama", "Kit Harington"]
    # The restored persons show the photos of the persons they were copied from (defect 2).
    expect(page.locator("#persons tbody img.thumb")).to_have_count(2)
    page.locator("#persons tbody a", has_text="Barack Obama").click()
    expect(page.locator("#faces img.thumb")).to_have_count(1)
    expect(page.get_by_text("no image stored")).to_have_count(0)
    page.go_back()
    expect(page.get_by_test_id("training-status")).to_have_text("succeeded", timeout=SLOW)
    screenshot(page, "snapshot-applied-group")

    # The snapshots page lists it with the two finished operations.
    page.get_by_role("link", name="Snapshots", exact=True).click()
    expect(page.locator("table.snapshots tbody tr")).to_have_count(1)
    expect(page.locator("#operations-panel tbody tr")).to_have_count(2)
    expect(page.locator("#operations-panel[hx-trigger]")).to_have_count(0)
    screenshot(page, "snapshot-list")

    # The audit log shows the walk, and exports it.
    page.goto(f"{live_server.url}/t/local/audit/?action=snapshot")
    results = page.locator("#audit-results")
    for action in (
        "snapshot.take",
        "snapshot.take.finish",
        "snapshot.apply",
        "snapshot.apply.finish",
    ):
        expect(
            results.locator("code", has_text=re.compile(f"^{re.escape(action)}$"))
        ).to_have_count(1)
    screenshot(page, "snapshot-audit")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    target = tmp_path / "audit.csv"
    download.value.save_as(target)
    exported = list(csv.DictReader(io.StringIO(target.read_text())))
    assert sorted(row["action"] for row in exported) == [
        "snapshot.apply",
        "snapshot.apply.finish",
        "snapshot.take",
        "snapshot.take.finish",
    ]
    assert {row["outcome"] for row in exported} == {"ok"}
    assert {row["username"] for row in exported} == {"local-admin"}
