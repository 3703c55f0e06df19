"""Run an import's per-file work in FACEADMIN_IMPORT_THREADS threads, recording here.

The engine's face detector releases the GIL, so two threads keep both cores busy, and for a
cloud tenant they overlap the network waits (the rate limit still holds: the limiter is
shared). Steps are recorded in the calling thread only, as they finish; a pause, cancel or
error stops the threads taking new files, and the files already under way finish and are
recorded before it is raised, so no enrolled photo goes unrecorded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections

from faceadmin.faceapi.transfer.sources import Entry
from faceadmin.jobs.runner import JobContext, JobInterrupted


def in_threads[R](
    ctx: JobContext,
    todo: list[tuple[str, Entry]],
    work: Callable[[Entry], R],
    record: Callable[[str, Entry, R], None],
) -> None:
    """Run `work` on each entry in FACEADMIN_IMPORT_THREADS threads; record each outcome here."""
    queue_in: queue.SimpleQueue[tuple[str, Entry]] = queue.SimpleQueue()
    for item in todo:
        queue_in.put(item)
    results: queue.SimpleQueue[tuple[str, Entry, R | None, BaseException | None]] = (
        queue.SimpleQueue()
    )
    stop = threading.Event()

    def worker() -> None:
        _work_queue(queue_in, results, stop, work)

    count = max(1, min(int(settings.FACEADMIN_IMPORT_THREADS), len(todo)))
    threads = [threading.Thread(target=worker, name=f"import-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    error: BaseException | None = None
    try:
        error = _record_results(ctx, threads, results, stop, record)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    if error is not None:
        raise error


def _work_queue[R](
    queue_in: queue.SimpleQueue[tuple[str, Entry]],
    results: queue.SimpleQueue[tuple[str, Entry, R | None, BaseException | None]],
    stop: threading.Event,
    work: Callable[[Entry], R],
) -> None:
    """One thread: take entries until none is left or `stop` is set; the first error stops."""
    try:
        while not stop.is_set():
            try:
                key, entry = queue_in.get_nowait()
            except queue.Empty:
                return
            try:
                results.put((key, entry, work(entry), None))
            except BaseException as exc:
                results.put((key, entry, None, exc))
                stop.set()
                return
    finally:
        connections.close_all()


def _record_results[R](
    ctx: JobContext,
    threads: list[threading.Thread],
    results: queue.SimpleQueue[tuple[str, Entry, R | None, BaseException | None]],
    stop: threading.Event,
    record: Callable[[str, Entry, R], None],
) -> BaseException | None:
    """Record the outcomes as they come until the threads are done; the first error."""
    error: BaseException | None = None
    while True:
        try:
            key, entry, row, exc = results.get(timeout=0.2)
        except queue.Empty:
            if not any(t.is_alive() for t in threads) and results.empty():
                break
        else:
            if exc is not None:
                error = error or exc
            elif row is not None:
                record(key, entry, row)
        if error is None:
            try:
                ctx.check_control()
            except JobInterrupted as exc:
                error = exc
        if error is not None:
            stop.set()
    return error
