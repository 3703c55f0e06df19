"""Keep OpenBLAS to one thread per call (FACEADMIN_ENGINE_BLAS_THREADS).

The engine's matrix products are small (a query against at most a few hundred thousand
descriptors) and a web server already runs requests in parallel, so OpenBLAS's default of
one thread per core only oversubscribes the CPU: measured on 2 busy cores, identify
against 10,000 persons took 16 ms median / 30 ms p90 with two BLAS threads and 5 ms / 7 ms
with one. OPENBLAS_NUM_THREADS in the environment, when set, is left alone. This is
what threadpoolctl does, without the dependency: call the setter of the OpenBLAS that
numpy's wheel bundles, and of the system OpenBLAS that dlib (built from source, see the
README) links, which would otherwise start one thread per core in every descriptor call.
"""

from __future__ import annotations

import ctypes
import logging
import os
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def limit_blas_threads(count: int) -> bool:
    """Set numpy's OpenBLAS thread count; False if the environment decides or none is found."""
    if os.environ.get("OPENBLAS_NUM_THREADS") or count < 1:
        return False
    site = Path(np.__file__).resolve().parent.parent
    libraries = sorted((site / "numpy.libs").glob("lib*openblas*.so*")) + dlib_openblas()
    found = False
    for library in libraries:
        try:
            handle = ctypes.CDLL(str(library))
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(handle, name, None)
            if setter is not None:
                setter(ctypes.c_int(count))
                found = True
                break
    if not found:
        logger.info("engine: no OpenBLAS found; BLAS threads left at their default")
    return found


def dlib_openblas() -> list[Path]:
    """The OpenBLAS libraries loaded with dlib (none for a dlib built without BLAS)."""
    import dlib  # noqa: F401 - loads its BLAS, if it links one

    maps = Path("/proc/self/maps")
    if not maps.exists():  # pragma: no cover - Linux only
        return []
    paths = {
        Path(line.split(maxsplit=5)[5])
        for line in maps.read_text().splitlines()
        if "openblas" in line and len(line.split(maxsplit=5)) == 6
    }
    return sorted(path for path in paths if "numpy.libs" not in path.parts)
