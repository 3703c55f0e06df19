"""Identify's search index: the Azure engine's `TrainedIndex`, kept per gallery in memory.

FindFace has no training step: a face added or removed is searchable (or gone) at once. So
the index of a gallery (or of an account's implied `default` gallery) is kept up to date per
call instead of trained: each identify reads only the gallery's face ids (8 bytes a face, one
indexed query), and when they differ from the cached ones, reads the descriptors of the new
faces only and drops the rows of the removed ones. The search itself is `TrainedIndex`'s
exact product (faceadmin.engine.index), the one person groups use, so identify no longer
reads and decodes every descriptor of the gallery per call.

The cache is per process (each web worker keeps its own, like the trained indexes), bounded
by CACHE_ENTRIES galleries and CACHE_BYTES; it is always checked against the database, so a
face changed by another process is seen on the next call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from faceadmin.engine import index as search
from faceadmin.engine.findface.models import Face, Gallery, TokenAccount
from faceadmin.engine.models import DESCRIPTOR_SIZE, descriptor_from_bytes

CACHE_ENTRIES: Final = 64
CACHE_BYTES: Final = 512 * 1024**2
READ_CHUNK: Final = 2_000

_lock = threading.Lock()
_cache: OrderedDict[tuple[str, int | None], GalleryIndex] = OrderedDict()


@dataclass(frozen=True, eq=False)
class GalleryIndex:
    """Face ids (ascending) and the index whose row i is face `face_ids[i]`."""

    face_ids: npt.NDArray[np.int64]
    trained: search.TrainedIndex

    @property
    def nbytes(self) -> int:
        return self.face_ids.nbytes + self.trained.nbytes


def _descriptors(face_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    matrix = np.empty((face_ids.shape[0], DESCRIPTOR_SIZE), dtype=np.float32)
    position = {int(face_id): row for row, face_id in enumerate(face_ids)}
    wanted = face_ids.tolist()
    for start in range(0, len(wanted), READ_CHUNK):
        chunk = wanted[start : start + READ_CHUNK]
        for face_id, data in Face.objects.filter(id__in=chunk).values_list("id", "descriptor"):
            matrix[position[face_id]] = descriptor_from_bytes(data)
    return matrix


def _build(face_ids: npt.NDArray[np.int64], previous: GalleryIndex | None) -> GalleryIndex:
    matrix = np.empty((face_ids.shape[0], DESCRIPTOR_SIZE), dtype=np.float32)
    missing = np.ones(face_ids.shape[0], dtype=bool)
    if previous is not None and previous.trained.descriptors is not None:
        kept = np.isin(face_ids, previous.face_ids, assume_unique=True)
        rows = np.searchsorted(previous.face_ids, face_ids[kept])
        matrix[kept] = previous.trained.descriptors[rows]
        missing = ~kept
    if missing.any():
        matrix[missing] = _descriptors(face_ids[missing])
    owners = np.arange(face_ids.shape[0], dtype=np.int32)
    trained = search.TrainedIndex(
        labels=owners,
        ids=face_ids.view(np.uint8).reshape(-1, 8),
        descriptors=matrix,
    )
    return GalleryIndex(face_ids=face_ids, trained=trained)


def gallery_index(account: TokenAccount, gallery: Gallery | None) -> GalleryIndex:
    """The up-to-date index of `gallery` (None: every face of the account)."""
    faces = Face.objects.filter(account=account)
    if gallery is not None:
        faces = faces.filter(galleries=gallery)
    face_ids = np.fromiter(
        faces.order_by("id").values_list("id", flat=True).iterator(chunk_size=10_000),
        dtype=np.int64,
    )
    key = (str(account.pk), None if gallery is None else int(gallery.pk))
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
    if cached is not None and np.array_equal(cached.face_ids, face_ids):
        return cached
    built = _build(face_ids, cached)
    with _lock:
        _cache[key] = built
        _cache.move_to_end(key)
        total = sum(entry.nbytes for entry in _cache.values())
        while len(_cache) > 1 and (len(_cache) > CACHE_ENTRIES or total > CACHE_BYTES):
            _, evicted = _cache.popitem(last=False)
            total -= evicted.nbytes
    return built


def clear() -> None:
    """Forget every cached gallery index (tests; the cache is only ever a shortcut)."""
    with _lock:
        _cache.clear()
