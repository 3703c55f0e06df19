"""Issue 17, defect 9 in Chromium: uploading Barack Obama's photo to Kit Harington's page of a
trained group warns "this looks like Barack Obama (NN %), enroll anyway?" and enrolls only
when asked. At 1280 and 390 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA, screenshot
from tests.dashboard.conftest import enroll
from tests.lookup.conftest import wait_trained

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 90_000
PG = CollectionKind.PERSON_GROUP


@pytest.mark.parametrize("width", [1280, 390])
def test_a_look_alike_face_waits_for_enroll_anyway(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant,
) -> None:  # fmt: skip
    user = local_members["operator"]
    services.collection_create(tenant=local_tenant, user=user, kind=PG, collection_id="staff",
                               name="Staff")  # fmt: skip
    enroll(local_tenant, user, "staff", "Barack Obama", "enroll/barack_obama/1.jpg")
    kit = enroll(local_tenant, user, "staff", "Kit Harington", "enroll/kit_harington/1.jpg")
    services.collection_train(tenant=local_tenant, user=user, kind=PG, collection_id="staff")
    wait_trained(local_tenant, PG, "staff")
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/persons/{kit}/")
    page.locator("#id_photos").set_input_files([str(DATA / "enroll/barack_obama/2.jpg")])
    page.get_by_role("button", name="Upload and enroll").click()
    warning = page.get_by_test_id("enroll-warning")
    expect(warning).to_contain_text("This looks like Barack Obama (", timeout=SLOW)
    expect(page.locator("#faces")).to_contain_text("1 enrolled face")
    screenshot(page, f"enroll-warning-{width}")
    page.get_by_role("button", name="Enroll anyway").click()
    expect(page.locator("#faces")).to_contain_text("2 enrolled faces", timeout=SLOW)


@pytest.mark.parametrize("width", [390])
def test_a_low_quality_face_waits_for_enroll_anyway(
    width: int, live_server: Any, page: Any, logged_in_page: Any, local_members: Any,
    local_tenant: Tenant,
) -> None:  # fmt: skip
    """A blurred photo of Kit Harington (quality for recognition "Low", recognition_04) on an
    untrained group: warned as low quality, enrolled only on "Enroll anyway"."""
    from tests.dashboard.test_enroll_quality import blurred_face

    user = local_members["operator"]
    services.collection_create(tenant=local_tenant, user=user, kind=PG, collection_id="staff",
                               name="Staff", recognition_model="recognition_04")  # fmt: skip
    kit = services.person_create(tenant=local_tenant, user=user, kind=PG, group_id="staff",
                                 name="Kit Harington")  # fmt: skip
    logged_in_page("local-operator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/local/collections/persongroups/staff/persons/{kit}/")
    page.locator("#id_photos").set_input_files(
        [{"name": "blurred.jpg", "mimeType": "image/jpeg", "buffer": blurred_face()}]
    )
    page.get_by_role("button", name="Upload and enroll").click()
    warning = page.get_by_test_id("enroll-warning")
    expect(warning).to_contain_text("Its quality for recognition is low", timeout=SLOW)
    expect(page.locator("#faces")).to_contain_text("No faces yet")
    screenshot(page, f"enroll-warning-quality-{width}")
    page.get_by_role("button", name="Enroll anyway").click()
    expect(page.locator("#faces")).to_contain_text("1 enrolled face", timeout=SLOW)
