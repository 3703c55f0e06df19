"""Faces of a FindFace account: reading photos, choosing faces, storing and searching them.

Recognition is the engine's core (`decode_image`, `detect_faces`, `describe_face`); the
confidence of a match is `distance_to_confidence` of the descriptors' Euclidean distance, the
same map the Azure-compatible engine uses. FindFace's named thresholds are confidences, so
with that map `strict` (0.7834) accepts distances up to ~0.48, `medium` (0.6616) ~0.54 and
`low` (0.5690) ~0.57, all a little tighter than dlib's 0.6 rule.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, QuerySet
from PIL import Image, UnidentifiedImageError

from faceadmin.engine import recognition, urlfetch
from faceadmin.engine.errors import EngineError
from faceadmin.engine.findface import errors, search_index
from faceadmin.engine.findface.models import Face, Gallery, TokenAccount
from faceadmin.engine.findface.params import Call
from faceadmin.engine.heavy import heavy_work
from faceadmin.engine.models import descriptor_to_bytes
from faceadmin.engine.recognition import DecodedImage, ImageError, Rect

DEFAULT_GALLERY: Final = "default"
GALLERY_NAME_MAX: Final = 48
PRESETS: Final = {"strict": 0.7834, "medium": 0.6616, "low": 0.5690, "none": 0.0}
# The cloud page's default; the self-hosted guide says 0.75. See the contract, section 2.2.
DEFAULT_THRESHOLD: Final = "low"
MF_SELECTORS: Final = ("biggest", "all", "reject")
THUMBNAIL_SIZE: Final = 160
THUMBNAIL_MARGIN: Final = 0.35
MAX_N: Final = 1000
_EXIF_ORIENTATION: Final = 0x0112
# Candidates beyond `n` that identify re-scores exactly (float32 vs float64 near-ties).
_CANDIDATE_SLACK: Final = 8


# --- photos ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    """A photo of a request, decoded, with every face found on it (largest first)."""

    source: str  # the URL, or the uploaded file's name
    data: bytes = field(repr=False)
    image: DecodedImage = field(repr=False)
    faces: list[recognition.Face] = field(repr=False)
    orientation: int = 1

    @property
    def photo_hash(self) -> str:
        return hashlib.blake2b(self.data, digest_size=16).hexdigest()


def _webp_as_jpeg(data: bytes) -> bytes:
    """FindFace takes WEBP, the recognition core does not: hand it a JPEG of the same pixels."""
    if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return data
    try:
        with Image.open(io.BytesIO(data), formats=["WEBP"]) as image:
            # A WEBP can declare 16383 x 16383 pixels in a few KB: refuse before decoding.
            recognition.check_dimensions(image, data)
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return data  # decode_image will refuse it with the usual message
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    out = io.BytesIO()
    Image.alpha_composite(white, rgba).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def _orientation(data: bytes) -> int:
    try:
        with Image.open(io.BytesIO(data)) as image:
            value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (UnidentifiedImageError, OSError, ValueError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def read_photo(call: Call, name: str, *, descriptors: bool = True) -> Photo:
    """The photo parameter `name`: a file part of that name, or a URL to download."""
    upload = call.files.get(name)
    if upload is not None:
        data, source = upload.data, upload.filename
    else:
        url = call.text(name)
        if not url:
            raise errors.bad_param(name, None, f"'{name}' is required: a URL or a file.")
        try:
            data = urlfetch.fetch_image(url.strip())
        except EngineError as exc:
            raise errors.bad_param(name, url, exc.message) from None
        source = url.strip()
    with heavy_work():
        try:
            image = recognition.decode_image(_webp_as_jpeg(data))
        except ImageError as exc:
            raise errors.bad_param(name, source, exc.message) from None
        faces = recognition.detect_faces(image, descriptors=descriptors)
    return Photo(source, data, image, faces, _orientation(data))


# --- choosing faces -------------------------------------------------------------------------


@dataclass(frozen=True)
class Chosen:
    """A face to use: its box on the photo and its descriptor."""

    rect: Rect
    descriptor: npt.NDArray[np.float32] = field(repr=False)

    @property
    def box(self) -> dict[str, int]:
        return box_json(self.rect)


def box_json(rect: Rect) -> dict[str, int]:
    return {
        "x1": rect.left,
        "y1": rect.top,
        "x2": rect.left + rect.width,
        "y2": rect.top + rect.height,
    }


def box_key(rect: Rect) -> str:
    box = box_json(rect)
    return f"[{box['x1']}, {box['y1']}, {box['x2']}, {box['y2']}]"


def _coordinates(value: Any, param: str) -> tuple[int, int, int, int]:
    try:
        if isinstance(value, dict):
            numbers = [value["x1"], value["y1"], value["x2"], value["y2"]]
        elif isinstance(value, list | tuple) and len(value) == 4:
            numbers = list(value)
        else:
            raise ValueError
        if any(isinstance(n, bool) or not isinstance(n, int | float) for n in numbers):
            raise ValueError
        x1, y1, x2, y2 = (round(float(n)) for n in numbers)
    except (KeyError, TypeError, ValueError):
        raise errors.bad_param(
            param, value, "A box is {x1, y1, x2, y2} or [x1, y1, x2, y2] in integers."
        ) from None
    return x1, y1, x2, y2


def boxes_param(call: Call, name: str) -> list[tuple[int, int, int, int]] | None:
    """`bbox`, `bbox1`, `bbox2`: a list of boxes (a single box is taken as a list of one)."""
    value = call.structured(name)
    if value is None:
        return None
    if isinstance(value, dict) or (
        isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) for v in value)
    ):
        value = [value]
    if not isinstance(value, list) or not value:
        raise errors.bad_param(name, value, f"'{name}' must be a list of boxes.")
    return [_coordinates(item, name) for item in value]


def loose_box(call: Call) -> list[tuple[int, int, int, int]] | None:
    """The self-hosted identify's single box in loose x1, y1, x2, y2 fields."""
    names = ("x1", "y1", "x2", "y2")
    given = [call.raw(n) for n in names]
    if all(v is None for v in given):
        return None
    numbers = [call.integer(n, None) for n in names]
    if any(v is None for v in numbers):
        raise errors.bad_param("x1", call.raw("x1"), "Give all of x1, y1, x2 and y2.")
    x1, y1, x2, y2 = (int(v or 0) for v in numbers)
    return [(x1, y1, x2, y2)]


