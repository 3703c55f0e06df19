"""Identify, verify, find similar and group: comparing descriptors.

Distances are Euclidean between dlib descriptors; `recognition.distance_to_confidence`
maps them to Azure's confidence so that confidence 0.5 is dlib's 0.6 distance rule.
A person's score is its best face (smallest distance).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from faceadmin.engine import errors, facelists, groups, recognition, training
from faceadmin.engine.detection import QueryFace, detected_faces_get
from faceadmin.engine.errors import Kind
from faceadmin.engine.models import Account, FaceList, descriptor_from_bytes

IDENTICAL_CONFIDENCE = 0.5


def confidence(distances: np.ndarray) -> np.ndarray:
    return np.asarray(recognition.distance_to_confidence(distances), dtype=np.float64)


def squared_distances(
    matrix: np.ndarray, queries: np.ndarray, row_norms: np.ndarray | None = None
) -> np.ndarray:
    """(N, k) squared distances between N rows and k queries, via one matrix product."""
    if row_norms is None:
        row_norms = np.einsum("ij,ij->i", matrix, matrix)
    cols = np.einsum("ij,ij->i", queries, queries)[None, :]
    return np.maximum(row_norms[:, None] + cols - 2.0 * (matrix @ queries.T), 0.0)


def _check_models(faces: Sequence[QueryFace], model: str | None = None) -> None:
    models = {face.recognition_model for face in faces}
    if model is not None:
        models.add(model)
    if len(models) > 1:
        raise errors.incompatible_recognition_model()


# --- identify ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person_id: uuid.UUID
    confidence: float


def identify(
    *,
    account: Account,
    kind: Kind,
    group_id: str,
    face_ids: list[uuid.UUID],
    max_candidates: int,
    threshold: float,
) -> list[tuple[uuid.UUID, list[Candidate]]]:
    group = groups.group_get(account=account, kind=kind, group_id=group_id, status=400)
    faces = detected_faces_get(account=account, face_ids=face_ids)
    _check_models(list(faces.values()), group.recognition_model)
    trained = training.trained_index(collection=group, kind=kind)
    queries = np.stack([faces[face_id].descriptor for face_id in face_ids])
    nearest = trained.nearest(queries, max_candidates, _distance_bound(threshold))
    results = []
    for face_id, matches in zip(face_ids, nearest, strict=True):
        distances = np.array([m.distance for m in matches], dtype=np.float64)
        scores = confidence(distances)  # monotone: only the nearest need mapping
        candidates = [
            Candidate(trained.owner_id(m.owner), round(float(score), 5))
            for m, score in zip(matches, scores, strict=True)
            if score >= threshold
        ]
        results.append((face_id, candidates))
    return results


def _distance_bound(threshold: float) -> float:
    """The largest distance whose confidence may still reach `threshold` (with slack)."""
    return recognition.confidence_to_distance(threshold) * (1 + 1e-6)


# --- verify -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    is_identical: bool
    confidence: float


def _verification(distance: float) -> Verification:
    score = round(float(confidence(np.asarray(distance))), 5)
    return Verification(is_identical=score >= IDENTICAL_CONFIDENCE, confidence=score)


def verify_faces(*, account: Account, face_id1: uuid.UUID, face_id2: uuid.UUID) -> Verification:
    faces = detected_faces_get(account=account, face_ids=[face_id1, face_id2])
    first, second = faces[face_id1], faces[face_id2]
    _check_models([first, second])
    return _verification(float(np.linalg.norm(first.descriptor - second.descriptor)))


def verify_person(
    *, account: Account, kind: Kind, group_id: str, person_id: uuid.UUID, face_id: uuid.UUID
) -> Verification:
    group = groups.group_get(account=account, kind=kind, group_id=group_id, status=400)
    person = groups.person_get(group=group, person_id=str(person_id), status=400)
    face = detected_faces_get(account=account, face_ids=[face_id])[face_id]
    _check_models([face], group.recognition_model)
    blobs = list(person.faces.values_list("descriptor", flat=True))
    if not blobs:
        raise errors.persisted_face_not_found(message="No persisted face of the person is found.")
    descriptors = np.stack([descriptor_from_bytes(blob) for blob in blobs])
    return _verification(float(np.linalg.norm(descriptors - face.descriptor, axis=1).min()))


# --- find similar -----------------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    face_id: uuid.UUID
    confidence: float
    persisted: bool  # a face list's persistedFaceId rather than a detected faceId


def find_similar(
    *,
    account: Account,
    face_id: uuid.UUID,
    candidates: list[uuid.UUID] | None,
    face_list: tuple[Kind, str] | None,
    max_candidates: int,
    match_person: bool,
) -> list[Similar]:
    query = detected_faces_get(account=account, face_ids=[face_id])[face_id]
    if candidates is not None:
        found = detected_faces_get(account=account, face_ids=candidates)
        ids = list(dict.fromkeys(candidates))
        _check_models([query, *found.values()])
        descriptors = np.stack([found[i].descriptor for i in ids])
        persisted = False
    else:
        assert face_list is not None
        kind, list_id = face_list
        collection = facelists.face_list_get(
            account=account, kind=kind, list_id=list_id, status=400
        )
        _check_models([query], collection.recognition_model)
        if kind.large:
            return _find_similar_trained(collection, kind, query, max_candidates, match_person)
        rows = list(collection.faces.order_by("id").values_list("id", "descriptor"))
        if not rows:
            raise errors.EngineError(400, "FaceListNotReady", "Face list is empty.")
        ids = [row[0] for row in rows]
        descriptors = np.stack([descriptor_from_bytes(row[1]) for row in rows])
        persisted = True
    distances = np.linalg.norm(descriptors - query.descriptor, axis=1)
    scores = confidence(distances)
    order = np.argsort(-scores, kind="stable")
    if match_person:
        order = order[scores[order] >= IDENTICAL_CONFIDENCE]
    return [Similar(ids[i], round(float(scores[i]), 5), persisted) for i in order[:max_candidates]]


def _find_similar_trained(
    collection: FaceList, kind: Kind, query: QueryFace, max_candidates: int, match_person: bool
) -> list[Similar]:
    """A large face list, searched through its last successful training."""
    trained = training.trained_index(collection=collection, kind=kind)
    bound = _distance_bound(IDENTICAL_CONFIDENCE) if match_person else math.inf
    matches = trained.nearest(query.descriptor[None, :], max_candidates, bound)[0]
    scores = confidence(np.array([m.distance for m in matches], dtype=np.float64))
    return [
        Similar(trained.owner_id(m.owner), round(float(score), 5), True)
        for m, score in zip(matches, scores, strict=True)
        if not match_person or score >= IDENTICAL_CONFIDENCE
    ]


# --- group ------------------------------------------------------------------------------


def cluster(descriptors: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering: merge while clusters are closer than
    `threshold` on average. Returns clusters of row indices, each in input order."""
    n = len(descriptors)
    distance = np.sqrt(
        squared_distances(descriptors.astype(np.float64), descriptors.astype(np.float64))
    )
    np.fill_diagonal(distance, np.inf)
    members = [[i] for i in range(n)]
    sizes = np.ones(n)
    while n > 1:
        flat = int(np.argmin(distance))
        i, j = divmod(flat, len(descriptors))
        if distance[i, j] >= threshold:
            break
        i, j = min(i, j), max(i, j)
        merged = (sizes[i] * distance[i] + sizes[j] * distance[j]) / (sizes[i] + sizes[j])
        distance[i, :] = merged
        distance[:, i] = merged
        distance[i, i] = np.inf
        distance[j, :] = np.inf
        distance[:, j] = np.inf
        members[i].extend(members[j])
        members[j] = []
        sizes[i] += sizes[j]
    return [sorted(group) for group in members if group]


def group_faces(
    *, account: Account, face_ids: list[uuid.UUID]
) -> tuple[list[list[uuid.UUID]], list[uuid.UUID]]:
    """Groups of similar faces (largest first) and the faces similar to none."""
    ids = list(dict.fromkeys(face_ids))
    faces = detected_faces_get(account=account, face_ids=ids)
    _check_models(list(faces.values()))
    descriptors = np.stack([faces[i].descriptor for i in ids])
    clusters = cluster(descriptors, recognition.MATCH_DISTANCE)
    found = sorted((c for c in clusters if len(c) > 1), key=lambda c: (-len(c), c[0]))
    messy = sorted(c[0] for c in clusters if len(c) == 1)
    return [[ids[i] for i in c] for c in found], [ids[i] for i in messy]
