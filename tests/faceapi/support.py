"""Constants and contract files shared by the faceapi tests.

The contract is read from tests/data/contract (copied from the shared contract folder), so
the tests pass in a clone that has only the repository.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CONTRACT = Path(__file__).resolve().parent.parent / "data" / "contract"
BASE_URL = "https://westus.api.cognitive.microsoft.com/face/v1.0"
PRIMARY = "primary-7f3a9c1e5b2d4f60a8e1c3b5d7f9a0b2"
SECONDARY = "secondary-2d8e6b4a0c1f3e5d7b9a8c6e4f2d0b1a"


@cache
def contract_endpoints() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((CONTRACT / "endpoints.json").read_text()))


@cache
def example(name_or_operation_id: str) -> dict[str, Any]:
    """An example file by name ("GetSnapshot") or by the operationId it illustrates."""
    index: dict[str, str] = json.loads((CONTRACT / "examples_index.json").read_text())
    file_name = index.get(name_or_operation_id, f"{name_or_operation_id}.json")
    data: dict[str, Any] = json.loads((CONTRACT / "examples" / file_name).read_text())
    return data


def example_answer(name_or_operation_id: str) -> tuple[int, dict[str, Any]]:
    """The example's one success answer: (status, {"body": ..., "header": ...})."""
    ((status, answer),) = example(name_or_operation_id)["responses"].items()
    return int(status), answer


def example_body(name_or_operation_id: str) -> Any:
    return example_answer(name_or_operation_id)[1].get("body")


class SleepRecorder:
    """Stands in for time.sleep: remembers the delays, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
