"""dlib's three models, loaded once per process on first use and shared safely between threads.

Measured with dlib 20.0.1 (see the engine's tests for the regression check):

* The HOG detector releases the GIL while it runs and keeps per-call scratch buffers inside
  the object; two threads running one detector crashed the interpreter (segfault). dlib's
  documentation allows only copying a detector's configuration between threads, so each
  thread gets its own copy of a prototype that is never run (a copy takes ~3 ms; building a
  fresh one from dlib's serialized model takes ~400 ms).
* The 68-point shape predictor is const in dlib and documented as safe to share; it is.
* The ResNet descriptor network stores activations in its layers, so a call is not re-entrant.
  The binding holds the GIL for most of the call anyway, so a lock around it costs nothing.

Loading everything takes about a second (most of it the shape predictor); ``warm_up`` lets a
server pay that before its first request.
"""

from __future__ import annotations

import copy
import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import dlib

from . import hog

SHAPE_PREDICTOR_FILE: Final = "shape_predictor_68_face_landmarks.dat"
FACE_RECOGNITION_FILE: Final = "dlib_face_recognition_resnet_model_v1.dat"


@dataclass(frozen=True)
class Models:
    detector_prototype: Any  # only ever copied, never run
    shape_predictor: Any
    face_recognizer: Any
    face_recognizer_lock: threading.Lock = field(default_factory=threading.Lock)


_load_lock = threading.Lock()
_models: Models | None = None
_per_thread = threading.local()


def models_dir() -> Path:
    """Folder of the ``face_recognition_models`` data files.

    The package is located without importing it: its ``__init__`` imports ``pkg_resources``,
    which recent setuptools no longer ships.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The face_recognition_models package is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def get_models() -> Models:
    global _models
    models = _models
    if models is None:
        with _load_lock:
            models = _models
            if models is None:
                folder = models_dir()
                models = Models(
                    detector_prototype=dlib.get_frontal_face_detector(),
                    shape_predictor=dlib.shape_predictor(str(folder / SHAPE_PREDICTOR_FILE)),
                    face_recognizer=dlib.face_recognition_model_v1(
                        str(folder / FACE_RECOGNITION_FILE)
                    ),
                )
                _models = models
    return models


def detector() -> Any:
    """This thread's own HOG frontal face detector."""
    mine = getattr(_per_thread, "detector", None)
    if mine is None:
        prototype = get_models().detector_prototype
        with _load_lock:
            mine = copy.deepcopy(prototype)
        _per_thread.detector = mine
    return mine


def split_scanners() -> hog.Split | None:
    """This thread's own copies of the split HOG scan (``hog``); None: scan on one core."""
    if not hasattr(_per_thread, "split"):
        prototype = hog.split_prototype(get_models().detector_prototype)
        mine = None
        if prototype is not None:
            with _load_lock:
                mine = hog.Split(
                    fine=copy.deepcopy(prototype.fine),
                    coarse=copy.deepcopy(prototype.coarse),
                    iou=prototype.iou,
                    covered=prototype.covered,
                )
        _per_thread.split = mine
    split: hog.Split | None = _per_thread.split
    return split


def warm_up() -> None:
    """Load the models now rather than on the first detection (and the split scan's two
    detector copies, ~15 ms)."""
    detector()
    split_scanners()