def mf_selector(call: Call) -> str:
    value = (call.text("mf_selector") or "biggest").strip().lower()
    if value not in MF_SELECTORS:
        raise errors.bad_param("mf_selector", value, "Use biggest, all or reject.")
    return value


def choose_faces(
    photo: Photo,
    *,
    boxes: Sequence[tuple[int, int, int, int]] | None,
    selector: str,
    param: str,
) -> list[Chosen]:
    """Boxes win over `mf_selector` (contract 2.3); a box may reach past the photo's edge and
    is clipped to it. Without boxes: the biggest face, all of them, or an error if several."""
    if boxes:
        chosen = []
        for x1, y1, x2, y2 in boxes:
            left, top = max(0, min(x1, x2)), max(0, min(y1, y2))
            right = min(photo.image.width, max(x1, x2))
            bottom = min(photo.image.height, max(y1, y2))
            if right - left < 2 or bottom - top < 2:
                raise errors.bad_param(
                    param.replace("photo", "bbox"),
                    [x1, y1, x2, y2],
                    "The box is outside the photo.",
                )
            rect = Rect(left, top, right - left, bottom - top)
            with heavy_work():
                descriptor = recognition.describe_face(photo.image, rect)
            chosen.append(Chosen(rect, descriptor))
        return chosen
    found = [Chosen(face.rect, _descriptor(face)) for face in photo.faces]
    if selector == "reject" and len(found) > 1:
        raise errors.too_many_faces([c.box for c in found])
    if selector == "all":
        return found
    return found[:1]


