"""Large person groups at scale: training, index memory, identify latency, recall vs exact.

Run: .venv/bin/python bench/scale.py [sizes...]   (default: 10000 100000 1000000 faces)

For each size, a large person group of N faces (N/2 persons x 2 faces) is written straight
into the engine's storage (bulk INSERTs, no HTTP, no detection) in a throw-away SQLite
database (or SCALE_DATABASE_URL). Descriptors are realistic: each identity is a real dlib
descriptor of a face in tests/data plus gaussian noise (inter-identity distances ~0.8-1.0,
as between different people), renormalised to the real descriptors' length; each face adds
noise around its identity (same-person distances ~0.4). The group is then trained by the
engine's own background training (timed from POST-equivalent to `succeeded`), and:

* read: reading the group's descriptors from the database as training does (part of train);
* index memory: the trained index's arrays (descriptors or IVF lists, labels, ids);
* identify: the engine's identify service (faceId rows, group, trained index; no HTTP) for
  10 query faces, median of 20 runs, against the exact numpy search of the same queries;
* recall@1: the nearest person the index returns vs the exact nearest face's person, for
  500 probes of enrolled identities (and, for information, 100 strangers);
* listing: one `start`+`top=1000` page of persons from the middle of the group;
* RSS: the process's peak resident memory once the group is built and trained (the
  benchmark's own arrays included).

Prints a table; never asserts. Targets (issue 8): train 1M faces < 60 s, index < 1.5 GB,
identify 10 faces vs 1M < 100 ms, recall@1 >= 0.99.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SIZES = (10_000, 100_000, 1_000_000)
FACES_PER_PERSON = 2
CHUNK = 50_000
IDENTITY_NOISE = 0.056  # per dimension: ~0.9 between two identities of one seed
FACE_NOISE = 0.025  # per dimension: ~0.4 between two faces of one identity
PROBES = 500
STRANGERS = 100
RUNS = 20


def setup_django(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DATABASE_URL"] = os.environ.get(
        "SCALE_DATABASE_URL", f"sqlite:///{workdir / 'scale.sqlite3'}"
    )
    os.environ["FACEADMIN_ENGINE_DATA_DIR"] = str(workdir / "engine")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def real_descriptors() -> Any:
    import numpy as np

    from faceadmin.engine import recognition

    found = []
    for path in sorted(DATA.glob("enroll/*/*.jpg")) + sorted(DATA.glob("probe/*.jpg")):
        image = recognition.decode_image(path.read_bytes())
        found += [face.descriptor for face in recognition.detect_faces(image)]
    return np.stack(found)


class Synthetic:
    """Identities around real descriptors, generated chunk by chunk from a seed."""

    def __init__(self, seeds: Any, persons: int) -> None:
        import numpy as np

        self.seeds = seeds
        self.norm = float(np.linalg.norm(seeds, axis=1).mean())
        self.persons = persons

    def centers(self, start: int, stop: int) -> Any:
        import numpy as np

        rng = np.random.default_rng(start)
        picked = self.seeds[rng.integers(0, len(self.seeds), stop - start)]
        centers = picked + rng.normal(0, IDENTITY_NOISE, picked.shape)
        return (centers * (self.norm / np.linalg.norm(centers, axis=1))[:, None]).astype(np.float32)

    def faces(self, centers: Any, seed: int) -> Any:
        import numpy as np

        rng = np.random.default_rng(10_000_019 + seed)
        repeated = np.repeat(centers, FACES_PER_PERSON, axis=0)
        return (repeated + rng.normal(0, FACE_NOISE, repeated.shape)).astype(np.float32)


def insert_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    # Table and column names come from the models, values go as parameters.
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def build_group(account: Any, group_id: str, faces: int, synthetic: Synthetic) -> Any:
    """The group, its persons and faces, in bulk; returns the group."""
    from django.db import connection
    from django.utils import timezone

    from faceadmin.engine.models import PersistedFace, Person, PersonGroup

    group = PersonGroup.objects.create(
        account=account, group_id=group_id, large=True, name=group_id,
        recognition_model="recognition_01",
    )  # fmt: skip
    hexed = connection.vendor == "sqlite"  # UUIDField is char(32) there, uuid elsewhere

    def uid(value: uuid.UUID) -> Any:
        return value.hex if hexed else value

    now = timezone.now()
    created = connection.ops.adapt_datetimefield_value(now)
    persons = faces // FACES_PER_PERSON
    for start in range(0, persons, CHUNK):
        stop = min(persons, start + CHUNK)
        person_ids = [uuid.uuid4() for _ in range(stop - start)]
        insert_rows(
            Person._meta.db_table,
            ["id", "group_id", "name", "user_data", "created"],
            [(uid(p), group.pk, f"p{start + i}", None, created) for i, p in enumerate(person_ids)],
        )
        vectors = synthetic.faces(synthetic.centers(start, stop), start)
        owners = [p for p in person_ids for _ in range(FACES_PER_PERSON)]
        insert_rows(
            PersistedFace._meta.db_table,
            ["id", "person_id", "face_list_id", "descriptor", "user_data", "rect_left",
             "rect_top", "rect_width", "rect_height", "created"],
            [
                (uid(uuid.uuid4()), uid(owner), None, vector.tobytes(), None, 0, 0, 150, 150,
                 created)
                for owner, vector in zip(owners, vectors, strict=True)
            ],
        )  # fmt: skip
    return group


def train(group: Any) -> float:
    from faceadmin.engine import training
    from faceadmin.engine.errors import LARGE_PERSON_GROUP
    from faceadmin.engine.models import Training

    started = time.perf_counter()
    training.training_start(collection=group, kind=LARGE_PERSON_GROUP)
    while True:
        row = Training.objects.get(group=group)
        if row.status in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if row.status != "succeeded":
        raise RuntimeError(f"training failed: {row.message}")
    return elapsed


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def exact_nearest(descriptors: Any, queries: Any) -> Any:
    """Row of the nearest descriptor of each query: one matrix product, as numpy does it."""
    import numpy as np

    norms = np.einsum("ij,ij->i", descriptors, descriptors)[:, None]
    step = 20  # queries at a time: (N x 20) temporaries, bounded memory at 1M faces
    return np.concatenate(
        [
            np.argmin(norms - 2.0 * (descriptors @ queries[i : i + step].T), axis=0)
            for i in range(0, len(queries), step)
        ]
    )


def probes(synthetic: Synthetic, persons: int) -> tuple[Any, Any]:
    """Probes of enrolled identities (new photos of them) and strangers."""
    import numpy as np

    rng = np.random.default_rng(99)
    picked = sorted(int(p) for p in rng.integers(0, persons, PROBES))
    chunks: dict[int, Any] = {}
    rows = []
    for person in picked:  # regenerate each probe's identity exactly as it was inserted
        start = person // CHUNK * CHUNK
        if start not in chunks:
            chunks = {start: synthetic.centers(start, min(persons, start + CHUNK))}
        rows.append(chunks[start][person - start])
    centers = np.stack(rows)
    enrolled = (centers + rng.normal(0, FACE_NOISE, centers.shape)).astype(np.float32)
    strangers = Synthetic(synthetic.seeds, STRANGERS).centers(10**9, 10**9 + STRANGERS)
    return enrolled, strangers


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def listing_ms(group: Any) -> float:
    from faceadmin.engine import groups
    from faceadmin.engine.models import Person

    middle = Person.objects.filter(group=group).order_by("id").values_list("id", flat=True)
    start = middle[Person.objects.filter(group=group).count() // 2]
    return median_ms(lambda: groups.person_list(group=group, start=start, top=1000), runs=5)


def run(sizes: Iterator[int]) -> None:
    import numpy as np

    from faceadmin.engine import index, matching, training
    from faceadmin.engine.accounts import account_create
    from faceadmin.engine.detection import detected_faces_store
    from faceadmin.engine.errors import LARGE_PERSON_GROUP

    seeds = real_descriptors()
    account, _ = account_create(name="scale")
    print(f"{len(seeds)} real descriptors from tests/data as identity seeds")
    header = (
        f"{'faces':>9} {'index':>6} {'insert s':>8} {'train s':>7} {'read s':>6} {'index MB':>8} "
        f"{'identify ms':>11} {'exact ms':>8} {'recall@1':>8} {'strangers':>9} "
        f"{'list ms':>7} {'RSS MB':>6}"
    )
    print(header)
    for faces in sizes:
        persons = faces // FACES_PER_PERSON
        synthetic = Synthetic(seeds, persons)
        started = time.perf_counter()
        group = build_group(account, f"scale-{faces}", faces, synthetic)
        insert_s = time.perf_counter() - started
        train_s = train(group)
        train_rss = rss_mb()
        trained = training.trained_index(collection=group, kind=LARGE_PERSON_GROUP)
        kind = "exact" if trained.descriptors is not None else "IVF"

        enrolled, strangers = probes(synthetic, persons)
        queries = enrolled[:10]
        face_ids = detected_faces_store(
            account=account, descriptors=list(queries), recognition_model="recognition_01",
            ttl_seconds=3600,
        )  # fmt: skip

        def identify(face_ids: list[uuid.UUID] = face_ids, group_id: str = group.group_id) -> None:
            matching.identify(
                account=account, kind=LARGE_PERSON_GROUP, group_id=group_id,
                face_ids=face_ids, max_candidates=1, threshold=0.5,
            )  # fmt: skip

        identify_ms = median_ms(identify)
        started = time.perf_counter()
        arrays = training.collection_arrays(group)
        read_s = time.perf_counter() - started
        assert arrays is not None
        labels, ids, descriptors = arrays
        exact_ms = median_ms(partial(exact_nearest, descriptors, queries), runs=5)
        truth = labels[exact_nearest(descriptors, enrolled)]
        truth_strangers = labels[exact_nearest(descriptors, strangers)]
        del arrays, descriptors
        found = [m[0].owner for m in trained.nearest(enrolled, 1)]
        found_strangers = [m[0].owner for m in trained.nearest(strangers, 1)]
        # Labels are per training run: compare the persons' ids, not the indexes.
        recall = np.mean(
            [
                trained.owner_id(f) == uuid.UUID(bytes=ids[t].tobytes())
                for f, t in zip(found, truth, strict=True)
            ]
        )
        recall_strangers = np.mean(
            [
                trained.owner_id(f) == uuid.UUID(bytes=ids[t].tobytes())
                for f, t in zip(found_strangers, truth_strangers, strict=True)
            ]
        )
        list_ms = listing_ms(group)
        print(
            f"{faces:>9,} {kind:>6} {insert_s:8.1f} {train_s:7.1f} {read_s:6.1f} "
            f"{trained.nbytes / 2**20:8.0f} {identify_ms:11.1f} {exact_ms:8.1f} "
            f"{recall:8.3f} {recall_strangers:9.2f} {list_ms:7.1f} {train_rss:6.0f}",
            flush=True,
        )
        del trained
        training._cache.clear()
    print(
        f"\nindex: exact numpy up to {index.EXACT_LIMIT:,} faces, faiss IndexIVFFlat above "
        f"({index.IVF_MAX_CELLS} cells, {index.probe_count(index.IVF_MAX_CELLS)} probed); "
        "identify = engine service for 10 query faces (no HTTP), exact = one numpy product "
        "over all faces, one BLAS thread"
    )


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or list(SIZES)
    workdir = Path(tempfile.mkdtemp(prefix="faceadmin-bench-scale-"))
    try:
        setup_django(workdir)
        run(iter(sizes))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
