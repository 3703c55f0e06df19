"""Background jobs of the engine (trainings, snapshot operations): threads, heartbeats, orphans.

A job is a database row with `status` (notstarted / running / succeeded / failed), `worker`
(the boot id of the process running it) and `heartbeat`. `job_start` registers the row as
live in this process and runs the work in a daemon thread; one heartbeat thread per process
refreshes `heartbeat` of every live row every few seconds. A row is an orphan, left by a
process that died or by a thread that ended without recording an outcome, when it is
active and either its worker is this process but no longer runs it, or its heartbeat is
older than FACEADMIN_ENGINE_TRAINING_STALE_SECONDS. Whoever reads an orphan marks it
`failed` with a message, so no status ever stays `running` after a restart.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

logger = logging.getLogger(__name__)

NOTSTARTED = "notstarted"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
ACTIVE = (NOTSTARTED, RUNNING)

_boot: tuple[int, str] | None = None
_live_lock = threading.Lock()
# (model, pk) -> version, for the jobs this process runs.
_live: dict[tuple[type[models.Model], Any], int] = {}
_heartbeat_thread: threading.Thread | None = None


def boot_id() -> str:
    """This process's id in a job's `worker`; a forked child gets its own."""
    global _boot
    pid = os.getpid()
    if _boot is None or _boot[0] != pid:
        _boot = (pid, f"{pid}-{uuid.uuid4().hex[:16]}")
    return _boot[1]


def stale_after() -> timedelta:
    return timedelta(seconds=float(settings.FACEADMIN_ENGINE_TRAINING_STALE_SECONDS))


def _heartbeat_every() -> float:
    return max(min(5.0, stale_after().total_seconds() / 4), 0.05)


def is_orphan(row: models.Model, version: int = 0) -> bool:
    """True when an active row has nobody running it any more."""
    job: Any = row  # a model with status / worker / heartbeat fields
    if job.status not in ACTIVE:
        return False
    if job.worker == boot_id():
        with _live_lock:
            return _live.get((type(row), row.pk)) != version
    heartbeat: datetime | None = job.heartbeat
    return heartbeat is None or heartbeat < timezone.now() - stale_after()


# --- threads and their database connection ---------------------------------------------------


def connection_to_share() -> BaseDatabaseWrapper | None:
    # An in-memory SQLite database (the test database) exists only inside the connection
    # that created it; Django's live server hands that connection to its threads, and so
    # do we. Every real database gets a fresh connection per thread.
    connection = connections["default"]
    in_memory = getattr(connection, "is_in_memory_db", None)
    if connection.vendor == "sqlite" and in_memory is not None and in_memory():
        return connection
    return None


@contextmanager
def thread_database(override: BaseDatabaseWrapper | None) -> Iterator[None]:
    if override is not None:
        connections["default"] = override
        override.inc_thread_sharing()
        try:
            yield
        finally:
            override.dec_thread_sharing()
        return
    try:
        yield
    finally:
        connections.close_all()


def job_start(
    row: models.Model,
    version: int,
    work: Callable[[], None],
    *,
    name: str,
    on_error: Callable[[], object],
) -> None:
    """Run `work` in a daemon thread, with `row` heartbeated while it runs.

    `on_error` records a failure when `work` raises; the row stops being live when the
    thread ends, so a run that forgot to record its outcome reads as interrupted.
    """
    override = connection_to_share()
    key = (type(row), row.pk)
    with _live_lock:
        _live[key] = version
        _ensure_heartbeat(override)

    def run() -> None:
        with thread_database(override):
            try:
                work()
            except Exception:
                logger.exception("engine: background job %s failed", name)
                try:
                    on_error()
                except Exception:
                    logger.exception("engine: could not record the failure of %s", name)
            finally:
                with _live_lock:
                    if _live.get(key) == version:
                        del _live[key]

    threading.Thread(target=run, name=name, daemon=True).start()


def _ensure_heartbeat(override: BaseDatabaseWrapper | None) -> None:
    """Start the heartbeat thread if it is not running. Call with _live_lock held."""
    global _heartbeat_thread
    if _heartbeat_thread is not None and _heartbeat_thread.is_alive():
        return
    _heartbeat_thread = threading.Thread(
        target=_heartbeat, args=(override,), name="engine-jobs-heartbeat", daemon=True
    )
    _heartbeat_thread.start()


def _heartbeat(override: BaseDatabaseWrapper | None) -> None:
    global _heartbeat_thread
    with thread_database(override):
        while True:
            time.sleep(_heartbeat_every())
            with _live_lock:
                if not _live:
                    _heartbeat_thread = None
                    return
                by_model: dict[type[models.Model], list[Any]] = {}
                for model, pk in _live:
                    by_model.setdefault(model, []).append(pk)
            for model, pks in by_model.items():
                try:
                    model._default_manager.filter(
                        pk__in=pks, worker=boot_id(), status__in=ACTIVE
                    ).update(heartbeat=timezone.now())
                except Exception:
                    logger.exception("engine: heartbeat of %s failed", model.__name__)
