"""Search time of the persons catalog ("search that finds", issue 17) with 100,000 persons.

Run: .venv/bin/python bench/catalog.py
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/catalog.py

Fills the catalog of one group with 100,000 persons (rows written directly: the provider is
not what is measured), then times `catalog_search` as the search page calls it: a page of 50
by name with no query, a substring of names, a userData value, a query that matches nothing,
a person-id prefix, and the "most faces" sort. Median and worst of RUNS each; the target is
< 100 ms per search. Prints numbers, never fails on them. Runs on a throw-away test database.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERSONS = 100_000
RUNS = 15
TARGET_MS = 100.0
FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Ewa", "Farid", "Grace", "Hiro", "Ines", "Jon"]
LAST = ["Smith", "Nguyen", "Ångström", "Okafor", "Rossi", "Kowalski", "Silva", "Tanaka"]


def fill() -> tuple[object, str]:
    from faceadmin.faceapi.catalog import _search_text
    from faceadmin.faceapi.models import CatalogPerson, CatalogSync
    from faceadmin.tenants.models import Provider
    from faceadmin.tenants.services import tenant_create

    tenant = tenant_create(name="Bench", slug="bench", provider=Provider.AZURE,
                           endpoint_url="https://bench.example", primary_key="k" * 32)  # fmt: skip
    started = time.perf_counter()
    some_id = ""
    rows = []
    for i in range(PERSONS):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // 10) % len(LAST)]} {i:06d}"
        user_data = f'{{"badge": {i}, "site": "s{i % 50}"}}'
        person_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"person/{i}"))
        some_id = some_id or person_id
        rows.append(CatalogPerson(tenant=tenant, kind="PersonGroup", collection_id="people",
                                  person_id=person_id, name=name, user_data=user_data,
                                  search_text=_search_text(name, user_data),
                                  face_count=i % 5))  # fmt: skip
    CatalogPerson.objects.bulk_create(rows, batch_size=5000)
    from django.utils import timezone

    CatalogSync.objects.create(tenant=tenant, kind="PersonGroup", collection_id="people",
                               synced_at=timezone.now())  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # index-only scans need.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE faceapi_catalogperson")
    print(f"setup: {PERSONS:,} catalog rows written in {time.perf_counter() - started:.1f} s")
    return tenant, some_id


def measure(tenant: object, some_id: str) -> None:
    from faceadmin.clients.types import CollectionKind
    from faceadmin.faceapi.catalog import catalog_search

    cases = [
        ("first page by name", "", "name"),
        ("name substring 'ngstr'", "ngstr", "name"),
        ("userData '\"badge\": 4242,'", '"badge": 4242,', "name"),
        ("no match", "nobody-has-this", "name"),
        ("person id prefix", some_id[:8], "name"),
        ("most faces first", "", "-faces"),
        ("substring, last page", "chlo", "-name"),
    ]
    print(f"{'search':34} {'matches':>8} {'median ms':>10} {'worst ms':>9}")
    for label, query, sort in cases:
        times = []
        total = 0
        for _ in range(RUNS):
            started = time.perf_counter()
            page = catalog_search(tenant=tenant, kind=CollectionKind.PERSON_GROUP,  # type: ignore[arg-type]
                                  collection_id="people", query=query, sort=sort)  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
            total = page.total
        median = statistics.median(times)
        flag = "" if median < TARGET_MS else f"  (over the {TARGET_MS:.0f} ms target)"
        print(f"{label:34} {total:>8,} {median:>10.1f} {max(times):>9.1f}{flag}")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        print(f"database: {connection.vendor}")
        tenant, some_id = fill()
        measure(tenant, some_id)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
