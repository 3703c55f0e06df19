"""The trained search index: exact and IVF search agree, files round-trip, and large
collections above the exact limit train, search and snapshot through the IVF index."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest
from azure.cognitiveservices.vision.face import FaceClient
from django.db import connection

from faceadmin.engine import index, training
from faceadmin.engine.accounts import account_for_key
from faceadmin.engine.models import FaceList, PersistedFace, Person, PersonGroup
from tests.engine.conftest import Api, World
from tests.engine.test_large_face_lists import copy_world_list, wait_for_list_training
from tests.engine.test_snapshots import apply, take


def clustered(persons: int, faces: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Descriptors of `persons` identities (`faces` each, like dlib's), and their labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 0.09, (persons, 128)).astype(np.float32)
    labels = np.repeat(np.arange(persons, dtype=np.int32), faces)
    rows = centers[labels] + rng.normal(0, 0.025, (len(labels), 128)).astype(np.float32)
    return rows.astype(np.float32), labels


def owner_ids(count: int) -> np.ndarray:
    raw = b"".join(uuid.uuid4().bytes for _ in range(count))
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 16)


def test_ivf_search_agrees_with_exact_search() -> None:
    descriptors, labels = clustered(3000, 2)
    ids = owner_ids(3000)
    exact = index.TrainedIndex(labels=labels, ids=ids, descriptors=descriptors)
    ivf = index.TrainedIndex(labels=labels, ids=ids, ivf=index.build_ivf(descriptors, threads=1))
    rng = np.random.default_rng(5)
    picked = rng.integers(0, 3000, 100)
    queries = (descriptors[picked * 2] + rng.normal(0, 0.02, (100, 128))).astype(np.float32)
    exact_found = exact.nearest(queries, 3)
    ivf_found = ivf.nearest(queries, 3)
    assert [m[0].owner for m in exact_found] == list(picked)
    agree = np.mean([e[0].owner == a[0].owner for e, a in zip(exact_found, ivf_found, strict=True)])
    assert agree >= 0.99
    for matches in (*exact_found, *ivf_found):
        assert len({m.owner for m in matches}) == len(matches) == 3  # distinct owners
        assert [m.distance for m in matches] == sorted(m.distance for m in matches)
    # A distance bound keeps only the owners within reach.
    bounded = ivf.nearest(queries[:5], 10, max_distance=0.6)
    assert all(len(m) >= 1 and all(x.distance <= 0.6 for x in m) for m in bounded)


def test_exact_distances_are_euclidean() -> None:
    descriptors, labels = clustered(50, 3)
    trained = index.TrainedIndex(labels=labels, ids=owner_ids(50), descriptors=descriptors)
    query = descriptors[7] + 0.01
    (matches,) = trained.nearest(query[None, :].astype(np.float32), 50)
    expected = {
        owner: float(np.linalg.norm(descriptors[labels == owner] - query, axis=1).min())
        for owner in range(50)
    }
    assert [m.owner for m in matches] == sorted(expected, key=expected.__getitem__)
    assert all(abs(m.distance - expected[m.owner]) < 1e-4 for m in matches)


def test_an_ivf_index_round_trips_through_its_files(settings: Any, tmp_path: Any) -> None:
    settings.FACEADMIN_ENGINE_DATA_DIR = tmp_path
    descriptors, labels = clustered(400, 2)
    ids = owner_ids(400)
    built = training.index_build(labels, ids, descriptors)
    assert built.descriptors is not None  # small: exact
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index, "EXACT_LIMIT", 100)
        built = training.index_build(labels, ids, descriptors)
    assert built.ivf is not None and built.descriptors is None
    path = tmp_path / "training" / "group-1-v1.npz"
    training.index_save(built, path)
    assert sorted(p.name for p in training.index_files(path)) == [
        "group-1-v1.ivf",
        "group-1-v1.npz",
    ]
    loaded = training.index_read(path)
    queries = descriptors[::97]
    assert [m[0].owner for m in loaded.nearest(queries, 1)] == [
        m[0].owner for m in built.nearest(queries, 1)
    ]
    assert loaded.ivf.ntotal == len(descriptors)


def test_a_large_list_above_the_exact_limit_trains_an_ivf_index_and_snapshots_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = world.client
    assert client is not None
    monkeypatch.setattr(index, "EXACT_LIMIT", 100)
    copied = copy_world_list(world, "gate")
    face_list = FaceList.objects.get(list_id="gate", large=True)
    noise, _ = clustered(600, 1, seed=11)
    PersistedFace.objects.bulk_create(
        PersistedFace(
            face_list=face_list,
            descriptor=(vector + 0.5).astype(np.float32).tobytes(),  # far from every real face
            rect_left=0,
            rect_top=0,
            rect_width=10,
            rect_height=10,
        )
        for vector in noise
    )
    client.large_face_list.train("gate")
    assert wait_for_list_training(client, "gate").status == "succeeded"  # type: ignore[attr-defined]
    files = list((training.matrix_path(face_list, 1)).parent.glob(f"facelist-{face_list.pk}-*"))
    assert sorted(p.suffix for p in files) == [".ivf", ".npz"]
    probe = world.faces["probe/kit_harington.jpg"][0]
    (match,) = client.face.find_similar(probe, large_face_list_id="gate")
    assert str(match.persisted_face_id) == copied["enroll/kit_harington/1.jpg"]

    account = account_for_key(world.key)
    assert account is not None
    snapshot_id = take(client, "LargeFaceList", "gate", [str(account.id)])
    assert apply(client, snapshot_id, "gate-copy").status == "succeeded"
    copy = FaceList.objects.get(list_id="gate-copy", large=True)
    files = list((training.matrix_path(copy, 1)).parent.glob(f"facelist-{copy.pk}-*"))
    assert sorted(p.suffix for p in files) == [".ivf", ".npz"]
    (match,) = client.face.find_similar(probe, large_face_list_id="gate-copy")
    assert client.large_face_list.get_face("gate-copy", match.persisted_face_id).user_data == (
        "enroll/kit_harington/1.jpg"
    )
    assert copy.faces.count() == 600 + len(copied)


def test_training_reads_descriptors_in_chunks(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "READ_CHUNK", 7)
    api.put("largepersongroups/g", json={"name": "G"})
    group = PersonGroup.objects.get(group_id="g")
    descriptors, labels = clustered(20, 3)
    persons = Person.objects.bulk_create(Person(group=group, name=f"p{i}") for i in range(20))
    PersistedFace.objects.bulk_create(
        PersistedFace(
            person=persons[label],
            descriptor=row.tobytes(),
            rect_left=0,
            rect_top=0,
            rect_width=10,
            rect_height=10,
        )
        for row, label in zip(descriptors, labels, strict=True)
    )
    arrays = training.collection_arrays(group)
    assert arrays is not None
    read_labels, ids, read = arrays
    assert read.shape == (60, 128) and ids.shape == (20, 16)
    by_person = {uuid.UUID(bytes=ids[label].tobytes()) for label in read_labels}
    assert by_person == {p.id for p in persons}
    assert sorted(map(bytes, read)) == sorted(map(bytes, descriptors))


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return " ".join(str(row[0]) for row in cursor.fetchall())


def test_listing_pages_use_the_paging_indexes(api: Api, face_client: FaceClient) -> None:
    """Person and large-list face pages are index range scans, not full scans or sorts."""
    from faceadmin.engine import facelists, groups

    face_client.large_person_group.create("g", name="G")
    face_client.large_face_list.create("l", name="L")
    group = PersonGroup.objects.get(group_id="g")
    face_list = FaceList.objects.get(list_id="l")
    start = uuid.uuid4()
    persons = groups.ordered_by_id(group.persons.all(), "id", start)[:1000]
    faces = face_list.faces.filter(id__gt=start).order_by("id").values_list("id", "user_data")
    for queryset, index_name in (
        (persons.values_list("id", "name", "user_data"), "engine_person_page"),
        (faces[:1000], "engine_face_list_page"),
    ):
        sql, params = queryset.query.sql_with_params()
        plan = _plan(sql, params)
        assert index_name in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    # The services answer with those queries.
    assert groups.person_list(group=group, start=start, top=10) == []
    assert facelists.face_list_faces_page(face_list=face_list, start=start, top=10) == []
