"""Bulk import throughput on the embedded engine, against plain add-face calls.

Run: .venv/bin/python bench/import.py [N]        (N photos, default 1,000)

Makes N distinct one-face photos from the repo's test photos (cropped, resized to 640 px wide
and re-encoded, so every SHA-256 differs), N/5 persons of 5 photos, in a ZIP. Then, on a
throw-away test database and media directory:

* the import check (dry run) with face detection: one detect call per photo;
* the import itself (the same job code the worker runs, here in this process): one
  add-face call per photo with the face the check found, plus a person create per person,
  thumbnails, provenance, audit events and one recorded step per file;
* plain add-face calls (no faceadmin work around them) of the same photos into a second
  large person group, persons created beforehand and not timed.

Prints photos/s for each, the import's overhead over plain add-face (wall time, and CPU time,
which a machine shared with other work disturbs less), and the CPU seconds per wall second
(1.0 = one core busy; 2.0 = both). Prints numbers, never fails on them.
"""

from __future__ import annotations

import io
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from faceadmin.clients.types import CollectionKind

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    "enroll/alex_lacamoire/1.jpg",
    "enroll/barack_obama/1.jpg",
    "enroll/barack_obama/2.jpg",
    "enroll/joe_biden/1.jpg",
    "enroll/joe_biden/2.jpg",
    "enroll/kit_harington/1.jpg",
    "enroll/kit_harington/2.jpg",
    "enroll/rose_leslie/1.jpg",
    "enroll/rose_leslie/2.jpg",
]
WIDTH = 640
PER_PERSON = 5


def make_photos(n: int) -> list[bytes]:
    """N distinct JPEGs: each source cropped by a few percent, resized to 640 px, re-encoded."""
    from PIL import Image

    rng = random.Random(42)
    originals = [Image.open(ROOT / "tests" / "data" / s).convert("RGB") for s in SOURCES]
    photos = []
    for i in range(n):
        image = originals[i % len(originals)]
        w, h = image.size
        dx, dy = rng.randint(0, w // 20), rng.randint(0, h // 20)
        crop = image.crop((dx, dy, w - rng.randint(0, w // 20), h - rng.randint(0, h // 20)))
        crop = crop.resize((WIDTH, round(crop.height * WIDTH / crop.width)))
        out = io.BytesIO()
        crop.save(out, format="JPEG", quality=rng.randint(80, 92))
        photos.append(out.getvalue())
    assert len({hash(p) for p in photos}) == n
    return photos


def make_zip(path: Path, photos: list[bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for i, data in enumerate(photos):
            archive.writestr(f"Person {i // PER_PERSON:04d}/{i:05d}.jpg", data)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_job(job: Any) -> tuple[Any, float, float]:
    from faceadmin.jobs.runner import execute

    wall, cpu = time.perf_counter(), cpu_seconds()
    execute(str(job.pk))
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    job.refresh_from_db()
    if job.status != "succeeded":
        raise SystemExit(f"{job.title}: {job.status} {job.error}")
    return job, wall, cpu


def bench(n: int, workdir: Path) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from faceadmin.faceapi import services
    from faceadmin.faceapi.transfer.importing import ImportParams
    from faceadmin.faceapi.transfer.services import import_check_create, import_create
    from faceadmin.tenants.models import Tenant

    started = time.perf_counter()
    photos = make_photos(n)
    source = workdir / "photos.zip"
    make_zip(source, photos)
    print(
        f"{n} photos, {WIDTH} px wide, {n // PER_PERSON} persons, made in "
        f"{time.perf_counter() - started:.1f} s ({source.stat().st_size / 1e6:.1f} MB ZIP)"
    )
    call_command("bootstrap", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    tenant = Tenant.objects.get(slug="local")
    lpg = CollectionKind.LARGE_PERSON_GROUP
    for group in ("imported", "plain"):
        services.collection_create(
            tenant=tenant,
            user=admin,
            kind=lpg,
            collection_id=group,
            name=group,
            recognition_model="recognition_04",
        )

    options = ImportParams(kind="largepersongroups", collection_id="imported")
    check = import_check_create(
        tenant=tenant, user=admin, options=options, path=source, enqueue=False
    )
    check, check_wall, check_cpu = run_job(check)
    assert check.result["counts"] == {"ok": n}, check.result["counts"]
    job = import_create(check=check, user=admin, enqueue=False)
    job, import_wall, import_cpu = run_job(job)
    assert job.result["counts"] == {"enrolled": n}, job.result["counts"]

    client = services.client_for(tenant)
    person_ids = [
        client.person_create(CollectionKind.LARGE_PERSON_GROUP, collection_id="plain", name=f"P{i}")
        for i in range(n // PER_PERSON + 1)
    ]
    wall, cpu = time.perf_counter(), cpu_seconds()
    for i, data in enumerate(photos):
        client.person_add_face_from_stream(
            CollectionKind.LARGE_PERSON_GROUP,
            collection_id="plain",
            person_id=person_ids[i // PER_PERSON],
            image=data,
        )
    plain_wall, plain_cpu = time.perf_counter() - wall, cpu_seconds() - cpu

    # What the import sends: the face detect found as targetFace, two calls at a time (the
    # import's FACEADMIN_IMPORT_THREADS). The rectangles are found first, untimed, as the
    # import's check finds them before the run.
    client.collection_create(CollectionKind.LARGE_PERSON_GROUP, collection_id="targeted", name="t")
    targeted = [
        client.person_create(
            CollectionKind.LARGE_PERSON_GROUP, collection_id="targeted", name=f"T{i}"
        )
        for i in range(n // PER_PERSON + 1)
    ]
    rects = [client.detect_with_stream(image=data, return_face_id=False) for data in photos]

    def add_targeted(i: int) -> str:
        return client.person_add_face_from_stream(
            CollectionKind.LARGE_PERSON_GROUP,
            collection_id="targeted",
            person_id=targeted[i // PER_PERSON],
            image=photos[i],
            target_face=rects[i][0].rectangle,
        )

    wall, cpu = time.perf_counter(), cpu_seconds()
    with ThreadPoolExecutor(max_workers=settings.FACEADMIN_IMPORT_THREADS) as pool:
        list(pool.map(add_targeted, range(n)))
    targeted_wall, targeted_cpu = time.perf_counter() - wall, cpu_seconds() - cpu

    def line(label: str, unit: str, wall: float, cpu: float) -> None:
        print(
            f"{label:<22} {n / wall:6.2f} {unit:<8} {wall:7.1f} s wall  "
            f"{cpu / wall:4.2f} CPU s/s  {1000 * cpu / n:6.0f} CPU ms per photo"
        )

    line("import check (detect)", "photos/s", check_wall, check_cpu)
    line("import run", "faces/s", import_wall, import_cpu)
    line("plain add-face calls", "faces/s", plain_wall, plain_cpu)
    line("add-face, targetFace", "faces/s", targeted_wall, targeted_cpu)
    print(
        f"import run over add-face with targetFace in {settings.FACEADMIN_IMPORT_THREADS} "
        f"threads (what the import sends): {100 * (import_wall / targeted_wall - 1):+.1f} % "
        f"wall time, {100 * (import_cpu / targeted_cpu - 1):+.1f} % CPU time"
    )
    total = check_wall + import_wall
    print(f"check + run: {n / total:.2f} faces/s ({total:.1f} s)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["DJANGO_SUPERUSER_USERNAME"] = "admin"
    os.environ.pop("DJANGO_SUPERUSER_PASSWORD", None)
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.db import connection

    logging.getLogger().setLevel(logging.WARNING)  # one audit line per face would drown the table
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        bench(n, workdir)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
