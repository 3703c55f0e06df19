"""Search over trained descriptors: exact (numpy) up to EXACT_LIMIT rows, IVF (faiss) above.

Measured on this project's 2-core machine (bench/scale.py): an exact search of 10 query
faces against 1,000,000 float32 descriptors is one (1M x 128) @ (128 x 10) product, about
170 ms with one BLAS thread, memory-bound; an inverted-file index (faiss IndexIVFFlat,
1,024 k-means cells, 64 probed) answers the same in ~30 ms with recall@1 1.0 against exact
search on the benchmark's data, and builds in ~10 s. Below EXACT_LIMIT rows the exact
product is fast enough (< 35 ms for 10 faces) and always right, so it is used there.

Rows belong to owners (persons of a group; for a face list, each face is its own owner):
`labels[row]` indexes `ids`, the owners' UUID bytes. A search answers, per query, the
nearest owners with the distance of their nearest row.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

EXACT_LIMIT = 200_000
IVF_MAX_CELLS = 1024
IVF_TRAINING_POINTS_PER_CELL = 40
IVF_KMEANS_ITERATIONS = 10
IVF_PROBED_FRACTION = 16  # probe 1/16 of the cells (64 of 1,024)
IVF_MIN_PROBES = 16


def faiss_module() -> Any:
    import faiss  # a large extension module: imported only when an IVF index is used

    return faiss


def cell_count(rows: int) -> int:
    return int(min(IVF_MAX_CELLS, max(64, round(math.sqrt(rows)))))


def probe_count(cells: int) -> int:
    return min(cells, max(IVF_MIN_PROBES, cells // IVF_PROBED_FRACTION))


def build_ivf(descriptors: npt.NDArray[np.float32], *, threads: int | None = None) -> Any:
    """An IndexIVFFlat over `descriptors` (row i gets id i)."""
    faiss = faiss_module()
    faiss.omp_set_num_threads(threads or os.cpu_count() or 1)
    rows = descriptors.shape[0]
    cells = cell_count(rows)
    quantizer = faiss.IndexFlatL2(descriptors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, descriptors.shape[1], cells)
    index.cp.niter = IVF_KMEANS_ITERATIONS
    index.cp.seed = 1234
    wanted = min(rows, cells * IVF_TRAINING_POINTS_PER_CELL)
    sample = np.random.default_rng(1234).choice(rows, wanted, replace=False)
    sample.sort()
    index.train(np.ascontiguousarray(descriptors[sample]))
    step = 100_000
    for start in range(0, rows, step):
        index.add(np.ascontiguousarray(descriptors[start : start + step]))
    index.nprobe = probe_count(cells)
    return index


def write_ivf(index: Any, path: Path) -> None:
    faiss_module().write_index(index, str(path))


def read_ivf(path: Path) -> Any:
    return faiss_module().read_index(str(path))


@dataclass(frozen=True)
class Match:
    owner: int  # index into ids
    distance: float


@dataclass(frozen=True, eq=False)
class TrainedIndex:
    """What a successful training leaves: owners' ids and the searchable rows."""

    labels: npt.NDArray[np.int32]  # (N,) owner of each row; sorted when `descriptors` is set
    ids: npt.NDArray[np.uint8]  # (P, 16) owners' UUID bytes
    descriptors: npt.NDArray[np.float32] | None = None  # (N, 128), exact search
    ivf: Any = None  # faiss index, approximate search
    search_threads: int = 1

    @property
    def rows(self) -> int:
        return int(self.labels.shape[0])

    @cached_property
    def nbytes(self) -> int:
        size = self.labels.nbytes + self.ids.nbytes
        if self.descriptors is not None:
            size += self.descriptors.nbytes
        if self.ivf is not None:
            size += self.ivf.ntotal * (self.ivf.d * 4 + 8) + self.ivf.nlist * self.ivf.d * 4
        return size

    @cached_property
    def _starts(self) -> npt.NDArray[np.intp]:
        """Index of each owner's first row, for np.minimum.reduceat."""
        return np.flatnonzero(np.r_[True, self.labels[1:] != self.labels[:-1]])

    @cached_property
    def _squared_norms(self) -> npt.NDArray[np.float32]:
        assert self.descriptors is not None
        return np.einsum("ij,ij->i", self.descriptors, self.descriptors)

    def owner_id(self, owner: int) -> uuid.UUID:
        return uuid.UUID(bytes=self.ids[owner].tobytes())

    def nearest(
        self, queries: npt.NDArray[np.float32], count: int, max_distance: float = math.inf
    ) -> list[list[Match]]:
        """Per query, up to `count` owners nearest first, no farther than `max_distance`."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if self.descriptors is not None:
            return self._nearest_exact(queries, count, max_distance)
        return self._nearest_ivf(queries, count, max_distance)

    def _nearest_exact(
        self, queries: npt.NDArray[np.float32], count: int, max_distance: float
    ) -> list[list[Match]]:
        assert self.descriptors is not None
        # |row - q|^2 = |row|^2 - 2 row.q + |q|^2; the |q|^2 term is the same for every row
        # of a query, so it is added after the per-owner minimum, and square roots are
        # only taken of the few distances returned.
        partial = self.descriptors @ queries.T  # (N, k)
        partial *= -2.0
        partial += self._squared_norms[:, None]
        per_owner = np.minimum.reduceat(partial, self._starts, axis=0)  # (P', k)
        per_owner += np.einsum("ij,ij->i", queries, queries)[None, :]
        owners = self.labels[self._starts]
        count = min(count, per_owner.shape[0])
        results = []
        for column in range(queries.shape[0]):
            squared = per_owner[:, column]
            best = np.argpartition(squared, count - 1)[:count]
            best = best[np.argsort(squared[best], kind="stable")]
            distances = np.sqrt(np.maximum(squared[best], 0.0))
            results.append(
                [
                    Match(int(owners[i]), float(d))
                    for i, d in zip(best, distances, strict=True)
                    if d <= max_distance
                ]
            )
        return results

    def _nearest_ivf(
        self, queries: npt.NDArray[np.float32], count: int, max_distance: float
    ) -> list[list[Match]]:
        faiss_module().omp_set_num_threads(self.search_threads)
        # An owner may have many rows among the nearest: ask for more rows than owners and
        # widen the search while a query still lacks owners within reach.
        k = min(self.rows, max(2 * count + 8, 32))
        while True:
            squared, rows = self.ivf.search(queries, k)
            results, complete = [], True
            for q in range(queries.shape[0]):
                matches: list[Match] = []
                seen: set[int] = set()
                last = math.inf
                for distance2, row in zip(squared[q], rows[q], strict=True):
                    if row < 0:
                        break
                    last = math.sqrt(max(float(distance2), 0.0))
                    owner = int(self.labels[row])
                    if owner in seen or last > max_distance:
                        continue
                    seen.add(owner)
                    matches.append(Match(owner, last))
                    if len(matches) == count:
                        break
                found_all = len(matches) == count or last > max_distance or rows[q][-1] < 0
                complete = complete and found_all
                results.append(matches)
            if complete or k >= self.rows or k >= 8192:
                return results
            k = min(self.rows, k * 4)
