"""The screenshot tour (issue 17): every page of the dashboard at 1280 and 390 px, written to
artifacts/tour/<width>/<nn>-<page>.png for a person to look at before a release.

It fills an embedded-engine tenant (a trained group, a person with faces and a photo waiting
for a pick, a face list with a duplicate, a snapshot) and a FindFace tenant on this server's
facade, then walks the pages as a staff admin, a viewer and a logged-out visitor. Besides the
pictures it checks that no page is wider than the viewport.

Run it alone: .venv/bin/pytest tests/browser/test_tour.py
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import galleries, services
from faceadmin.faceapi.enroll import photo_enroll
from faceadmin.faceapi.lookup import photo_from_bytes
from faceadmin.tenants.models import Membership, Provider, Role, Tenant
from faceadmin.tenants.services import tenant_create
from tests.conftest import ARTIFACTS, DATA, make_user
from tests.dashboard.conftest import enroll, photo
from tests.snapshots.conftest import engine_jobs_end, train

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOUR = ARTIFACTS / "tour"
SLOW = 90_000
PG, FL = CollectionKind.PERSON_GROUP, CollectionKind.FACE_LIST


def findface_tenant() -> Tenant:
    out = io.StringIO()
    call_command("engine", "createkey", "--name", "tour", "--api", "findface", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    return tenant_create(
        name="FindFace here", slug="ff", provider=Provider.FINDFACE, primary_key=token
    )


@pytest.fixture
def filled(local_tenant: Tenant, local_members: dict[str, Any]) -> dict[str, str]:
    root = make_user("root", is_superuser=True, is_staff=True)
    Membership.objects.create(user=root, tenant=local_tenant, role=Role.ADMIN)
    op = local_members["operator"]
    services.collection_create(tenant=local_tenant, user=op, kind=PG, collection_id="staff",
                               name="Staff", user_data='{"site": "north"}')  # fmt: skip
    obama = enroll(local_tenant, op, "staff", "Barack Obama", "enroll/barack_obama/1.jpg",
                   "enroll/barack_obama/2.jpg")  # fmt: skip
    enroll(local_tenant, op, "staff", "Kit Harington", "enroll/kit_harington/1.jpg")
    train(local_tenant, PG, "staff")
    # A photo with three faces waits for a pick on Barack Obama's page.
    photo_enroll(tenant=local_tenant, user=op, kind=PG, collection_id="staff", person_id=obama,
                 image=photo("multi/barack_obama_joe_biden.jpg"),
                 filename="barack_obama_joe_biden.jpg", user_data="")  # fmt: skip
    services.collection_create(tenant=local_tenant, user=op, kind=FL, collection_id="visitors",
                               name="Visitors")  # fmt: skip
    for name in ("enroll/barack_obama/1.jpg", "enroll/barack_obama/2.jpg",
                 "enroll/kit_harington/2.jpg"):  # fmt: skip
        photo_enroll(tenant=local_tenant, user=op, kind=FL, collection_id="visitors",
                     person_id="", image=photo(name), filename=name.rsplit("/", 1)[-1],
                     user_data='{"gate": "north"}')  # fmt: skip
    ff = findface_tenant()
    Membership.objects.create(user=root, tenant=ff, role=Role.ADMIN)
    galleries.gallery_create(tenant=ff, user=root, name="people")
    biden = photo_from_bytes(data=photo("enroll/joe_biden/2.jpg"))
    galleries.gallery_enroll(tenant=ff, user=root, gallery="people", meta="Joe Biden", photo=biden)
    engine_jobs_end()
    return {"person": obama}


# The outermost elements that stick out of the viewport, to say what made a page too wide.
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll("main *")]
    .map((el) => [el.tagName + "." + el.className + "#" + el.id, el.getBoundingClientRect().right,
                  el.parentElement.getBoundingClientRect().right])
    .filter(([, right, parent]) => right > limit && parent <= limit)
    .sort((a, b) => b[1] - a[1]).slice(0, 4);
}"""


