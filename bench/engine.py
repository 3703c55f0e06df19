"""The embedded engine over HTTP: detect, descriptors, enrollment, identify vs group size.

Run: .venv/bin/python bench/engine.py

The engine runs in a threaded WSGI server on 127.0.0.1 (Django's, as `runserver` uses, with
TCP_NODELAY as gunicorn sets it) on a throw-away SQLite file and data directory; requests
go through `requests`, the way the SDK talks to it. Detect rows compare the engine's full
HTTP round trip (returnFaceId=true: decode, HOG detection, shapes, descriptors, faceId
rows) on this project's dlib with the same engine served from a worker process running on
dlib-bin (bench/_dlibbin.py); runs alternate so that load from other processes hits
both. Identify groups are synthetic: persons with descriptors sampled around the real
enrolled faces, written straight to storage, then trained through the API. Prints
medians; never asserts.

Targets: detect+descriptor over HTTP, 640 px one-face photo <= 100 ms, 1080p <= 400 ms;
identify on a 10,000-person group under 20 ms per query face.
"""

from __future__ import annotations

import io
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
RUNS = 7
GROUP_SIZES = (100, 1_000, 10_000)
FACES_PER_PERSON = 2


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def paired_median_ms(
    first: Callable[[], object], second: Callable[[], object], runs: int = RUNS
) -> tuple[float, float]:
    """Median times of two jobs run alternately."""
    first(), second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for job, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            job()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def setup_django(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["FACEADMIN_ENGINE_DATA_DIR"] = str(workdir / "engine")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def start_server() -> str:
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class NoDelay(ThreadedWSGIServer):
        # gunicorn sets TCP_NODELAY; Django's development server does not, and Nagle's
        # algorithm then adds ~40 ms (delayed ACK) to every response written in two parts.
        def get_request(self) -> tuple[socket.socket, Any]:
            connection, address = super().get_request()
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return connection, address

    server = NoDelay(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/face/v1.0"


def photo_640() -> bytes:
    from PIL import Image

    with Image.open(DATA / "resolution" / "barack_obama_1080p.jpg") as opened:
        buffer = io.BytesIO()
        opened.resize((640, 360), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def synthetic_group(group_id: str, persons: int, account: Any, seeds: Any) -> None:
    """A person group of `persons` people, descriptors sampled around real faces."""
    import numpy as np

    from faceadmin.engine.models import PersistedFace, Person, PersonGroup

    rng = np.random.default_rng(persons)
    group = PersonGroup.objects.create(
        account=account, group_id=group_id, name=group_id, recognition_model="recognition_01"
    )
    people = Person.objects.bulk_create(
        (Person(group=group, name=f"p{i}") for i in range(persons)), batch_size=2000
    )
    centers = seeds[rng.integers(0, len(seeds), persons)] + rng.normal(0, 0.08, (persons, 128))
    faces = []
    for person, center in zip(people, centers, strict=True):
        for _ in range(FACES_PER_PERSON):
            vector = (center + rng.normal(0, 0.03, 128)).astype(np.float32)
            faces.append(
                PersistedFace(
                    person=person,
                    descriptor=vector.tobytes(),
                    rect_left=0,
                    rect_top=0,
                    rect_width=150,
                    rect_height=150,
                )
            )
    PersistedFace.objects.bulk_create(faces, batch_size=2000)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="faceadmin-bench-engine-"))
    try:
        run(workdir)
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path) -> None:
    setup_django(workdir)
    import numpy as np
    import requests

    from faceadmin.engine import recognition
    from faceadmin.engine.accounts import account_create
    from faceadmin.engine.models import PersistedFace

    recognition.warm_up()
    base = start_server()
    account, key = account_create(name="bench")
    session = requests.Session()
    session.headers["Ocp-Apim-Subscription-Key"] = key
    octet = {"Content-Type": "application/octet-stream"}

    def detect(data: bytes) -> list[Any]:
        response = session.post(f"{base}/detect", data=data, headers=octet, timeout=60)
        response.raise_for_status()
        return list(response.json())

    # The same requests to a second engine running on dlib-bin (bench/_dlibbin.py), alternately.
    sys.path.insert(0, str(ROOT / "bench"))
    import _dlibbin

    worker = _dlibbin.Worker("server")
    other = requests.Session()
    other.headers["Ocp-Apim-Subscription-Key"] = worker.hello["key"]

    def detect_on_dlibbin(data: bytes) -> None:
        response = other.post(f"{worker.hello['url']}/detect", data=data, headers=octet, timeout=60)
        response.raise_for_status()

    print(f"detect over HTTP (returnFaceId), median of {RUNS} interleaved runs (ms)")
    print(f"dlib-bin: {worker.hello['dlib']}; this build: {_dlibbin.dlib_summary()}")
    print(f"{'detect + descriptors':36} {'faces':>5} {'dlib-bin':>9} {'this':>8} {'speedup':>8}")
    cases = [
        ("640x360 (1080p resized)", photo_640(), "<= 100 ms"),
        ("resolution/barack_obama_1080p.jpg", (DATA / "resolution/barack_obama_1080p.jpg"),
         "<= 400 ms"),
        ("multi/barack_obama_joe_biden.jpg", (DATA / "multi/barack_obama_joe_biden.jpg"), ""),
    ]  # fmt: skip
    try:
        for label, source, target in cases:
            data = source if isinstance(source, bytes) else source.read_bytes()
            bin_ms, ours_ms = paired_median_ms(
                lambda d=data: detect_on_dlibbin(d), lambda d=data: detect(d)
            )
            faces = len(detect(data))
            print(
                f"{label:36} {faces:>5} {bin_ms:9.1f} {ours_ms:8.1f} {bin_ms / ours_ms:7.2f}x"
                f"  {target}"
            )
    finally:
        worker.close()

    image = recognition.decode_image((DATA / "probe" / "kit_harington.jpg").read_bytes())
    rect = recognition.detect_faces(image, descriptors=False)[0].rect
    describe = median_ms(lambda: recognition.describe_face(image, rect), runs=15)
    print(f"\ndescriptor per face (68-point shape + ResNet, 187 px face): {describe:.1f} ms")

    # Enrollment: one person per enrolled photo, faces added over HTTP from streams.
    session.put(f"{base}/persongroups/enroll", json={"name": "Enroll"}).raise_for_status()
    photos = sorted((DATA / "enroll").glob("*/*.jpg"))
    started = time.perf_counter()
    for path in photos:
        person = session.post(
            f"{base}/persongroups/enroll/persons", json={"name": path.parent.name}
        )
        person_id = person.json()["personId"]
        session.post(
            f"{base}/persongroups/enroll/persons/{person_id}/persistedfaces",
            data=path.read_bytes(),
            headers=octet,
        ).raise_for_status()
    elapsed = time.perf_counter() - started
    print(
        f"enroll (create person + add face, {len(photos)} photos 0.2-2.1 Mpx): "
        f"{len(photos) / elapsed:.2f} faces/s, {elapsed / len(photos) * 1000:.0f} ms per face"
    )

    seeds = np.stack(
        [np.frombuffer(bytes(d), dtype=np.float32) for d in
         PersistedFace.objects.values_list("descriptor", flat=True)]
    )  # fmt: skip
    probes = [
        face["faceId"]
        for path in ["probe/barack_obama.jpg", "multi/barack_obama_joe_biden.jpg",
                     "multi/kit_harington_rose_leslie.jpg", "multi/two_people.jpg",
                     "probe/kit_harington.jpg", "probe/alex_lacamoire.jpg"]
        for face in detect((DATA / path).read_bytes())
    ][:10]  # fmt: skip

    print(f"\nidentify ({FACES_PER_PERSON} faces per person), median of {RUNS * 3} runs")
    print(f"{'persons':>8} {'train s':>8} {'1 face ms':>10} {'10 faces ms':>12} {'ms/face':>8}")
    for size in GROUP_SIZES:
        group_id = f"size-{size}"
        synthetic_group(group_id, size, account, seeds)
        started = time.perf_counter()
        session.post(f"{base}/persongroups/{group_id}/train").raise_for_status()
        while True:
            status = session.get(f"{base}/persongroups/{group_id}/training").json()["status"]
            if status in ("succeeded", "failed"):
                break
            time.sleep(0.02)
        train_s = time.perf_counter() - started

        def identify(faces: list[str], group_id: str = group_id) -> None:
            body = {"personGroupId": group_id, "faceIds": faces, "maxNumOfCandidatesReturned": 5}
            session.post(f"{base}/identify", json=body, timeout=60).raise_for_status()

        one = median_ms(lambda: identify(probes[:1]), runs=RUNS * 3)
        ten = median_ms(lambda: identify(probes), runs=RUNS * 3)
        print(
            f"{size:>8} {train_s:8.2f} {one:10.1f} {ten:12.1f} {ten / len(probes):8.1f}"
            f"   ({status})"
        )


if __name__ == "__main__":
    main()
