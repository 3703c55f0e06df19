"""The engine runs on dlib built with BLAS, and every OpenBLAS in the process keeps to the
configured thread count (one per call by default)."""

from __future__ import annotations

import ctypes
import os

import dlib
import pytest

from faceadmin.engine.blas import dlib_openblas, limit_blas_threads


def test_dlib_is_the_blas_build() -> None:
    # dlib-bin (no BLAS) computes descriptors ~5x slower; `make install` builds this one.
    assert dlib.DLIB_USE_BLAS is True
    assert dlib.DLIB_USE_LAPACK is True


def test_dlibs_openblas_keeps_to_the_configured_threads() -> None:
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        pytest.skip("OPENBLAS_NUM_THREADS decides here")
    libraries = dlib_openblas()
    assert libraries, "dlib links no OpenBLAS"
    handle = ctypes.CDLL(str(libraries[0]))
    try:
        assert limit_blas_threads(2)
        assert handle.openblas_get_num_threads() == min(2, os.cpu_count() or 1)
        assert limit_blas_threads(1)
        assert handle.openblas_get_num_threads() == 1
    finally:
        limit_blas_threads(1)
