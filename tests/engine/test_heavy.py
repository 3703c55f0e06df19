"""The per-process bound on CPU-heavy recognition (faceadmin/engine/heavy.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from faceadmin.engine import detection, heavy, recognition
from tests.conftest import DATA

PHOTO = (DATA / "enroll" / "kit_harington" / "2.jpg").read_bytes()


def _run_concurrently(calls: int) -> None:
    errors: list[BaseException] = []

    def enroll() -> None:
        try:
            detection.enrollment_face(image=PHOTO, target=None)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=enroll) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Counts the dlib sections running at once; each waits for `barrier` if one is set."""
    state: dict[str, Any] = {"active": 0, "peak": 0, "barrier": None, "lock": threading.Lock()}
    real = recognition.detect_faces

    def counting(*args: Any, **kwargs: Any) -> Any:
        with state["lock"]:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        try:
            if state["barrier"] is not None:
                state["barrier"].wait()
            return real(*args, **kwargs)
        finally:
            with state["lock"]:
                state["active"] -= 1

    monkeypatch.setattr(recognition, "detect_faces", counting)
    return state


def test_one_slot_runs_heavy_sections_one_at_a_time(settings: Any, sections: Any) -> None:
    settings.FACEADMIN_ENGINE_HEAVY_SLOTS = 1
    _run_concurrently(4)
    assert sections["peak"] == 1


def test_two_slots_let_two_sections_run_together(settings: Any, sections: Any) -> None:
    settings.FACEADMIN_ENGINE_HEAVY_SLOTS = 2
    # Each section waits for a second one to be inside: only two slots let them meet.
    sections["barrier"] = threading.Barrier(2, timeout=20)
    _run_concurrently(2)
    assert sections["peak"] == 2


def test_unset_slots_mean_the_cores_of_this_process(settings: Any) -> None:
    settings.FACEADMIN_ENGINE_HEAVY_SLOTS = 0
    assert heavy.slots() == heavy.cores() >= 1
