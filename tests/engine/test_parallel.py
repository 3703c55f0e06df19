"""parallel.both: two pieces of one request on a spare core, never beside other work."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from faceadmin.engine.recognition import cores, parallel

ROOT = Path(__file__).resolve().parents[2]
needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core")


@needs_two_cores
def test_the_second_piece_runs_on_another_thread_when_idle() -> None:
    here = threading.get_ident()

    first, second = parallel.both(threading.get_ident, threading.get_ident)

    assert first == here
    assert second != here


def test_beside_another_detection_both_run_in_the_callers_thread() -> None:
    here = threading.get_ident()

    with parallel.busy():
        first, second = parallel.both(threading.get_ident, threading.get_ident)

    assert (first, second) == (here, here)


def test_the_first_error_wins_as_in_a_sequential_run() -> None:
    def fails(message: str) -> int:
        raise ValueError(message)

    with pytest.raises(ValueError, match="first"):
        parallel.both(lambda: fails("first"), lambda: fails("second"))
    with pytest.raises(ValueError, match="second"):
        parallel.both(lambda: 1, lambda: fails("second"))
    assert parallel.both(lambda: 1, lambda: "two") == (1, "two")


_HOLD_SLOTS = """
import sys, time
from faceadmin.engine.recognition import cores
held = [cores.machine.take() for _ in range(cores.SLOTS - 1)]
print(sum(slot is not None for slot in held), flush=True)
time.sleep(60)
"""


@needs_two_cores
def test_detections_in_another_process_keep_a_request_on_one_core() -> None:
    """What a gunicorn worker sees of another's: the other cores are busy, no extra thread."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_SLOTS], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert child.stdout is not None
        assert int(child.stdout.readline()) == cores.SLOTS - 1  # all but one core taken
        # This request's detection takes the last slot: none is left for a second thread.
        with parallel.busy(), parallel.spare_core(beside=1) as spare:
            assert spare is False
    finally:
        child.kill()
        child.wait()
    # The kernel dropped the dead process's slots.
    with parallel.busy(), parallel.spare_core(beside=1) as spare:
        assert spare is True
