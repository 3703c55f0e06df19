"""Photo lookup: detect, identify, verify, find similar and group, for one tenant.

What the dashboard's lookup pages call. Photos arrive as bytes (or as a URL the provider
fetches itself) and leave as typed results; nothing here stores a photo. Enrolling a face
from a result goes through the collections services (`person_create`, `person_add_face`),
which keep the face's thumbnail in the face image store: that is the only way a photo (a
crop of it) is kept.

Every provider call of a lookup goes through a `_Recorder` wrapped around the tenant's
transport, so a result can show the exact request ("copy as curl", key masked), the raw
answer and the time spent waiting for the provider.

Face ids expire (24 h by default, less when a provider is configured so): every call that
takes face ids re-detects once and retries when the provider answers `FaceNotFound`.
"""

from __future__ import annotations

import base64
import io
import json
import shlex
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from PIL import Image, ImageOps, UnidentifiedImageError

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import (
    BadRequestError,
    FaceApiError,
    FaceNotFound,
    NotFoundError,
    NotTrainedError,
    TrainingNotFinishedError,
)
from faceadmin.clients.transport import ParamValue, Response, Transport, encode_params
from faceadmin.clients.types import (
    Collection,
    CollectionKind,
    DetectedFace,
    FaceRectangle,
    GroupResult,
    IdentifyCandidate,
    Person,
    SimilarFace,
    VerifyResult,
)
from faceadmin.faceapi import lookup_audit as audit
from faceadmin.faceapi.collections import (
    collection_list,
    person_add_face,
    person_create,
    training_status,
)
from faceadmin.faceapi.connection import client_for
from faceadmin.faceapi.imagestore import face_images, person_face_images
from faceadmin.faceapi.kinds import KIND_SLUGS
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = [
    "DETECTION_MODELS",
    "LIST_KINDS",
    "MAX_GROUP_PHOTOS",
    "MAX_IMAGE_BYTES",
    "PERSON_KINDS",
    "RECOGNITION_MODELS",
    "ApiCall",
    "Candidate",
    "Cluster",
    "ClusterFace",
    "DetectSettings",
    "Detection",
    "Enrollment",
    "FaceBox",
    "FaceIdentity",
    "GroupRef",
    "Grouping",
    "Identification",
    "Photo",
    "PhotoError",
    "SimilarMatch",
    "SimilarSearch",
    "SkippedGroup",
    "Verification",
    "cluster_enroll",
    "collection_options",
    "parse_crop",
    "person_options",
    "photo_detect",
    "photo_enroll_face",
    "photo_find_similar",
    "photo_from_bytes",
    "photo_from_url",
    "photo_group",
    "photo_identify",
    "photo_verify",
]

MAX_IMAGE_BYTES: Final = 6 * 1024 * 1024  # Azure's limit per image
MIN_IMAGE_BYTES: Final = 1024  # ... and its minimum
MAX_GROUP_PHOTOS: Final = 100
MAX_GROUP_FACES: Final = 1000  # group takes 2..1000 faceIds
MAX_FACES_PER_PHOTO: Final = 100  # detect reports at most this many, largest first
IDENTIFY_BATCH: Final = 10  # identify takes 1..10 faceIds
THUMBNAILS_PER_PERSON: Final = 4
DETECTION_MODELS: Final = ("detection_01", "detection_02", "detection_03")
RECOGNITION_MODELS: Final = ("recognition_01", "recognition_02", "recognition_03", "recognition_04")
QUALITY_MODELS: Final = ("recognition_03", "recognition_04")
PERSON_KINDS: Final = (CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP)
LIST_KINDS: Final = (CollectionKind.FACE_LIST, CollectionKind.LARGE_FACE_LIST)

_FORMATS: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "BMP": "image/bmp"}
_TRANSPOSED_ORIENTATIONS: Final = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION: Final = 0x0112
_THUMB_PX: Final = 96
_CROP_FACE_PX: Final = 200  # enrollment crops keep the face at most this wide
_CROP_MARGIN: Final = 0.5  # ... with half a face of context on every side
# Crops travel back as form fields (~50 KB each in base64); Django refuses a POST whose
# fields pass DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so one step enrolls at most this many.
MAX_CLUSTER_ENROLL: Final = 40


class PhotoError(ValueError):
    """Input an operator can fix (not a photo, too large, no face...): a plain message."""


