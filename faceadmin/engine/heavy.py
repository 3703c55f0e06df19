"""A per-process bound on CPU-heavy recognition, so cheap calls keep their latency under load.

Decoding a photo, HOG detection, shape prediction and descriptors (detect, add-face, the
FindFace facade's photos) and building an index (training) each take a core for 100 ms to
seconds; identify, lists and dashboard pages take milliseconds. dlib releases the GIL, so
without a bound 16 request threads per process would run 16 detections on 2 cores at once,
and the operating system would share the cores evenly between them and the one identify
that arrived in between: identify p95 went to 6 s under a 60/40 identify/add-face mix.

With `heavy_work()` around every heavy section, at most FACEADMIN_ENGINE_HEAVY_SLOTS of them
run at once per process; the other heavy requests wait their turn (in arrival order, on a
semaphore), and cheap requests never wait. gunicorn.conf.py sets the slots to the cores
divided by its workers; elsewhere (runserver, a job worker) the default is the cores. The
bound is a count of concurrent sections, not a rate: it does not assume how fast dlib is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_lock = threading.Lock()
_semaphore: tuple[int, threading.BoundedSemaphore] | None = None


def cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def slots() -> int:
    configured = int(settings.FACEADMIN_ENGINE_HEAVY_SLOTS or 0)
    return configured if configured > 0 else cores()


def _get() -> threading.BoundedSemaphore:
    global _semaphore
    wanted = slots()
    with _lock:
        if _semaphore is None or _semaphore[0] != wanted:
            # A changed setting (tests override it) takes effect for new sections.
            _semaphore = (wanted, threading.BoundedSemaphore(wanted))
        return _semaphore[1]


@contextmanager
def heavy_work() -> Iterator[None]:
    """Hold one of this process's heavy-work slots for the duration of the block."""
    semaphore = _get()
    with semaphore:
        yield
