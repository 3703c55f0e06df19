"""Search time of the persons catalog ("search that finds", issue 17) with 100,000 persons.

Run: .venv/bin/python bench/catalog.py
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/catalog.py

Fills the catalog of one group with 100,000 persons (rows written directly: the provider is
not what is measured), then times `catalog_search` as the search page calls it: a page of 50
by name with no query, a substring of names, a userData value, a query that matches nothing,
a person-id prefix, and the "most faces" sort. Then the same for a large face list of 100,000
faces (`catalog_search_faces`, a page of 100). Median and worst of RUNS each; the target is
< 100 ms per search. Prints numbers, never fails on them. Runs on a throw-away test database
(migrated: on PostgreSQL with the pg_trgm indexes of migration 0005).
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
    from faceadmin.faceapi.models import CatalogFace, CatalogPerson, CatalogSync
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

    faces = []
    for i in range(PERSONS):
        face_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"face/{i}"))
        user_data = f'{{"file": "photo-{i:06d}.jpg", "site": "s{i % 50}"}}'
        faces.append(CatalogFace(tenant=tenant, kind="LargeFaceList", collection_id="faces",
                                 persisted_face_id=face_id, user_data=user_data,
                                 search_text=_search_text(face_id, user_data)))  # fmt: skip
    CatalogFace.objects.bulk_create(faces, batch_size=5000)
    CatalogSync.objects.create(tenant=tenant, kind="LargeFaceList", collection_id="faces",
                               synced_at=timezone.now())  # fmt: skip
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # index-only scans need.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE faceapi_catalogperson")
            cursor.execute("VACUUM ANALYZE faceapi_catalogface")
    print(f"setup: {2 * PERSONS:,} catalog rows written in {time.perf_counter() - started:.1f} s")
    return tenant, some_id


def _row(label: str, times: list[float], total: int, capped: bool) -> None:
    median = statistics.median(times)
    flag = "" if median < TARGET_MS else f"  (over the {TARGET_MS:.0f} ms target)"
    matches = f"{total:,}" + ("+" if capped else "")
    print(f"{label:34} {matches:>8} {median:>10.1f} {max(times):>9.1f}{flag}")


def measure(tenant: object, some_id: str) -> None:
    from faceadmin.clients.types import CollectionKind
    from faceadmin.faceapi.catalog import catalog_search, catalog_search_faces

    cases = [
        ("first page by name", "", "name", 0),
        ("name substring 'ngstr'", "ngstr", "name", 0),
        ("userData '\"badge\": 4242,'", '"badge": 4242,', "name", 0),
        ("no match", "nobody-has-this", "name", 0),
        ("person id prefix", some_id[:8], "name", 0),
        ("most faces first", "", "-faces", 0),
        ("substring, sorted Z-A", "chlo", "-name", 0),
        ("substring, page 100 of 250", "chlo", "name", 99 * 50),
        ("two letters 'an'", "an", "name", 0),
        ("no query, page 1,000", "", "name", 999 * 50),
    ]
    print(f"{'search':34} {'matches':>8} {'median ms':>10} {'worst ms':>9}")
    for label, query, sort, offset in cases:
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            page = catalog_search(tenant=tenant, kind=CollectionKind.PERSON_GROUP,  # type: ignore[arg-type]
                                  collection_id="people", query=query, sort=sort,
                                  offset=offset, limit=50)  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
        _row(label, times, page.total, page.capped)
    face_cases = [
        ("faces: first page", "", 0),
        ('faces: userData \'"site": "s7"\'', '"site": "s7"', 0),
        ("faces: file name, 1 match", "photo-042424", 0),
        ("faces: no match", "nobody-has-this", 0),
        ("faces: id prefix", str(uuid.uuid5(uuid.NAMESPACE_URL, "face/7"))[:8], 0),
        ("faces: 'jpg', page 100", "jpg", 99 * 100),
    ]
    for label, query, offset in face_cases:
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            faces = catalog_search_faces(tenant=tenant, kind=CollectionKind.LARGE_FACE_LIST,  # type: ignore[arg-type]
                                         collection_id="faces", query=query, offset=offset,
                                         limit=100)  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
        _row(label, times, faces.total, faces.capped)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"database: {connection.vendor}")
        tenant, some_id = fill()
        measure(tenant, some_id)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