# --- photos -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    """An uploaded photo held in memory for one request, or a URL the provider fetches.

    `width`/`height` are as displayed (EXIF orientation applied), the pixel space of the
    face rectangles; unknown (0) for a URL, which faceadmin never fetches itself.
    """

    filename: str
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None
    width: int = 0
    height: int = 0
    content_type: str = "application/octet-stream"

    @property
    def is_upload(self) -> bool:
        return self.data is not None

    def data_uri(self) -> str:
        """The photo inline, for the pages rendered without JavaScript."""
        if self.data is None:
            return self.url or ""
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def photo_from_bytes(*, data: bytes, filename: str = "photo") -> Photo:
    """Check an upload before any provider sees it: size, then that it is a usable image.

    Only the image header is read (Pillow opens lazily), so this costs well under a
    millisecond even for a 6 MB photo.
    """
    name = filename or "photo"
    if len(data) > MAX_IMAGE_BYTES:
        raise PhotoError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; photos can be at most 6 MB. "
            "Export a smaller copy and try again."
        )
    if len(data) < MIN_IMAGE_BYTES:
        raise PhotoError(f"{name} is too small to be a photo (under 1 KB).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError(
            f"{name} is not an image faceadmin can read; use a JPEG, PNG, GIF or BMP photo."
        ) from None
    if fmt not in _FORMATS:
        raise PhotoError(f"{name} is a {fmt or 'unknown'} image; use JPEG, PNG, GIF or BMP.")
    if orientation in _TRANSPOSED_ORIENTATIONS:
        width, height = height, width
    return Photo(
        filename=name,
        data=data,
        width=width,
        height=height,
        content_type=_FORMATS[fmt],
    )


def photo_from_url(*, url: str) -> Photo:
    return Photo(filename=url.rsplit("/", 1)[-1] or "photo", url=url)


# --- recording the provider calls ---------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    """One request to the provider, as sent, and what came back."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    json_body: Any
    sent_bytes: int | None
    status: int | None
    body: bytes = field(repr=False)
    elapsed_ms: float

    def curl(self, *, base_url: str, masked_key: str, filename: str = "photo.jpg") -> str:
        """The same request as a shell command; the key is shown masked."""
        url = base_url.rstrip("/") + self.path
        if self.query:
            url += "?" + urlencode(self.query, safe=",")
        lines = [
            f"curl -X {self.method} {shlex.quote(url)}",
            f"  -H {shlex.quote('Ocp-Apim-Subscription-Key: ' + masked_key)}",
        ]
        if self.sent_bytes is not None:
            lines.append("  -H 'Content-Type: application/octet-stream'")
            lines.append(f"  --data-binary {shlex.quote('@' + filename)}")
        elif self.json_body is not None:
            lines.append("  -H 'Content-Type: application/json'")
            lines.append(f"  -d {shlex.quote(json.dumps(self.json_body))}")
        return " \\\n".join(lines)

    def pretty_body(self) -> str:
        try:
            return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:
            return self.body.decode("utf-8", "replace")


class _Recorder:
    """A `Transport` that passes every request on and keeps a record of it."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.calls: list[ApiCall] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        started = time.perf_counter()
        status: int | None = None
        body = b""
        try:
            response = self.inner.request(
                method, path, params=params, json=json, data=data, idempotent=idempotent
            )
        except FaceApiError as exc:
            status = exc.status
            raise
        else:
            status, body = response.status, response.body
            return response
        finally:
            self.calls.append(
                ApiCall(
                    method=method,
                    path=path,
                    query=tuple(encode_params(params)),
                    json_body=json,
                    sent_bytes=len(data) if data is not None else None,
                    status=status,
                    body=body,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                )
            )


class _Lookup:
    """The tenant's client for one lookup, with every call recorded."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.recorder = _Recorder(client_for(tenant).transport)
        self.client = AzureFaceClient(self.recorder)

    @property
    def api_ms(self) -> float:
        return sum(call.elapsed_ms for call in self.recorder.calls)

    def last_call(self, path: str) -> ApiCall | None:
        return next((c for c in reversed(self.recorder.calls) if c.path == path), None)


# --- detect ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectSettings:
    detection_model: str = "detection_01"
    recognition_model: str = "recognition_04"
    landmarks: bool = True

    def with_recognition_model(self, model: str) -> DetectSettings:
        return DetectSettings(self.detection_model, model, self.landmarks)

    @property
    def attributes(self) -> tuple[str, ...]:
        """What the dashboard shows, limited to what the detection model can return."""
        quality = ("qualityForRecognition",) if self.recognition_model in QUALITY_MODELS else ()
        if self.detection_model == "detection_01":
            return ("headPose", "blur", "exposure", "noise", *quality)
        if self.detection_model == "detection_03":
            return ("headPose", *quality)
        return ()  # detection_02 returns rectangles only

    @property
    def wants_landmarks(self) -> bool:
        return self.landmarks and self.detection_model != "detection_02"


@dataclass(frozen=True)
class FaceBox:
    """A detected face with its number on the photo (1 = largest)."""

    number: int
    face: DetectedFace

    @property
    def rect(self) -> FaceRectangle:
        return self.face.rectangle

    @property
    def target(self) -> str:
        return self.face.rectangle.as_target()

    @property
    def landmark_points(self) -> list[tuple[float, float]]:
        return [(p.x, p.y) for p in (self.face.landmarks or {}).values()]

    @property
    def quality(self) -> str | None:
        return self.face.quality_for_recognition


@dataclass(frozen=True)
class Detection:
    photo: Photo
    settings: DetectSettings
    boxes: tuple[FaceBox, ...]
    call: ApiCall | None
    api_ms: float

    @property
    def truncated(self) -> bool:
        """The provider reports at most 100 faces: smaller ones may be missing."""
        return len(self.boxes) >= MAX_FACES_PER_PHOTO

    @property
    def stroke(self) -> float:
        """Label size in the photo's pixels, so numbers stay readable at any scale."""
        return max(12.0, max(self.photo.width, self.photo.height) / 28)

    @property
    def dot(self) -> float:
        """Landmark radius in the photo's pixels."""
        return max(1.5, max(self.photo.width, self.photo.height) / 400)

    def box_for(self, target: FaceRectangle | None) -> FaceBox | None:
        """The face the operator picked (by rectangle), else the largest one."""
        if not self.boxes:
            return None
        if target is None:
            return self.boxes[0]
        return max(self.boxes, key=lambda b: _iou(b.rect, target))


