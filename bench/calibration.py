"""Threshold calibration of a person group of 100 persons x 3 faces on the embedded engine.

Run: .venv/bin/python bench/calibration.py [--persons 100] [--faces 3] [--sample 5000]
     .venv/bin/python bench/calibration.py --gallery [...]   (a FindFace gallery on the facade:
     faces with meta = person name, each pair one verify of two FindFace face crops)

The faces are synthesised: tests/data has 13 photos of 5 people, so each person of the
bench gets one of those photos (round robin) in 3 versions — cropped differently, flipped or
not, scaled to 360-520 px wide and re-encoded at JPEG quality 70-95. The timings are real
(every version is a new image for dlib: detected and described again); the scores are not a
measure of accuracy, since persons made from the same source photo are the same face.

Prints: setup time (enrolling through faceadmin's services), the plan, and the calibration
job's time as the real db_worker runs it (detect each original once, one verify per pair),
split into detection and pair scoring. Runs on a throw-away test database and media dir.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SOURCES = sorted([*DATA.glob("enroll/*/*.jpg"), *DATA.glob("probe/*.jpg")])


def versions(path: Path, count: int, rng: random.Random) -> list[bytes]:
    """`count` different images of the face in `path` (crop, flip, scale, re-encode)."""
    from PIL import Image, ImageOps

    original = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    out = []
    for k in range(count):
        width, height = original.size
        dx, dy = int(width * rng.uniform(0, 0.08)), int(height * rng.uniform(0, 0.08))
        image = original.crop((dx, dy, width - int(width * rng.uniform(0, 0.08)), height - dy))
        if k % 2 == 1:
            image = ImageOps.mirror(image)
        target = rng.randint(360, 520)
        image = image.resize((target, round(image.height * target / image.width)))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=rng.randint(70, 95))
        out.append(buffer.getvalue())
    return out


def setup_group(persons: int, faces: int) -> Any:
    from faceadmin.clients.types import CollectionKind
    from faceadmin.engine.accounts import account_create
    from faceadmin.faceapi import services
    from faceadmin.tenants.models import Provider
    from faceadmin.tenants.services import tenant_create

    _, key = account_create(name="bench")
    tenant = tenant_create(
        name="Bench", slug="bench", provider=Provider.EMBEDDED, endpoint_url="", primary_key=key
    )
    services.collection_create(
        tenant=tenant,
        user=None,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="bench",
        name="Bench",
        recognition_model="recognition_04",
    )
    rng = random.Random(7)
    started = time.perf_counter()
    for n in range(persons):
        source = SOURCES[n % len(SOURCES)]
        label = source.stem if source.parent.name == "probe" else source.parent.name
        person_id = services.person_create(
            tenant=tenant,
            user=None,
            kind=CollectionKind.PERSON_GROUP,
            group_id="bench",
            name=f"Person {n + 1:03d} ({label})",
        )
        for k, image in enumerate(versions(source, faces, rng)):
            services.person_add_face(
                tenant=tenant,
                user=None,
                kind=CollectionKind.PERSON_GROUP,
                group_id="bench",
                person_id=person_id,
                image=image,
                filename=f"p{n}-{k}.jpg",
            )
        if (n + 1) % 20 == 0:
            print(f"  enrolled {n + 1} persons ({time.perf_counter() - started:.0f} s)", flush=True)
    elapsed = time.perf_counter() - started
    print(f"setup: {persons} persons x {faces} faces enrolled in {elapsed:.1f} s")
    return tenant


def setup_gallery(persons: int, faces: int) -> Any:
    from faceadmin.engine.findface.accounts import token_account_create
    from faceadmin.faceapi.connection import findface_client_for
    from faceadmin.tenants.models import Provider
    from faceadmin.tenants.services import tenant_create

    _, key = token_account_create(name="bench")
    tenant = tenant_create(
        name="Bench", slug="bench", provider=Provider.FINDFACE, endpoint_url="", primary_key=key
    )
    client = findface_client_for(tenant)
    client.gallery_create(name="bench")
    rng = random.Random(7)
    started = time.perf_counter()
    for n in range(persons):
        source = SOURCES[n % len(SOURCES)]
        for image in versions(source, faces, rng):
            client.face_create(photo=image, meta=f"Person {n + 1:03d}", galleries=["bench"])
    elapsed = time.perf_counter() - started
    print(f"setup: {persons} metas x {faces} faces enrolled in {elapsed:.1f} s")
    return tenant


def run_gallery(args: argparse.Namespace) -> None:
    from faceadmin.faceapi import calibration_gallery
    from faceadmin.jobs.models import Job
    from tests.conftest import drain_job_queue

    tenant = setup_gallery(args.persons, args.faces)
    started = time.perf_counter()
    plan = calibration_gallery.gallery_calibration_plan(
        tenant=tenant, gallery="bench", sample=args.sample
    )
    print(
        f"plan: {plan.persons_used} metas, {len(plan.faces)} faces, {len(plan.genuine)} "
        f"genuine + {len(plan.impostor)} impostor pairs, {plan.calls} calls, "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    job = calibration_gallery.gallery_calibration_start(tenant=tenant, user=None, plan=plan)
    started = time.perf_counter()
    drain_job_queue()
    total_s = time.perf_counter() - started
    job = Job.objects.get(pk=job.pk)
    if job.status != "succeeded":
        raise SystemExit(f"calibration {job.status}: {job.error}")
    counts = job.result["counts"]
    print(
        f"calibration job: {total_s:.1f} s end to end, {plan.pairs} verifies "
        f"({total_s / max(1, plan.pairs) * 1000:.0f} ms a pair incl. crop fetches); "
        f"{counts['genuine']} genuine / {counts['impostor']} impostor scored, "
        f"{counts['skipped_faces']} faces skipped, {counts['failed_pairs']} pairs failed"
    )
    print(f"machine: {os.cpu_count()} cores, shared with other work while measured")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100)
    parser.add_argument("--faces", type=int, default=3)
    parser.add_argument("--sample", type=int, default=5000)
    parser.add_argument("--gallery", action="store_true", help="a FindFace gallery instead")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from faceadmin.clients.types import CollectionKind
        from faceadmin.faceapi import calibration
        from faceadmin.faceapi.models import ProviderCallStat
        from faceadmin.jobs.models import Job, JobItem
        from tests.conftest import drain_job_queue

        if args.gallery:
            run_gallery(args)
            return
        tenant = setup_group(args.persons, args.faces)
        ProviderCallStat.objects.all().delete()
        started = time.perf_counter()
        plan = calibration.calibration_plan(
            tenant=tenant, kind=CollectionKind.PERSON_GROUP, group_id="bench", sample=args.sample
        )
        plan_s = time.perf_counter() - started
        print(
            f"plan: {plan.persons_used} persons, {len(plan.faces)} faces, "
            f"{len(plan.genuine)} genuine + {len(plan.impostor)} impostor pairs "
            f"(of {plan.possible_genuine} + {plan.possible_impostor}), {plan.calls} calls, "
            f"{plan_s * 1000:.0f} ms"
        )
        job = calibration.calibration_start(tenant=tenant, user=None, plan=plan)
        started = time.perf_counter()
        drain_job_queue()
        total_s = time.perf_counter() - started
        job = Job.objects.get(pk=job.pk)
        if job.status != "succeeded":
            raise SystemExit(f"calibration {job.status}: {job.error}")
        items = list(JobItem.objects.filter(job=job).order_by("id"))
        faces_done = [i for i in items if i.key.startswith("face:")]
        pairs_done = [i for i in items if i.key.startswith("pairs:")]
        detect_s = (faces_done[-1].created_at - job.started_at).total_seconds()
        pairs_s = (pairs_done[-1].created_at - faces_done[-1].created_at).total_seconds()
        stats = {s.operation: s for s in ProviderCallStat.objects.filter(tenant=tenant)}
        detect, verify = stats.get("POST /detect"), stats.get("POST /verify")
        print(f"calibration job: {total_s:.1f} s end to end (worker start to result)")
        print(
            f"  detect {len(faces_done)} originals: {detect_s:.1f} s"
            + (f" (mean {detect.total_ms / detect.calls:.0f} ms a call)" if detect else "")
        )
        print(
            f"  verify {plan.pairs} pairs: {pairs_s:.1f} s"
            + (f" (mean {verify.total_ms / verify.calls:.1f} ms a call)" if verify else "")
        )
        result = job.result
        print(
            f"result: {result['counts']['genuine']} genuine / {result['counts']['impostor']} "
            f"impostor pairs scored, {result['counts']['skipped_faces']} faces skipped; "
            + ", ".join(
                f"FMR {r['label']}: {r['threshold'] if r['threshold'] is not None else 'n/a'}"
                for r in result["recommendations"]
            )
        )
        print(f"machine: {os.cpu_count()} cores, shared with other work while measured")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