class Tour:
    def __init__(self, page: Any, base: str, width: int) -> None:
        self.page, self.base, self.width = page, base, width
        self.folder = TOUR / str(width)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.too_wide: dict[str, int] = {}

    def shot(self, name: str) -> None:
        self.page.wait_for_load_state("networkidle")
        self.count += 1
        wide = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if wide > 0:
            self.too_wide[name] = self.page.evaluate(WIDEST)
        path: Path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def visit(self, name: str, path: str) -> None:
        self.page.goto(self.base + path)
        self.shot(name)


@pytest.mark.parametrize("width", [1280, 390])
def test_tour(
    width: int,
    live_server: Any,
    page: Any,
    logged_in_page: Any,
    filled: dict[str, str],
    job_worker: None,  # the duplicate scan runs as a job
) -> None:
    tour = Tour(page, live_server.url, width)
    page.set_viewport_size({"width": width, "height": 900})
    tour.visit("login", "/login/")
    logged_in_page("root")
    t = "/t/local"
    group = f"{t}/collections/persongroups/staff"
    person = f"{group}/persons/{filled['person']}"
    for name, path in [
        ("home", f"{t}/"),
        ("collections", f"{t}/collections/"),
        ("collections-large-groups", f"{t}/collections/?kind=largepersongroups"),
        ("collections-facelists", f"{t}/collections/?kind=facelists"),
        ("collection-new", f"{t}/collections/new/"),
        ("group", f"{group}/"),
        ("group-edit", f"{group}/edit/"),
        ("group-delete", f"{group}/delete/"),
        ("group-training", f"{group}/training/"),
        ("person", f"{person}/"),
        ("person-edit", f"{person}/edit/"),
        ("person-delete", f"{person}/delete/"),
        ("facelist", f"{t}/collections/facelists/visitors/"),
        ("lookup", f"{t}/lookup/"),
        ("lookup-verify", f"{t}/lookup/verify/"),
        ("lookup-similar", f"{t}/lookup/similar/"),
        ("lookup-group", f"{t}/lookup/group/"),
        ("snapshots", f"{t}/snapshots/"),
        ("snapshot-take", f"{group}/snapshot/"),
        ("operations", f"{t}/operations/"),
        ("jobs", f"{t}/jobs/"),
        ("audit", f"{t}/audit/"),
        ("keys", f"{t}/keys/"),
        ("members", f"{t}/members/"),
        ("users", f"{t}/users/"),
        ("person-search", f"{group}/search/"),
        ("face-search", f"{t}/collections/facelists/visitors/search/"),
        ("settings", f"{t}/settings/"),
        ("tenant-new", "/tenants/new/"),
        ("not-found", f"{t}/no/such/page/"),
        ("bad-id", f"{t}/collections/persongroups/BAD%20ID!/"),
        ("ff-home", "/t/ff/"),
        ("ff-collections", "/t/ff/collections/"),
        ("ff-gallery", "/t/ff/collections/galleries/people/"),
        ("ff-lookup", "/t/ff/lookup/"),
    ]:
        tour.visit(name, path)

    # Results: a detection and an identification, duplicates of the face list.
    page.goto(f"{live_server.url}{t}/lookup/")
    page.locator("input[type=file][name=photo]").set_input_files(
        str(DATA / "probe" / "barack_obama.jpg")
    )
    page.get_by_role("button", name="Identify").click()
    page.get_by_test_id("lookup-detection").wait_for(timeout=SLOW)
    tour.shot("lookup-identified")
    page.goto(f"{live_server.url}{t}/collections/facelists/visitors/")
    page.get_by_role("button", name="Find duplicates").click()
    page.get_by_test_id("duplicates-summary").wait_for(timeout=SLOW)
    tour.shot("facelist-duplicates")

    # A viewer's view, and a page it may not open.
    page.context.clear_cookies()
    logged_in_page("local-viewer")
    tour.visit("viewer-home", f"{t}/")
    tour.visit("viewer-group", f"{group}/")
    tour.visit("viewer-forbidden", f"{t}/lookup/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert re.search(r"/lookup/$", page.url)
    page.context.clear_cookies()
    tour.visit("set-password-used-link", "/set-password/MQ/used-token/")
    assert tour.too_wide == {}