def _detect(lookup: _Lookup, photo: Photo, settings: DetectSettings) -> Detection:
    started = len(lookup.recorder.calls)
    options: dict[str, Any] = {
        "return_face_id": True,
        "return_face_landmarks": settings.wants_landmarks,
        "return_face_attributes": settings.attributes or None,
        "recognition_model": settings.recognition_model,
        "detection_model": settings.detection_model,
    }
    if photo.data is not None:
        faces = lookup.client.detect_with_stream(image=photo.data, **options)
    else:
        faces = lookup.client.detect_with_url(url=photo.url or "", **options)
    calls = lookup.recorder.calls[started:]
    return Detection(
        photo=photo,
        settings=settings,
        boxes=tuple(FaceBox(n, face) for n, face in enumerate(faces, start=1)),
        call=calls[-1] if calls else None,
        api_ms=sum(c.elapsed_ms for c in calls),
    )


@audit.audited_lookup("lookup.detect", audit.target_detect, audit.summary_detect)
def photo_detect(
    *, tenant: Tenant, photo: Photo, settings: DetectSettings, user: Actor = None
) -> Detection:
    """Detect every face on a photo, with landmarks and the attributes the model offers."""
    return _detect(_Lookup(tenant), photo, settings)


def _iou(a: FaceRectangle, b: FaceRectangle) -> float:
    left, top = max(a.left, b.left), max(a.top, b.top)
    right = min(a.left + a.width, b.left + b.width)
    bottom = min(a.top + a.height, b.top + b.height)
    inter = max(0, right - left) * max(0, bottom - top)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def _matching_face_id(detection: Detection, rect: FaceRectangle) -> str | None:
    """The face id, in another detection of the same photo, of the face at `rect`."""
    box = max(detection.boxes, key=lambda b: _iou(b.rect, rect), default=None)
    if box is None or _iou(box.rect, rect) < 0.5:
        return None
    return box.face.face_id


def _retry_expired[T](call: Callable[[], T], redetect: Callable[[], object]) -> T:
    """Run `call`; if the provider forgot a face id, detect again and run it once more."""
    try:
        return call()
    except FaceNotFound:
        redetect()
        return call()


# --- collections ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class GroupRef:
    """A collection named in a form as "Kind:id" (e.g. "PersonGroup:staff")."""

    kind: CollectionKind
    id: str

    @classmethod
    def parse(cls, value: str) -> GroupRef:
        kind, sep, ident = value.partition(":")
        if not sep or not ident:
            raise PhotoError(f"{value!r} does not name a collection.")
        try:
            return cls(CollectionKind.parse(kind), ident)
        except FaceApiError:
            raise PhotoError(f"{value!r} does not name a collection.") from None

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @property
    def slug(self) -> str:
        """The kind as the dashboard's URLs spell it ("persongroups")."""
        return KIND_SLUGS[self.kind]


def _list_collections(client: AzureFaceClient, kind: CollectionKind) -> list[Collection]:
    """Every collection of a kind, with its recognition model; [] where the provider has
    no such kind (the embedded engine answers 404 for large kinds before its part 2)."""
    try:
        if kind is CollectionKind.PERSON_GROUP:
            return list(client.iter_person_groups(return_recognition_model=True))
        if kind is CollectionKind.LARGE_PERSON_GROUP:
            return list(client.iter_large_person_groups(return_recognition_model=True))
        if kind is CollectionKind.FACE_LIST:
            return client.face_list_list(return_recognition_model=True)
        return list(client.iter_large_face_lists(return_recognition_model=True))
    except NotFoundError:
        return []


def collection_options(*, tenant: Tenant, kinds: Sequence[CollectionKind]) -> list[Collection]:
    """The collections a lookup form offers; none of a kind the provider does not have."""

    options: list[Collection] = []
    for kind in kinds:
        try:
            options.extend(collection_list(tenant=tenant, kind=kind))
        except NotFoundError:
            continue
    return options


def _get_collection(client: AzureFaceClient, ref: GroupRef) -> Collection:
    if ref.kind is CollectionKind.PERSON_GROUP:
        return client.person_group_get(person_group_id=ref.id, return_recognition_model=True)
    if ref.kind is CollectionKind.LARGE_PERSON_GROUP:
        return client.large_person_group_get(
            large_person_group_id=ref.id, return_recognition_model=True
        )
    if ref.kind is CollectionKind.FACE_LIST:
        return client.face_list_get(face_list_id=ref.id, return_recognition_model=True)
    return client.large_face_list_get(large_face_list_id=ref.id, return_recognition_model=True)


def _get_person(client: AzureFaceClient, ref: GroupRef, person_id: str) -> Person | None:
    try:
        if ref.kind is CollectionKind.LARGE_PERSON_GROUP:
            return client.large_person_group_person_get(
                large_person_group_id=ref.id, person_id=person_id
            )
        return client.person_group_person_get(person_group_id=ref.id, person_id=person_id)
    except NotFoundError:
        return None


