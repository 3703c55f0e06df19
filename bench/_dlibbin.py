"""The dlib-bin half of the benchmarks: a throw-away venv and a worker process inside it.

The project installs dlib built from source with OpenBLAS; the benchmarks compare it with the
`dlib-bin` wheel it replaced, in the same run and interleaved (load from other processes
hits both sides). dlib-bin and dlib install the same `dlib` module, so dlib-bin lives in its
own venv (DLIBBIN_VENV, default /tmp/faceadmin-dlibbin-venv: dlib-bin, numpy, pillow,
face_recognition_models, created on first use). A `.pth` file appends this project and the
project venv's site-packages to its path: Django and the engine come from there, while
`dlib` (and numpy, pillow) resolve to the venv's own copies first.

The worker speaks JSON lines on stdin/stdout:
  core mode:   {"job": name} -> {"ms": elapsed, "result": ...}   (jobs from `core_jobs`)
  server mode: prints {"url": ..., "key": ...}, serves the engine over HTTP until stdin closes.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED_FACES = ROOT.parent / "shared" / "faces"
VENV = Path(os.environ.get("DLIBBIN_VENV", "/tmp/faceadmin-dlibbin-venv"))
PACKAGES = ["dlib-bin>=20.0.1.post1", "numpy", "pillow", "face_recognition_models"]


def dlib_summary() -> dict[str, Any]:
    import dlib

    return {
        "version": dlib.__version__,
        "blas": bool(getattr(dlib, "DLIB_USE_BLAS", False)),
        "avx": bool(getattr(dlib, "USE_AVX_INSTRUCTIONS", False)),
    }


def ensure_venv() -> Path:
    """The dlib-bin venv's python, created (once) if missing."""
    python = VENV / "bin" / "python"
    marker = VENV / ".ready"
    if not marker.exists():
        print(f"(creating {VENV} with dlib-bin for the comparison...)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        marker.touch()
    # Written each time: the venv may serve several checkouts of the project.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(site, "faceadmin_project.pth").write_text(f"{ROOT}\n{ours}\n")
    return python


class Worker:
    """A worker process in the dlib-bin venv."""

    def __init__(self, mode: str) -> None:
        python = ensure_venv()
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        self.process = subprocess.Popen(
            [str(python), __file__, mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.hello = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the dlib-bin worker stopped")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, job: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"job": job}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


# --- the jobs, identical on both sides ------------------------------------------------------


def photo_640() -> bytes:
    from PIL import Image

    with Image.open(DATA / "resolution" / "barack_obama_1080p.jpg") as opened:
        buffer = io.BytesIO()
        opened.resize((640, 360), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def face_photos() -> list[Path]:
    """Every photo of tests/data and of ../shared/faces (when present)."""
    found = []
    for folder in (DATA, SHARED_FACES):
        for part in ("enroll", "probe", "multi", "resolution"):
            found += sorted((folder / part).rglob("*.jpg"))
    return found


def core_jobs() -> dict[str, Callable[[], Any]]:
    """Named jobs over the engine's recognition core and raw dlib; each returns a summary."""
    sys.path.insert(0, str(ROOT))
    import dlib
    import numpy as np

    from faceadmin.engine.blas import limit_blas_threads
    from faceadmin.engine.recognition import decode_image, detect_faces, parallel, warm_up
    from faceadmin.engine.recognition.models import detector, get_models

    limit_blas_threads(1)  # as the engine's default (FACEADMIN_ENGINE_BLAS_THREADS)
    warm_up()
    models = get_models()
    probe = decode_image((DATA / "probe" / "kit_harington.jpg").read_bytes())
    (face,) = detect_faces(probe, descriptors=False)
    r = face.rect
    box = dlib.rectangle(r.left, r.top, r.left + r.width - 1, r.top + r.height - 1)
    shape = models.shape_predictor(probe.pixels, box)
    one = dlib.full_object_detections()
    one.append(shape)
    eight = dlib.full_object_detections()
    for _ in range(8):
        eight.append(shape)
    full_hd_bytes = (DATA / "resolution" / "barack_obama_1080p.jpg").read_bytes()
    full_hd = decode_image(full_hd_bytes)
    six_forty = photo_640()

    def descriptors(shapes: Any) -> int:
        return len(models.face_recognizer.compute_face_descriptor(probe.pixels, shapes))

    def faces_of(path: Path) -> list[dict[str, Any]]:
        found = detect_faces(decode_image(path.read_bytes()))
        return [
            {
                "rect": [f.rect.left, f.rect.top, f.rect.width, f.rect.height],
                "descriptor": [float(x) for x in np.asarray(f.descriptor)],
            }
            for f in found
        ]

    jobs: dict[str, Callable[[], Any]] = {
        "descriptor x1": lambda: descriptors(one),
        "descriptors x8 (batch)": lambda: descriptors(eight),
        "HOG 1920x1080, upsample 1": lambda: len(detector()(full_hd.pixels, 1)),
        "engine core, 640x360": lambda: len(detect_faces(decode_image(six_forty))),
        "engine core, 1920x1080": lambda: len(detect_faces(decode_image(full_hd_bytes))),
        "2 photos 640x360, in order": lambda: [
            len(detect_faces(decode_image(six_forty))) for _ in range(2)
        ],
        "2 photos 640x360, parallel.both": lambda: parallel.both(
            lambda: len(detect_faces(decode_image(six_forty))),
            lambda: len(detect_faces(decode_image(six_forty))),
        ),
    }
    for path in face_photos():
        jobs[f"faces {path}"] = lambda path=path: faces_of(path)
    return jobs


def timed(job: Callable[[], Any]) -> dict[str, Any]:
    start = time.perf_counter()
    result = job()
    return {"ms": (time.perf_counter() - start) * 1000, "result": result}


def serve_core() -> None:
    jobs = core_jobs()
    print(json.dumps({"dlib": dlib_summary()}), flush=True)
    for line in sys.stdin:
        print(json.dumps(timed(jobs[json.loads(line)["job"]])), flush=True)


def serve_http() -> None:
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    import engine as bench_engine  # bench/engine.py: the same server setup

    workdir = Path(tempfile.mkdtemp(prefix="faceadmin-bench-dlibbin-"))
    try:
        bench_engine.setup_django(workdir)
        from faceadmin.engine import recognition
        from faceadmin.engine.accounts import account_create

        recognition.warm_up()
        url = bench_engine.start_server()
        _, key = account_create(name="bench")
        print(json.dumps({"url": url, "key": key, "dlib": dlib_summary()}), flush=True)
        sys.stdin.read()  # serve until the benchmark closes our stdin
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    {"core": serve_core, "server": serve_http}[sys.argv[1]]()
