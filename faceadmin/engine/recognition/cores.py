"""The machine's cores, as every process of this server sees them: one lock file per core.

Gunicorn runs several worker processes, and each decides alone whether a request may add a
thread (`parallel.spare_core`). So that two workers never both add one while the cores are
busy, a detection holds a core slot (an exclusive `flock` on one of `cpu_count` files) for as
long as it runs, and a request takes a second slot before it adds a thread. Slots never make
anything wait: a detection that finds none free runs anyway; a request that finds none free
for its extra thread stays on one core. The kernel drops a dead process's locks.

The files live in ``$FACEADMIN_CORE_SLOTS`` (default: ``<tmp>/faceadmin-cores-<uid>``). When
they cannot be created, no slot is ever free: requests stay on one core.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)

SLOTS = os.cpu_count() or 1


def slots_dir() -> Path:
    configured = os.environ.get("FACEADMIN_CORE_SLOTS")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"faceadmin-cores-{os.getuid()}"


class CoreSlots:
    """The slot files, opened once per process (again after a fork: locks belong to open
    files, which a forked child shares with its parent)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fds: list[int] = []
        self._pid = 0
        self._held: set[int] = set()
        self._broken = False

    def _files(self) -> list[int]:
        if self._pid != os.getpid():
            self._fds, self._held, self._pid = [], set(), os.getpid()
            try:
                folder = slots_dir()
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._fds = [
                    os.open(folder / f"core-{i}", os.O_RDWR | os.O_CREAT, 0o600)
                    for i in range(SLOTS)
                ]
            except OSError as exc:
                if not self._broken:
                    log.warning("core slots unavailable (%s): one core per request", exc)
                self._broken = True
        return self._fds

    def take(self) -> int | None:
        """A free slot, now held by the caller; None when every slot is taken."""
        with self._lock:
            for slot, fd in enumerate(self._files()):
                if slot in self._held:
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # held by another process (BlockingIOError) or unusable
                    continue
                self._held.add(slot)
                return slot
        return None

    def give_back(self, slot: int) -> None:
        with self._lock:
            if slot in self._held and self._pid == os.getpid():
                fcntl.flock(self._fds[slot], fcntl.LOCK_UN)
                self._held.discard(slot)


machine = CoreSlots()