def _group_ids(ref: GroupRef) -> dict[str, str]:
    if ref.kind is CollectionKind.LARGE_PERSON_GROUP:
        return {"large_person_group_id": ref.id}
    return {"person_group_id": ref.id}


@dataclass(frozen=True)
class SkippedGroup:
    ref: GroupRef
    name: str
    reason: str


def _untrained_reason(tenant: Tenant, collection: Collection) -> str | None:
    """Why identify / find similar cannot use this collection now, or None if it can."""

    status = training_status(tenant=tenant, kind=collection.kind, collection_id=collection.id)
    if status is None:
        return "it has never been trained"
    if status.status == "succeeded" or status.last_successful_training is not None:
        return None  # large kinds keep answering with their last good training
    if status.status == "failed":
        detail = f": {status.message}" if status.message else ""
        return f"its training failed{detail}"
    return "its first training has not finished yet"


# --- identify -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    group: GroupRef
    group_name: str
    person_id: str
    name: str
    user_data: str | None
    confidence: float
    thumbnails: tuple[str, ...] = ()

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class FaceIdentity:
    box: FaceBox
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Identification:
    detection: Detection
    faces: tuple[FaceIdentity, ...]
    searched: tuple[Collection, ...]
    skipped: tuple[SkippedGroup, ...]
    api_ms: float

    @property
    def shared_names(self) -> frozenset[str]:
        """Names that more than one searched group carries: those groups show their ids."""
        names = [c.name for c in self.searched]
        return frozenset(name for name in names if names.count(name) > 1)


def _identify_targets(
    tenant: Tenant,
    client: AzureFaceClient,
    group_refs: Sequence[GroupRef] | None,
    known: Sequence[Collection] | None,
) -> tuple[list[Collection], list[SkippedGroup]]:
    """The groups to search; `known` (a listing the caller has already made, with
    recognition models) saves listing or fetching them again."""
    if group_refs is None:
        if known is None:
            known = [c for kind in PERSON_KINDS for c in _list_collections(client, kind)]
        return _split_trained(tenant, [c for c in known if c.kind in PERSON_KINDS], [])
    by_ref = {GroupRef(c.kind, c.id): c for c in known or () if c.recognition_model}
    collections = []
    skipped = []
    for ref in dict.fromkeys(group_refs):
        if ref.kind not in PERSON_KINDS:
            raise PhotoError(f"{ref} is not a person group.")
        try:
            collections.append(by_ref.get(ref) or _get_collection(client, ref))
        except NotFoundError:
            skipped.append(SkippedGroup(ref, ref.id, "it does not exist (any more)"))
    return _split_trained(tenant, collections, skipped)


def _split_trained(
    tenant: Tenant, collections: list[Collection], skipped: list[SkippedGroup]
) -> tuple[list[Collection], list[SkippedGroup]]:
    usable = []
    for collection in collections:
        reason = _untrained_reason(tenant, collection)
        if reason is None:
            usable.append(collection)
        else:
            ref = GroupRef(collection.kind, collection.id)
            skipped.append(SkippedGroup(ref, collection.name, reason))
    return usable, skipped


