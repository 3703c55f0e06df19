"""Two independent pieces of one request on two cores, without oversubscribing.

dlib's HOG detector releases the GIL (models.py), so two photos of one request (FindFace's
verify: photo1 and photo2) can be read, decoded and scanned at once on a 2-core machine. The
second piece runs on a spare core only when one is free: a process-wide semaphore holds
cpu_count - 1 spare cores, and a request goes parallel only while no other detection runs in
this process (`busy` counts them); otherwise both pieces run one after the other in the
caller's thread, as before. Each piece keeps one BLAS thread (blas.py), so a parallel request
uses at most two threads. Worker processes see each other through the machine's core slots
(`cores`): a detection holds one, and a request adds a thread only when another is free.

One large photo's HOG scan splits over pyramid levels the same way (`hog`, from inside its own
detection: ``spare_core(beside=1)``). Measured and left out (issue 16): two OpenBLAS threads
in a descriptor call were 2x slower, not faster, while the machine was shared.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from .cores import machine

_SPARE_CORES = max(0, (os.cpu_count() or 1) - 1)
_spare = threading.Semaphore(_SPARE_CORES)
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_active = 0
_active_lock = threading.Lock()


@contextmanager
def busy() -> Iterator[None]:
    """Mark one detection in flight in this process, holding a machine core slot if one is
    free (`cores`: what the server's other processes see)."""
    global _active
    with _active_lock:
        _active += 1
    slot = machine.take()
    try:
        yield
    finally:
        if slot is not None:
            machine.give_back(slot)
        with _active_lock:
            _active -= 1


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=max(1, _SPARE_CORES), thread_name_prefix="faceadmin-recognition"
            )
        return _executor


@contextmanager
def spare_core(*, beside: int = 0) -> Iterator[bool]:
    """True, holding a spare core, while no detection runs in this process other than the
    caller's own ``beside`` ones and a core slot of the machine is free (no other process's
    detection holds it); False otherwise (work in the caller's thread only)."""
    with _active_lock:
        idle = _active <= beside
    if not idle or not _spare.acquire(blocking=False):
        yield False
        return
    try:
        slot = machine.take()
        if slot is None:
            yield False
            return
        try:
            yield True
        finally:
            machine.give_back(slot)
    finally:
        _spare.release()


def pair[A, B](first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """(first(), second()), ``second`` on the pool's thread: only while holding a spare core.

    An exception of `first` wins over one of `second`, as when they run one after the other.
    """
    future = _pool().submit(second)
    try:
        a = first()
    except BaseException:
        future.exception()  # wait for it; its own error, if any, loses to ours
        raise
    return a, future.result()


def both[A, B](first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """(first(), second()), in parallel when a core is spare; errors as if run in order."""
    with spare_core() as spare:
        if not spare:
            return first(), second()
        return pair(first, second)
