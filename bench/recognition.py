"""Recognition core: this project's dlib (source, OpenBLAS) side by side with dlib-bin.

Run: .venv/bin/python bench/recognition.py

The dlib-bin side runs in a worker process in a throw-away venv (bench/_dlibbin.py, created
on first use). Both sides run the same jobs (`_dlibbin.core_jobs`), alternating run by run,
so that load from other processes hits both; each row is the median of RUNS runs. Then both
sides detect every face of tests/data and ../shared/faces: faces found and rectangles must be
the same, and the pairwise descriptor distances (what verify compares) must agree. Never
asserts on time.

Targets (issue 16): descriptor <= 20 ms per face alone, <= 15 ms per face in a batch of 8.
"""

from __future__ import annotations

import itertools
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _dlibbin

RUNS = 7
TIMED = {
    "descriptor x1": (1, "<= 20 ms/face"),
    "descriptors x8 (batch)": (8, "<= 15 ms/face"),
    "HOG 1920x1080, upsample 1": (1, ""),
    "engine core, 640x360": (1, ""),
    "engine core, 1920x1080": (1, ""),
    "2 photos 640x360, in order": (1, ""),
    "2 photos 640x360, parallel.both": (1, "(FindFace verify)"),
}


def main() -> None:
    jobs = _dlibbin.core_jobs()
    worker = _dlibbin.Worker("core")
    try:
        compare(jobs, worker)
    finally:
        worker.close()


def compare(jobs: dict[str, Any], worker: _dlibbin.Worker) -> None:
    print(f"dlib-bin:   {worker.hello['dlib']}")
    print(f"this build: {_dlibbin.dlib_summary()}")
    print(f"\nmedian of {RUNS} interleaved runs, ms (per face where a batch)")
    print(f"{'measure':30} {'dlib-bin':>9} {'this':>8} {'speedup':>8}  target")
    for name, (per, target) in TIMED.items():
        ours, theirs = [], []
        jobs[name](), worker.run(name)  # warm up both
        for _ in range(RUNS):
            ours.append(_dlibbin.timed(jobs[name])["ms"])
            theirs.append(worker.run(name)["ms"])
        mine, bin_ms = statistics.median(ours) / per, statistics.median(theirs) / per
        print(f"{name:30} {bin_ms:9.1f} {mine:8.1f} {bin_ms / mine:7.2f}x  {target}")

    print("\nevery face of tests/data and ../shared/faces, both builds:")
    photos = [name for name in jobs if name.startswith("faces ")]
    lost = moved = 0
    ours_all: list[list[float]] = []
    theirs_all: list[list[float]] = []
    component = 0.0
    for name in photos:
        mine = jobs[name]()
        theirs = worker.run(name)["result"]
        if len(mine) != len(theirs):
            lost += 1
            print(f"  DIFFERENT FACE COUNT {name}: {len(theirs)} -> {len(mine)}")
            continue
        for a, b in zip(mine, theirs, strict=True):
            if a["rect"] != b["rect"]:
                moved += 1
                print(f"  DIFFERENT RECTANGLE {name}: {b['rect']} -> {a['rect']}")
            ours_all.append(a["descriptor"])
            theirs_all.append(b["descriptor"])
            pairs = zip(a["descriptor"], b["descriptor"], strict=True)
            component = max(component, max(abs(x - y) for x, y in pairs))
    distance_change = 0.0
    for i, j in itertools.combinations(range(len(ours_all)), 2):
        mine_d = _distance(ours_all[i], ours_all[j])
        theirs_d = _distance(theirs_all[i], theirs_all[j])
        distance_change = max(distance_change, abs(mine_d - theirs_d))
    print(
        f"  {len(photos)} photos, {len(ours_all)} faces; face counts differing: {lost}, "
        f"rectangles differing: {moved}"
    )
    print(
        f"  descriptor components differ by <= {component:.2e}; pairwise distances "
        f"({len(ours_all) * (len(ours_all) - 1) // 2} pairs) by <= {distance_change:.2e} "
        "(target <= 1e-5)"
    )


def _distance(a: list[float], b: list[float]) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


if __name__ == "__main__":
    main()