@audit.audited_lookup("lookup.identify", audit.target_identify, audit.summary_identify)
def photo_identify(
    *,
    tenant: Tenant,
    photo: Photo,
    settings: DetectSettings,
    group_refs: Sequence[GroupRef] | None = None,
    max_candidates: int = 3,
    confidence_threshold: float | None = None,
    known: Sequence[Collection] | None = None,
    user: Actor = None,
) -> Identification:
    """Who is on the photo: every face against several person groups at once.

    `group_refs` None means every trained person group and large person group of the
    tenant (`known`: the caller's listing of them, to save listing again). Collections
    that cannot answer (never trained, training, failed, gone) are skipped and named in
    `skipped`. Faces are detected once per recognition model the groups use (identify
    refuses faces of another model), candidates of all groups are merged per face, best
    first, `max_candidates` kept.
    """
    lookup = _Lookup(tenant)
    client = lookup.client
    targets, skipped = _identify_targets(tenant, client, group_refs, known)
    models = list(dict.fromkeys(c.recognition_model or "recognition_01" for c in targets))
    if settings.recognition_model in models:  # the operator's choice draws the overlay
        models.remove(settings.recognition_model)
        models.insert(0, settings.recognition_model)
    shown = settings.with_recognition_model(models[0]) if models else settings
    detections: dict[str, Detection] = {}

    def detect_shown() -> Detection:
        detections.clear()
        detections[shown.recognition_model] = _detect(lookup, photo, shown)
        return detections[shown.recognition_model]

    primary = detect_shown()

    def face_ids(model: str) -> list[tuple[int, str]]:
        """(face number, face id of `model`) for every face drawn on the photo."""
        current = detections[shown.recognition_model]
        if model not in detections:
            plain = DetectSettings(settings.detection_model, model, landmarks=False)
            detections[model] = _detect(lookup, photo, plain)
        detection = detections[model]
        pairs = []
        for box in current.boxes:
            if detection is current:
                face_id = box.face.face_id
            else:
                face_id = _matching_face_id(detection, box.rect)
            if face_id:
                pairs.append((box.number, face_id))
        return pairs

    found: dict[int, list[tuple[Collection, IdentifyCandidate]]] = {}
    searched: list[Collection] = []
    for collection in targets if primary.boxes else []:
        model = collection.recognition_model or "recognition_01"
        ref = GroupRef(collection.kind, collection.id)
        try:
            for start in range(0, len(face_ids(model)), IDENTIFY_BATCH):

                def identify(
                    model: str = model, start: int = start, ref: GroupRef = ref
                ) -> list[tuple[int, tuple[IdentifyCandidate, ...]]]:
                    batch = face_ids(model)[start : start + IDENTIFY_BATCH]
                    results = client.identify(
                        face_ids=[face_id for _, face_id in batch],
                        max_num_of_candidates_returned=max_candidates,
                        confidence_threshold=confidence_threshold,
                        **_group_ids(ref),
                    )
                    numbers = {face_id: number for number, face_id in batch}
                    return [
                        (numbers[r.face_id], r.candidates) for r in results if r.face_id in numbers
                    ]

                for number, hits in _retry_expired(identify, detect_shown):
                    for candidate in hits:
                        found.setdefault(number, []).append((collection, candidate))
        except (NotFoundError, NotTrainedError, TrainingNotFinishedError, BadRequestError) as exc:
            # Gone, untrained or training since we checked, or of an incompatible model:
            # one group's trouble must not hide the others' answers.
            skipped.append(SkippedGroup(ref, collection.name, exc.message))
            continue
        searched.append(collection)

    primary = detections[shown.recognition_model]
    people: dict[tuple[GroupRef, str], Person | None] = {}
    faces = []
    for box in primary.boxes:
        ranked = sorted(found.get(box.number, []), key=lambda pair: -pair[1].confidence)
        candidates = []
        for collection, candidate in ranked[:max_candidates]:
            ref = GroupRef(collection.kind, collection.id)
            key = (ref, candidate.person_id)
            if key not in people:
                people[key] = _get_person(client, ref, candidate.person_id)
            person = people[key]
            candidates.append(
                Candidate(
                    group=ref,
                    group_name=collection.name,
                    person_id=candidate.person_id,
                    name=person.name if person else "(deleted person)",
                    user_data=person.user_data if person else None,
                    confidence=candidate.confidence,
                    thumbnails=_person_thumbnails(tenant, ref, candidate.person_id),
                )
            )
        faces.append(FaceIdentity(box, tuple(candidates)))
    return Identification(
        detection=primary,
        faces=tuple(faces),
        searched=tuple(searched),
        skipped=tuple(skipped),
        api_ms=lookup.api_ms,
    )


def _person_thumbnails(tenant: Tenant, ref: GroupRef, person_id: str) -> tuple[str, ...]:

    images = person_face_images(tenant=tenant, kind=ref.kind, group_id=ref.id, person_id=person_id)
    return tuple(image.thumbnail_url for image in images[:THUMBNAILS_PER_PERSON])


# --- enroll from a result -------------------------------------------------------------------


@dataclass(frozen=True)
class Enrollment:
    person_id: str
    persisted_face_ids: tuple[str, ...]
    created: bool
    failures: tuple[str, ...] = ()


def photo_enroll_face(
    *,
    tenant: Tenant,
    user: Any,
    group: GroupRef,
    photo: Photo,
    target_face: FaceRectangle,
    person_id: str | None = None,
    new_person_name: str = "",
    user_data: str | None = None,
) -> Enrollment:
    """Add the face at `target_face` of the photo to a person, or to a new person.

    The photo is re-sent by the browser; the collections service stores the face's
    thumbnail in the face image store (and audits), nothing else of the photo is kept.
    """

    if group.kind not in PERSON_KINDS:
        raise PhotoError("Faces are enrolled into person groups only.")
    if photo.data is None:
        raise PhotoError("Enrolling needs the photo itself; choose the file again.")
    created = person_id is None
    if person_id is None:
        if not new_person_name.strip():
            raise PhotoError("Give the new person a name.")
        person_id = person_create(
            tenant=tenant,
            user=user,
            kind=group.kind,
            group_id=group.id,
            name=new_person_name.strip(),
            user_data=user_data or None,
        )
    face = person_add_face(
        tenant=tenant,
        user=user,
        kind=group.kind,
        group_id=group.id,
        person_id=person_id,
        image=photo.data,
        filename=photo.filename,
        target_face=target_face,
    )
    return Enrollment(person_id, (face.persisted_face_id,), created)


# --- verify ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    first: Detection
    first_box: FaceBox
    result: VerifyResult
    second: Detection | None = None
    second_box: FaceBox | None = None
    group: Collection | None = None
    person: Person | None = None
    api_ms: float = 0.0

    @property
    def percent(self) -> int:
        return round(self.result.confidence * 100)


def _need_face(detection: Detection, which: str) -> None:
    if not detection.boxes:
        raise PhotoError(f"No face was found on {which} ({detection.photo.filename}).")