def _descriptor(face: recognition.Face) -> npt.NDArray[np.float32]:
    if face.descriptor is None:  # pragma: no cover - read_photo always asks for them
        raise RuntimeError("face without a descriptor")
    return face.descriptor


# --- thresholds and matching --------------------------------------------------------------


def threshold_param(call: Call) -> float | None:
    """The threshold as a confidence; None for `none` (similarity only, no decision)."""
    value = call.raw("threshold")
    if value is None:
        value = DEFAULT_THRESHOLD
    if isinstance(value, str):
        text = value.strip().lower()
        if text in PRESETS:
            return None if text == "none" else PRESETS[text]
        try:
            value = float(text)
        except ValueError:
            raise errors.bad_param(
                "threshold", call.raw("threshold"), "Use strict, medium, low, none or 0..1."
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise errors.bad_param("threshold", value, "The threshold must be within [0, 1].")
    return float(value)


def confidences(
    matrix: npt.NDArray[np.float32], query: npt.NDArray[np.float32]
) -> npt.NDArray[np.float64]:
    """Confidence of `query` against every row of `matrix` (N x 128)."""
    distances = np.linalg.norm(matrix.astype(np.float64) - query.astype(np.float64), axis=1)
    return np.asarray(recognition.distance_to_confidence(distances), dtype=np.float64)


def confidence(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return round(float(confidences(a.reshape(1, -1), b)[0]), 5)


# --- galleries ------------------------------------------------------------------------------


def gallery_name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return "A gallery name is required."
    if len(name) > GALLERY_NAME_MAX or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in name
    ):
        return "Gallery names are 1 to 48 letters, digits, '-' and '_'."
    return None


def gallery_get(account: TokenAccount, name: str) -> Gallery | None:
    """The stored gallery; None for `default`, which every face is in."""
    if name == DEFAULT_GALLERY:
        return None
    gallery = Gallery.objects.filter(account=account, name=name).first()
    if gallery is None:
        raise errors.not_found(f"Gallery {name!r} does not exist.")
    return gallery


def galleries_param(call: Call, account: TokenAccount) -> list[Gallery]:
    """`galleries` of a new face: a JSON list or comma-joined text; each must exist."""
    value = call.raw("galleries")
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        names = call.structured("galleries") if text.startswith("[") else text.split(",")
    else:
        names = value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise errors.bad_param("galleries", value, "'galleries' is a list of gallery names.")
    return _galleries(account, [n.strip() for n in names if n.strip()], "galleries")


def _galleries(account: TokenAccount, names: Iterable[str], param: str) -> list[Gallery]:
    wanted = [n for n in dict.fromkeys(names) if n != DEFAULT_GALLERY]
    found = {g.name: g for g in Gallery.objects.filter(account=account, name__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise errors.bad_param(param, missing[0], f"Gallery {missing[0]!r} does not exist.")
    return [found[n] for n in wanted]


def gallery_create(account: TokenAccount, name: Any) -> str:
    problem = gallery_name_problem(name)
    if problem:
        raise errors.bad_param("name", name, problem)
    exists = errors.bad_param("name", name, f"Gallery {name!r} already exists.")
    if name == DEFAULT_GALLERY:
        raise exists
    try:
        with transaction.atomic():
            Gallery.objects.create(account=account, name=name)
    except IntegrityError:
        raise exists from None
    return str(name)


def gallery_delete(account: TokenAccount, name: str) -> None:
    """Drop a gallery and the faces that were in it alone; faces that are also in other
    galleries stay there (the contract leaves them open; deleting less is the safe side)."""
    if name == DEFAULT_GALLERY:
        raise errors.bad_param("gallery", name, "The default gallery cannot be deleted.")
    gallery = gallery_get(account, name)
    assert gallery is not None
    with transaction.atomic():
        members = Face.objects.filter(galleries=gallery).values("id")
        alone = (
            Face.objects.filter(id__in=members)
            .annotate(joined=Count("galleries"))
            .filter(joined=1)
            .values_list("id", flat=True)
        )
        Face.objects.filter(id__in=list(alone)).delete()
        gallery.delete()


def gallery_names(account: TokenAccount) -> list[str]:
    names = Gallery.objects.filter(account=account).order_by("name").values_list("name", flat=True)
    return [DEFAULT_GALLERY, *names]


# --- stored faces -----------------------------------------------------------------------------


def faces_of(account: TokenAccount, gallery: Gallery | None) -> QuerySet[Face]:
    faces = Face.objects.filter(account=account)
    return faces if gallery is None else faces.filter(galleries=gallery)


def for_listing(faces: QuerySet[Face]) -> QuerySet[Face]:
    """What a face's JSON needs: no descriptor or thumbnail bytes, galleries in one query."""
    return faces.defer("descriptor", "thumbnail").prefetch_related("galleries")


def face_get(account: TokenAccount, face_id: str) -> Face:
    try:
        number = int(face_id)
    except ValueError:
        raise errors.not_found(f"Face {face_id!r} does not exist.") from None
    face = for_listing(Face.objects.filter(account=account, id=number)).first()
    if face is None:
        raise errors.not_found(f"Face {number} does not exist.")
    return face


def thumbnail_jpeg(image: DecodedImage, rect: Rect) -> bytes:
    """A square JPEG of the face with a margin (black where it passes the photo's edge)."""
    span = round(max(rect.width, rect.height) * (1 + 2 * THUMBNAIL_MARGIN))
    cx, cy = rect.left + rect.width / 2, rect.top + rect.height / 2
    left, top = round(cx - span / 2), round(cy - span / 2)
    crop = Image.fromarray(image.pixels).crop((left, top, left + span, top + span))
    crop = crop.resize((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=85)
    return out.getvalue()


def faces_create(
    account: TokenAccount,
    photo: Photo,
    chosen: Sequence[Chosen],
    meta: str,
    galleries: list[Gallery],
) -> list[Face]:
    with transaction.atomic():
        created = []
        for face in chosen:
            box = face.box
            row = Face.objects.create(
                account=account,
                meta=meta,
                x1=box["x1"],
                y1=box["y1"],
                x2=box["x2"],
                y2=box["y2"],
                descriptor=descriptor_to_bytes(face.descriptor),
                photo=photo.source[:2000],
                photo_hash=photo.photo_hash,
                thumbnail=thumbnail_jpeg(photo.image, face.rect),
                thumbnail_token=secrets.token_hex(16),
            )
            if galleries:
                row.galleries.set(galleries)
            created.append(row)
    return list(for_listing(Face.objects.filter(id__in=[f.id for f in created])).order_by("id"))


def face_update(account: TokenAccount, face: Face, call: Call) -> Face:
    """New meta and/or one galleries change: {"add": [...]}, {"del": [...]} or {"set": [...]}.
    A face never leaves `default` (it is implied)."""
    meta = call.raw("meta")
    change = call.structured("galleries")
    if meta is None and change is None:
        raise errors.bad_param("meta", None, "Nothing to change: give meta or galleries.")
    if meta is not None and not isinstance(meta, str):
        raise errors.bad_param("meta", meta, "'meta' must be a string.")
    operation: tuple[str, list[Gallery]] | None = None
    if change is not None:
        if not isinstance(change, dict) or len(change) != 1:
            raise errors.bad_param(
                "galleries", change, 'Give exactly one of {"add"}, {"del"} or {"set"}.'
            )
        op, names = next(iter(change.items()))
        if op not in ("add", "del", "set") or not isinstance(names, list):
            raise errors.bad_param("galleries", change, "Use add, del or set with a list of names.")
        if not all(isinstance(n, str) for n in names):
            raise errors.bad_param("galleries", change, "Gallery names are strings.")
        operation = (op, _galleries(account, names, "galleries"))
    with transaction.atomic():
        if meta is not None:
            face.meta = meta
            face.save(update_fields=["meta"])
        if operation is not None:
            op, galleries = operation
            if op == "add":
                face.galleries.add(*galleries)
            elif op == "del":
                face.galleries.remove(*galleries)
            else:
                face.galleries.set(galleries)
    return face_get(account, str(face.id))


def faces_by_meta(account: TokenAccount, gallery: Gallery | None, meta: str) -> QuerySet[Face]:
    return faces_of(account, gallery).filter(meta=meta)


@dataclass(frozen=True)
class MetaSummary:
    meta: str
    count: int
    face: Face


def meta_summaries(account: TokenAccount, gallery: Gallery | None) -> list[MetaSummary]:
    """Each distinct non-empty meta with its face count and its newest face."""
    rows = list(
        faces_of(account, gallery)
        .exclude(meta="")
        .values("meta")
        .annotate(count=Count("id"), newest=Max("id"))
        .order_by("meta")
    )
    faces = {f.id: f for f in for_listing(Face.objects.filter(id__in=[r["newest"] for r in rows]))}
    return [MetaSummary(r["meta"], r["count"], faces[r["newest"]]) for r in rows]


@dataclass(frozen=True)
class Match:
    confidence: float
    face: Face


def search(
    account: TokenAccount,
    gallery: Gallery | None,
    queries: Sequence[Chosen],
    *,
    n: int,
    threshold: float | None,
) -> list[list[Match]]:
    """For each query face, up to `n` stored faces at or above the threshold, best first.

    The gallery's index (search_index) picks a few more candidates than asked for by its
    float32 distances; their confidences are then computed as before (float64, one row at a
    time) and sorted by confidence, then id, so the answers are those of a full scan.
    """
    if not queries:
        return []
    gallery_index = search_index.gallery_index(account, gallery)
    if gallery_index.face_ids.shape[0] == 0:
        return [[] for _ in queries]
    matrix = gallery_index.trained.descriptors
    assert matrix is not None
    stack = np.stack([query.descriptor for query in queries])
    candidates = gallery_index.trained.nearest(stack, n + _CANDIDATE_SLACK)
    picked: list[list[tuple[int, float]]] = []
    for query, nearest in zip(queries, candidates, strict=True):
        rows = np.array(sorted(match.owner for match in nearest), dtype=np.intp)
        scores = confidences(matrix[rows], query.descriptor)
        order = np.argsort(-scores, kind="stable")[:n]
        picked.append(
            [
                (int(gallery_index.face_ids[rows[i]]), round(float(scores[i]), 5))
                for i in order
                if threshold is None or scores[i] >= threshold
            ]
        )
    wanted = {face_id for hits in picked for face_id, _ in hits}
    faces = {f.id: f for f in for_listing(Face.objects.filter(id__in=wanted))}
    return [[Match(score, faces[face_id]) for face_id, score in hits] for hits in picked]


def page_filter(
    faces: QuerySet[Face], *, max_id: int | None, min_id: int | None, limit: int
) -> tuple[list[Face], bool, bool]:
    """One page newest first: (faces, older ones exist, newer ones exist). Both bounds are
    exclusive; with only `min_id` the page holds the faces just above it."""
    bounded = faces
    if max_id is not None:
        bounded = bounded.filter(id__lt=max_id)
    if min_id is not None:
        bounded = bounded.filter(id__gt=min_id)
    if min_id is not None and max_id is None:
        shown = list(for_listing(bounded).order_by("id")[:limit])[::-1]
    else:
        shown = list(for_listing(bounded).order_by("-id")[:limit])
    if not shown:
        return [], False, False
    older = faces.filter(id__lt=shown[-1].id).exists()
    newer = faces.filter(id__gt=shown[0].id).exists()
    return shown, older, newer
