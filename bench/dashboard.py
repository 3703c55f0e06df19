"""Server time of the persons list page with 1,000 persons, against the embedded engine.

Run: .venv/bin/python bench/dashboard.py

A person group "people" with 1,000 persons is created through the client (the first 60 get
a real face, enrolled through faceadmin, so the first pages show stored thumbnails). Then
the persons page is requested through Django's test client, the way a browser does:

* the whole page (the group's GET + one persons listing call),
* the htmx fragment that the pager and the name filter swap in (the listing call only),
* a page of 200, and a page in the middle of the group (start = the 500th person).

For each: the request's total server time (URL routing, sessions and auth middleware, the
views, services, the image-store query, template rendering) and, inside it, the time in
face-API calls (measured around `HttpTransport.request`; the embedded engine answers
in-process). The target is < 100 ms total per page (median); prints numbers, never fails
on them. Runs on a throw-away test database and media directory.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from faceadmin.clients.types import CollectionKind

ROOT = Path(__file__).resolve().parents[1]
PERSONS = 1000
WITH_FACES = 60
FACE_PHOTO = ROOT / "tests" / "data" / "resolution" / "barack_obama_small.jpg"
RUNS = 20
TARGET_MS = 100.0


class ApiClock:
    """Adds up the time spent in provider calls (the one request loop)."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.calls = 0

    def install(self) -> None:
        from faceadmin.clients.transport import HttpTransport

        original = HttpTransport.request
        clock = self

        def timed(transport: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(transport, *args, **kwargs)
            finally:
                clock.ms += (time.perf_counter() - started) * 1000
                clock.calls += 1

        HttpTransport.request = timed  # type: ignore[method-assign]

    def reset(self) -> None:
        self.ms, self.calls = 0.0, 0


def setup_group() -> tuple[Any, list[str]]:
    """The bootstrap admin and the Local engine tenant with 1,000 persons in "people"."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from faceadmin.faceapi import services
    from faceadmin.tenants.models import Tenant

    call_command("bootstrap", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    tenant = Tenant.objects.get(slug="local")
    kind = CollectionKind.PERSON_GROUP
    services.collection_create(
        tenant=tenant, user=admin, kind=kind, collection_id="people", name="People",
        recognition_model="recognition_04",
    )  # fmt: skip
    client = services.client_for(tenant)
    started = time.perf_counter()
    for n in range(PERSONS):
        client.person_create(
            CollectionKind.PERSON_GROUP,
            collection_id="people",
            name=f"Person {n:04d}",
            user_data=f'{{"badge": {n}}}',
        )
    created = time.perf_counter() - started
    # The listing is ordered by personId; give the first ones (those shown first) a face.
    ids = [
        p.person_id
        for p in client.iter_persons(CollectionKind.PERSON_GROUP, collection_id="people")
    ]
    image = FACE_PHOTO.read_bytes()
    for person_id in ids[:WITH_FACES]:
        services.person_add_face(
            tenant=tenant, user=admin, kind=kind, group_id="people", person_id=person_id,
            image=image, filename=FACE_PHOTO.name,
        )  # fmt: skip
    print(
        f"setup: {PERSONS} persons created in {created:.1f} s, "
        f"{WITH_FACES} of them enrolled with a face"
    )
    return admin, ids


def measure(client: Any, clock: ApiClock, label: str, url: str, **headers: str) -> None:
    totals, apis, calls = [], [], 0
    for run in range(RUNS + 2):  # two warm-up runs
        clock.reset()
        started = time.perf_counter()
        response = client.get(url, **headers)
        total = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if run >= 2:
            totals.append(total)
            apis.append(clock.ms)
            calls = clock.calls
    totals.sort()
    p90 = totals[int(len(totals) * 0.9) - 1]
    median = statistics.median(totals)
    verdict = "ok" if median < TARGET_MS else "OVER"
    print(
        f"  {label:<44} {calls} call{'s' if calls != 1 else ' '}  "
        f"total median {median:6.1f} ms  p90 {p90:6.1f} ms  "
        f"(face API {statistics.median(apis):5.1f} ms)  {verdict}"
    )


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["DJANGO_SUPERUSER_USERNAME"] = "admin"
    os.environ.pop("DJANGO_SUPERUSER_PASSWORD", None)  # bootstrap makes one up
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    clock = ApiClock()
    clock.install()
    try:
        admin, ids = setup_group()
        client = Client()
        client.force_login(admin)
        url = "/t/local/collections/persongroups/people/"
        htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "persons"}
        print(f"persons page of a group of {PERSONS} ({RUNS} runs each, target {TARGET_MS:.0f} ms)")
        measure(client, clock, "whole page, 50 persons", url)
        measure(client, clock, "htmx list fragment, 50 persons", url, **htmx)
        measure(client, clock, "whole page, 200 persons", url + "?top=200")
        measure(
            client,
            clock,
            "htmx fragment, 50 persons from the 500th",
            f"{url}?start={ids[499]}",
            **htmx,
        )
        measure(client, clock, "whole page, name filter on 200", url + "?top=200&q=0042")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        import shutil

        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