@audit.audited_lookup("lookup.verify", audit.target_verify, audit.summary_verify)
def photo_verify(
    *,
    tenant: Tenant,
    settings: DetectSettings,
    first: Photo,
    first_face: FaceRectangle | None = None,
    second: Photo | None = None,
    second_face: FaceRectangle | None = None,
    group: GroupRef | None = None,
    person_id: str | None = None,
    user: Actor = None,
) -> Verification:
    """Same person? Two photos (the picked face of each, else the largest), or a photo's
    face against an enrolled person."""
    lookup = _Lookup(tenant)
    client = lookup.client
    if second is not None:
        state = {
            "a": _detect(lookup, first, settings),
            "b": _detect(lookup, second, settings),
        }
        _need_face(state["a"], "the first photo")
        _need_face(state["b"], "the second photo")

        def call() -> VerifyResult:
            a = state["a"].box_for(first_face)
            b = state["b"].box_for(second_face)
            assert a is not None and b is not None
            return client.verify_face_to_face(
                face_id1=a.face.face_id or "", face_id2=b.face.face_id or ""
            )

        def redetect() -> None:
            state["a"] = _detect(lookup, first, settings)
            state["b"] = _detect(lookup, second, settings)

        result = _retry_expired(call, redetect)
        a_box, b_box = state["a"].box_for(first_face), state["b"].box_for(second_face)
        assert a_box is not None and b_box is not None
        return Verification(state["a"], a_box, result, state["b"], b_box, api_ms=lookup.api_ms)

    if group is None or not person_id:
        raise PhotoError("Choose a second photo, or a person to compare with.")
    try:
        collection = _get_collection(client, group)
    except NotFoundError:
        raise PhotoError(f"The group {group.id} does not exist (any more).") from None
    person = _get_person(client, group, person_id)
    if person is None:
        raise PhotoError(f"No person {person_id} in {collection.name}.")
    model_settings = settings.with_recognition_model(
        collection.recognition_model or "recognition_01"
    )
    holder = {"a": _detect(lookup, first, model_settings)}
    _need_face(holder["a"], "the photo")

    def call_person() -> VerifyResult:
        box = holder["a"].box_for(first_face)
        assert box is not None
        return client.verify_face_to_person(
            face_id=box.face.face_id or "", person_id=person_id, **_group_ids(group)
        )

    def redetect_person() -> None:
        holder["a"] = _detect(lookup, first, model_settings)

    result = _retry_expired(call_person, redetect_person)
    box = holder["a"].box_for(first_face)
    assert box is not None
    return Verification(
        holder["a"], box, result, group=collection, person=person, api_ms=lookup.api_ms
    )


# --- find similar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarMatch:
    persisted_face_id: str
    confidence: float
    user_data: str | None = None
    thumbnail_url: str | None = None

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class SimilarSearch:
    detection: Detection
    box: FaceBox
    face_list: Collection
    mode: str
    matches: tuple[SimilarMatch, ...]
    api_ms: float


@audit.audited_lookup("lookup.similar", audit.target_similar, audit.summary_similar)
def photo_find_similar(
    *,
    tenant: Tenant,
    photo: Photo,
    settings: DetectSettings,
    face_list: GroupRef,
    face: FaceRectangle | None = None,
    mode: str = "matchPerson",
    max_candidates: int = 20,
    user: Actor = None,
) -> SimilarSearch:
    """The faces of a face list (or large face list) most like the picked face."""

    if face_list.kind not in LIST_KINDS:
        raise PhotoError(f"{face_list} is not a face list.")
    lookup = _Lookup(tenant)
    client = lookup.client
    try:
        collection = _get_collection(client, face_list)
    except NotFoundError:
        raise PhotoError(f"The face list {face_list.id} does not exist (any more).") from None
    if face_list.kind is CollectionKind.LARGE_FACE_LIST:
        reason = _untrained_reason(tenant, collection)
        if reason is not None:
            raise PhotoError(f"{collection.name} cannot be searched yet: {reason}.")
    model_settings = settings.with_recognition_model(
        collection.recognition_model or "recognition_01"
    )
    holder = {"d": _detect(lookup, photo, model_settings)}
    _need_face(holder["d"], "the photo")
    list_ids = (
        {"face_list_id": face_list.id}
        if face_list.kind is CollectionKind.FACE_LIST
        else {"large_face_list_id": face_list.id}
    )

    def call() -> list[SimilarFace]:
        box = holder["d"].box_for(face)
        assert box is not None
        return client.find_similar(
            face_id=box.face.face_id or "",
            max_num_of_candidates_returned=max_candidates,
            mode=mode,
            **list_ids,
        )

    def redetect() -> None:
        holder["d"] = _detect(lookup, photo, model_settings)

    hits = _retry_expired(call, redetect)
    ids = [h.persisted_face_id for h in hits if h.persisted_face_id]
    images = face_images(tenant=tenant, persisted_face_ids=ids)
    user_data = {f.persisted_face_id: f.user_data for f in collection.persisted_faces or ()}
    matches = tuple(
        SimilarMatch(
            persisted_face_id=face_id,
            confidence=hit.confidence,
            user_data=user_data.get(face_id),
            thumbnail_url=images[face_id].thumbnail_url if face_id in images else None,
        )
        for hit in hits
        if (face_id := hit.persisted_face_id)
    )
    box = holder["d"].box_for(face)
    assert box is not None
    return SimilarSearch(holder["d"], box, collection, mode, matches, lookup.api_ms)


