"""Engine detect + descriptors against raw dlib doing the same work.

Run: .venv/bin/python bench/recognition.py

Both sides start from the encoded bytes and end with 128-d descriptors of every face:
decode to RGB, HOG detection with one upsample, 68-point shapes, one batched descriptor call.
"Raw dlib (same work)" applies the engine's detection scale too (images over the 1.5 Mpx
budget are shrunk before the HOG scan), so the ratio measures the engine's overhead only; the
1080p photo also gets a row for raw dlib at full resolution, the naive alternative the
policy replaces. Raw and engine runs alternate, and each prints the median of N runs
(other processes share the machine); never asserts on time.
"""

from __future__ import annotations

import importlib.util
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "resolution"
RUNS = 5


def _median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    return _paired_median_ms(work, lambda: None, runs)[0]


def _paired_median_ms(
    first: Callable[[], object], second: Callable[[], object], runs: int = RUNS
) -> tuple[float, float]:
    """Median times of two jobs run alternately, so load from other processes hits both."""
    first(), second()  # warm caches (and, for the engine, this thread's detector)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for job, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            job()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import dlib
    import numpy as np
    from PIL import Image

    from faceadmin.engine.recognition import decode_image, detect_faces, warm_up
    from faceadmin.engine.recognition.detection import UPSAMPLE, detection_scale

    spec = importlib.util.find_spec("face_recognition_models")
    assert spec is not None and spec.submodule_search_locations
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(models / "shape_predictor_68_face_landmarks.dat"))
    recognizer = dlib.face_recognition_model_v1(
        str(models / "dlib_face_recognition_resnet_model_v1.dat")
    )
    warm_up()

    def raw(data: bytes, *, same_scale: bool) -> int:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGB")
        pixels = np.asarray(image)
        scale = detection_scale(image.width, image.height) if same_scale else 1.0
        if scale == 1.0:
            boxes = list(detector(pixels, UPSAMPLE))
        else:
            size = (round(image.width * scale), round(image.height * scale))
            sx, sy = image.width / size[0], image.height / size[1]
            small = np.asarray(image.resize(size, Image.Resampling.BILINEAR))
            boxes = [
                dlib.rectangle(
                    round(b.left() * sx),
                    round(b.top() * sy),
                    round((b.right() + 1) * sx) - 1,
                    round((b.bottom() + 1) * sy) - 1,
                )
                for b in detector(small, UPSAMPLE)
            ]
        shapes = dlib.full_object_detections()
        for box in boxes:
            shapes.append(predictor(pixels, box))
        descriptors = recognizer.compute_face_descriptor(pixels, shapes)
        return len([np.array(d) for d in descriptors])

    def engine(data: bytes) -> int:
        return len(detect_faces(decode_image(data)))

    small = (DATA / "barack_obama_small.jpg").read_bytes()
    full_hd = (DATA / "barack_obama_1080p.jpg").read_bytes()
    with Image.open(io.BytesIO(full_hd)) as opened:
        buffer = io.BytesIO()
        opened.resize((640, 360), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=90)
    six_forty = buffer.getvalue()

    cases: list[tuple[str, bytes]] = [
        ("barack_obama_small.jpg", small),
        ("1080p resized to 640 (memory)", six_forty),
        ("barack_obama_1080p.jpg", full_hd),
    ]
    print(f"decode + detect + shapes + descriptors, median of {RUNS} runs (ms)")
    header = f"{'image':32} {'size':>9} {'faces':>5} {'scale':>5} {'raw dlib':>9} "
    print(header + f"{'engine':>8} {'ratio':>6}")
    rows: list[tuple[Any, ...]] = []
    for label, data in cases:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
        faces = engine(data)
        raw_ms, engine_ms = _paired_median_ms(
            lambda data=data: raw(data, same_scale=True),
            lambda data=data: engine(data),
        )
        scale = detection_scale(width, height)
        rows.append((label, f"{width}x{height}", faces, scale, raw_ms, engine_ms))
    for label, size, faces, scale, raw_ms, engine_ms in rows:
        ratio = engine_ms / raw_ms
        print(
            f"{label:32} {size:>9} {faces:>5} {scale:5.2f} {raw_ms:9.1f} "
            f"{engine_ms:8.1f} {ratio:6.2f}"
        )
    full_ms = _median_ms(lambda: raw(full_hd, same_scale=False), runs=3)
    engine_full = rows[-1][5]
    print(
        f"{'1080p, raw at full resolution':32} {'1920x1080':>9} {'':>5} {1.0:5.2f} "
        f"{full_ms:9.1f} {engine_full:8.1f} {engine_full / full_ms:6.2f}"
    )


if __name__ == "__main__":
    main()
