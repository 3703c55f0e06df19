"""parallel.both: two pieces of one request on a spare core, never beside other work."""

from __future__ import annotations

import os
import threading

import pytest

from faceadmin.engine.recognition import parallel

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