# --- group ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterFace:
    """A face of the grouped photos: a small thumbnail to look at, and an enrollment crop
    (face plus margin, as base64 JPEG) the page posts back to create a person. Neither is
    stored on the server."""

    photo_index: int
    filename: str
    rect: FaceRectangle
    thumbnail_uri: str
    crop_b64: str = field(repr=False)
    crop_target: FaceRectangle

    @property
    def crop_value(self) -> str:
        """One form value: "left,top,width,height:base64"."""
        return f"{self.crop_target.as_target()}:{self.crop_b64}"


@dataclass(frozen=True)
class Cluster:
    number: int
    faces: tuple[ClusterFace, ...]
    messy: bool = False

    @property
    def enroll_faces(self) -> tuple[ClusterFace, ...]:
        """The faces "create a person from this cluster" sends (the largest cluster's
        first MAX_CLUSTER_ENROLL); more can be added on the person's page later."""
        return self.faces[:MAX_CLUSTER_ENROLL]


@dataclass(frozen=True)
class Grouping:
    clusters: tuple[Cluster, ...]
    messy: Cluster | None
    photos: int
    faces: int
    without_faces: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    api_ms: float


@audit.audited_lookup("lookup.group", audit.target_group, audit.summary_group)
def photo_group(
    *, tenant: Tenant, photos: Sequence[Photo], settings: DetectSettings, user: Actor = None
) -> Grouping:
    """Detect every face on up to 100 photos and group them by likeness.

    Thumbnails and enrollment crops are cut here from the photos in memory; the photos
    themselves are dropped when the request ends.
    """
    if len(photos) > MAX_GROUP_PHOTOS:
        raise PhotoError(f"Group at most {MAX_GROUP_PHOTOS} photos at once ({len(photos)} sent).")
    if not photos:
        raise PhotoError("Choose the photos to group.")
    lookup = _Lookup(tenant)
    plain = DetectSettings(settings.detection_model, settings.recognition_model, landmarks=False)
    detections: dict[int, Detection] = {}
    without: list[str] = []
    failed: list[tuple[str, str]] = []

    def detect_all() -> None:
        detections.clear()
        without.clear()
        failed.clear()
        for index, photo in enumerate(photos):
            try:
                detection = _detect_rectangles(lookup, photo, plain)
            except BadRequestError as exc:  # this photo only: InvalidImage, too small...
                failed.append((photo.filename, exc.message))
                continue
            if detection.boxes:
                detections[index] = detection
            else:
                without.append(photo.filename)

    detect_all()
    count = sum(len(d.boxes) for d in detections.values())
    if count < 2:
        raise PhotoError(f"Grouping needs at least two faces; these photos have {count}.")
    if count > MAX_GROUP_FACES:
        raise PhotoError(
            f"These photos have {count} faces; grouping takes at most {MAX_GROUP_FACES}. "
            "Send fewer photos at once."
        )

    def index() -> dict[str, tuple[int, FaceBox]]:
        return {
            box.face.face_id: (i, box)
            for i, d in detections.items()
            for box in d.boxes
            if box.face.face_id
        }

    def call() -> GroupResult:
        return lookup.client.group(face_ids=list(index()))

    result = _retry_expired(call, detect_all)
    where = index()
    wanted = {face_id: where[face_id] for face_id in where}
    crops = _cut_faces(photos, wanted)

    def cluster(number: int, ids: Iterable[str], messy: bool = False) -> Cluster:
        return Cluster(number, tuple(crops[i] for i in ids if i in crops), messy)

    clusters = tuple(cluster(n, ids) for n, ids in enumerate(result.groups, start=1))
    messy = cluster(0, result.messy_group, messy=True) if result.messy_group else None
    return Grouping(
        clusters=clusters,
        messy=messy,
        photos=len(photos),
        faces=len(where),
        without_faces=tuple(without),
        failed=tuple(failed),
        api_ms=lookup.api_ms,
    )


def _detect_rectangles(lookup: _Lookup, photo: Photo, settings: DetectSettings) -> Detection:
    faces = lookup.client.detect_with_stream(
        image=photo.data or b"",
        return_face_id=True,
        recognition_model=settings.recognition_model,
        detection_model=settings.detection_model,
    )
    boxes = tuple(FaceBox(n, face) for n, face in enumerate(faces, start=1))
    return Detection(photo, settings, boxes, None, 0.0)


def _upright(data: bytes, scale_hint: float = 1.0) -> tuple[Image.Image, float]:
    """The photo decoded upright (EXIF applied), possibly reduced while decoding (JPEG
    draft mode, much faster for big photos); returns the image and its scale."""
    image = Image.open(io.BytesIO(data))
    full_w, full_h = image.size
    if image.format == "JPEG" and scale_hint < 1.0:
        image.draft("RGB", (max(1, int(full_w * scale_hint)), max(1, int(full_h * scale_hint))))
    scale = image.size[0] / full_w
    upright = ImageOps.exif_transpose(image).convert("RGB")
    return upright, scale


def _cut_faces(
    photos: Sequence[Photo], faces: Mapping[str, tuple[int, FaceBox]]
) -> dict[str, ClusterFace]:
    by_photo: dict[int, list[tuple[str, FaceBox]]] = {}
    for face_id, (index, box) in faces.items():
        by_photo.setdefault(index, []).append((face_id, box))
    out: dict[str, ClusterFace] = {}
    for index, items in by_photo.items():
        photo = photos[index]
        smallest = min(max(box.rect.width, box.rect.height) for _, box in items)
        # Decode only as much resolution as the largest crop needs.
        hint = min(1.0, _CROP_FACE_PX / max(1, smallest))
        image, scale = _upright(photo.data or b"", hint)
        for face_id, box in items:
            out[face_id] = _cut(image, scale, photo, index, box.rect)
    return out


def _cut(
    image: Image.Image, scale: float, photo: Photo, index: int, rect: FaceRectangle
) -> ClusterFace:
    left, top = rect.left * scale, rect.top * scale
    width, height = rect.width * scale, rect.height * scale
    # Thumbnail: the face, a little context, square.
    side = max(width, height) * 1.2
    cx, cy = left + width / 2, top + height / 2
    thumb = image.crop(
        (round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2))
    )
    thumb = thumb.resize((_THUMB_PX, _THUMB_PX), Image.Resampling.LANCZOS)
    # Enrollment crop: face plus margin, clipped to the photo, face at most _CROP_FACE_PX.
    margin_x, margin_y = width * _CROP_MARGIN, height * _CROP_MARGIN
    box = (
        max(0, round(left - margin_x)),
        max(0, round(top - margin_y)),
        min(image.width, round(left + width + margin_x)),
        min(image.height, round(top + height + margin_y)),
    )
    crop = image.crop(box)
    shrink = min(1.0, _CROP_FACE_PX / max(width, height, 1))
    if shrink < 1.0:
        crop = crop.resize(
            (max(1, round(crop.width * shrink)), max(1, round(crop.height * shrink))),
            Image.Resampling.LANCZOS,
        )
    target = FaceRectangle(
        left=max(0, round((left - box[0]) * shrink)),
        top=max(0, round((top - box[1]) * shrink)),
        width=max(1, round(width * shrink)),
        height=max(1, round(height * shrink)),
    )
    return ClusterFace(
        photo_index=index,
        filename=photo.filename,
        rect=rect,
        thumbnail_uri="data:image/jpeg;base64," + _jpeg_b64(thumb, 80),
        crop_b64=_jpeg_b64(crop, 90),
        crop_target=target,
    )


def _jpeg_b64(image: Image.Image, quality: int) -> str:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return base64.b64encode(out.getvalue()).decode("ascii")


def parse_crop(value: str) -> tuple[FaceRectangle, bytes]:
    """Read back a `ClusterFace.crop_value` posted by the page."""
    target, sep, b64 = value.partition(":")
    try:
        left, top, width, height = (int(v) for v in target.split(","))
        data = base64.b64decode(b64, validate=True)
    except ValueError:
        raise PhotoError("A face crop sent back by the page is damaged; group again.") from None
    if not sep or width <= 0 or height <= 0:
        raise PhotoError("A face crop sent back by the page is damaged; group again.")
    return FaceRectangle(left, top, width, height), data


def cluster_enroll(
    *,
    tenant: Tenant,
    user: Any,
    group: GroupRef,
    name: str,
    crops: Sequence[str],
    user_data: str | None = None,
) -> Enrollment:
    """Create a person from a cluster: a new person, then each face crop added to it.

    A face that the provider refuses (too small once cropped, say) is reported in
    `failures`; the others are still enrolled.
    """

    if group.kind not in PERSON_KINDS:
        raise PhotoError("Faces are enrolled into person groups only.")
    if not name.strip():
        raise PhotoError("Give the new person a name.")
    faces = [parse_crop(value) for value in crops]
    if not faces:
        raise PhotoError("This cluster has no faces to enroll.")
    for _, data in faces:
        photo_from_bytes(data=data, filename="face crop")  # same checks as any upload
    person_id = person_create(
        tenant=tenant,
        user=user,
        kind=group.kind,
        group_id=group.id,
        name=name.strip(),
        user_data=user_data or None,
    )
    added: list[str] = []
    failures: list[str] = []
    for number, (target, data) in enumerate(faces, start=1):
        try:
            face = person_add_face(
                tenant=tenant,
                user=user,
                kind=group.kind,
                group_id=group.id,
                person_id=person_id,
                image=data,
                filename=f"cluster-face-{number}.jpg",
                target_face=target,
            )
        except BadRequestError as exc:
            failures.append(f"face {number}: {exc.message}")
            continue
        added.append(face.persisted_face_id)
    return Enrollment(person_id, tuple(added), True, tuple(failures))


def person_options(*, tenant: Tenant, per_group: int = 500) -> list[tuple[Collection, Person]]:
    """Persons to pick from (the first `per_group` of each person group, by id)."""
    client = client_for(tenant)
    people: list[tuple[Collection, Person]] = []
    for collection in collection_options(tenant=tenant, kinds=PERSON_KINDS):
        try:
            if collection.kind is CollectionKind.LARGE_PERSON_GROUP:
                persons = client.large_person_group_person_list(
                    large_person_group_id=collection.id, top=per_group
                )
            else:
                persons = client.person_group_person_list(
                    person_group_id=collection.id, top=per_group
                )
        except NotFoundError:
            continue
        people.extend((collection, person) for person in persons)
    return people
