"""Where an import goes: a collection of one of the four Azure kinds, or a FindFace gallery.

One small class per kind of target behind one interface (persons, enrolled photos, detect,
enroll), built on the same services as the hand-made pages, so imported faces get the same
audit events, thumbnails and provenance. Every provider call goes through `call`, which keeps
to the tenant's rate limit and waits out 429s (see `patience`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from faceadmin.clients.errors import FaceApiError, RateLimited
from faceadmin.clients.types import CollectionKind, FaceRectangle
from faceadmin.faceapi import collections as colls
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.common import _client
from faceadmin.faceapi.kinds import KIND_BY_SLUG
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.training import training_status
from faceadmin.faceapi.transfer import ratelimit
from faceadmin.tenants.models import Tenant

logger = logging.getLogger(__name__)

GALLERY = "gallery"
# The target kinds an import form offers: the Azure URL slugs, and FindFace galleries.
TARGET_KINDS = (*colls.KIND_SLUGS.values(), GALLERY)


class RateLimitWaitExceeded(FaceApiError):
    """The provider kept answering 429 for longer than the import is willing to wait."""

    default_code = "429"


@dataclass(frozen=True)
class DetectedPhoto:
    faces: list[FaceRectangle]  # largest first
    face_ids: list[str]  # with `want_ids` (trained person groups): for identify


def patience(
    call: Callable[[], Any],
    *,
    tenant: Tenant,
    calls: int = 1,
    check: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Run one provider call within the tenant's rate limit, waiting out 429s.

    The transport already retries a 429 a few times within its own time budget; a provider
    that asks for a longer wait (Retry-After: 120) makes it give up with `RateLimited`. Here
    the import waits as long as asked, in short slices so that a pause or cancel still comes
    through (`check` raises), up to FACEADMIN_IMPORT_MAX_RATE_WAIT_SECONDS in all; past that
    the job stops, and a retry resumes at this very file."""
    waited = 0.0
    budget = float(settings.FACEADMIN_IMPORT_MAX_RATE_WAIT_SECONDS)
    attempt = 0
    while True:
        ratelimit.acquire(tenant, calls)
        try:
            return call()
        except RateLimited as exc:
            attempt += 1
            delay = exc.retry_after if exc.retry_after is not None else min(60.0, 2.0**attempt)
            if waited + delay > budget:
                raise RateLimitWaitExceeded(
                    f"The provider kept rate-limiting for {waited + delay:.0f} s; the import "
                    "stopped here and continues from this file when retried.",
                    status=429,
                ) from exc
            logger.info("import: provider asked to wait %.1f s (429)", delay)
            end = time.monotonic() + delay
            while (left := end - time.monotonic()) > 0:
                check()
                sleep(min(left, 0.5))
            waited += delay


class Target:
    """What the import needs from a collection; one subclass per kind of target."""

    has_persons = True
    trainable = False
    supports_pick = False

    def __init__(self, *, tenant: Tenant, collection_id: str) -> None:
        self.tenant = tenant
        self.collection_id = collection_id

    @property
    def label(self) -> str:
        raise NotImplementedError

    def persons(self) -> dict[str, str]:
        """Existing persons: name -> personId, and personId -> personId (ids match too)."""
        return {}

    def create_person(self, *, user: Any, name: str, user_data: str) -> str:
        raise NotImplementedError

    def enrolled_sha256(self) -> set[str]:
        """SHA-256 of the photos already enrolled in this collection (no API call)."""
        raise NotImplementedError

    def is_trained(self) -> bool:
        return False

    def detect(self, image: bytes, *, want_ids: bool = False) -> DetectedPhoto:
        raise NotImplementedError

    def identify(self, face_ids: list[str], threshold: float) -> dict[str, tuple[str, float]]:
        """faceId -> (personId, confidence) of the best candidate above `threshold`."""
        return {}

    def enroll(
        self,
        *,
        user: Any,
        person_id: str,
        image: bytes,
        filename: str,
        face: FaceRectangle | None,
        user_data: str,
    ) -> str:
        """Enroll one face; returns its id (persistedFaceId, or the FindFace face id)."""
        raise NotImplementedError

    def keep_for_pick(
        self, *, user: Any, person_id: str, image: bytes, filename: str, faces: list[FaceRectangle]
    ) -> str:
        raise NotImplementedError


class CollectionTarget(Target):
    """A person group, large person group, face list or large face list."""

    def __init__(self, *, tenant: Tenant, kind: CollectionKind, collection_id: str) -> None:
        super().__init__(tenant=tenant, collection_id=collection_id)
        self.kind = kind
        self.has_persons = kind in colls.PERSON_KINDS
        self.trainable = kind in colls.TRAINABLE_KINDS
        self.supports_pick = True
        self._model: str | None = None

    @property
    def label(self) -> str:
        return f"{colls.KIND_LABELS[self.kind]} {self.collection_id}"

    def recognition_model(self) -> str:
        if self._model is None:
            collection = colls.collection_get(
                tenant=self.tenant, kind=self.kind, collection_id=self.collection_id
            )
            self._model = collection.recognition_model or colls.DEFAULT_RECOGNITION_MODEL
        return self._model

    def persons(self) -> dict[str, str]:
        if not self.has_persons:
            return {}
        found: dict[str, str] = {}
        start = None
        while True:
            page = colls.person_page(
                tenant=self.tenant,
                kind=self.kind,
                group_id=self.collection_id,
                start=start,
                top=999,
            )
            for person in page.items:
                found.setdefault(person.name, person.person_id)
                found[person.person_id] = person.person_id
            if not page.has_next:
                return found
            start = page.next_start

    def create_person(self, *, user: Any, name: str, user_data: str) -> str:
        return colls.person_create(
            tenant=self.tenant,
            user=user,
            kind=self.kind,
            group_id=self.collection_id,
            name=name[:128],
            user_data=user_data or None,
        )

    def enrolled_sha256(self) -> set[str]:
        return set(
            FaceImage.objects.filter(
                tenant=self.tenant, kind=self.kind.value, collection_id=self.collection_id
            ).values_list("sha256", flat=True)
        )

    def is_trained(self) -> bool:
        if self.kind not in colls.PERSON_KINDS:
            return False
        status = training_status(
            tenant=self.tenant, kind=self.kind, collection_id=self.collection_id
        )
        return status is not None and status.status == "succeeded"

    def detect(self, image: bytes, *, want_ids: bool = False) -> DetectedPhoto:
        client = _client(self.tenant)
        faces = client.detect_with_stream(
            image=image,
            return_face_id=want_ids,
            recognition_model=self.recognition_model() if want_ids else "recognition_04",
            detection_model=colls.DETECTION_MODEL,
        )
        ordered = sorted(faces, key=lambda f: -(f.rectangle.width * f.rectangle.height))
        return DetectedPhoto(
            [f.rectangle for f in ordered], [f.face_id or "" for f in ordered if want_ids]
        )

    def identify(self, face_ids: list[str], threshold: float) -> dict[str, tuple[str, float]]:
        if not face_ids:
            return {}
        client = _client(self.tenant)
        if self.kind == CollectionKind.PERSON_GROUP:
            results = client.identify(
                face_ids=face_ids,
                person_group_id=self.collection_id,
                confidence_threshold=threshold,
            )
        else:
            results = client.identify(
                face_ids=face_ids,
                large_person_group_id=self.collection_id,
                confidence_threshold=threshold,
            )
        best = {}
        for result in results:
            if result.candidates:
                top = result.candidates[0]
                best[result.face_id] = (top.person_id, top.confidence)
        return best

    def enroll(
        self,
        *,
        user: Any,
        person_id: str,
        image: bytes,
        filename: str,
        face: FaceRectangle | None,
        user_data: str,
    ) -> str:
        if self.has_persons:
            added = colls.person_add_face(
                tenant=self.tenant,
                user=user,
                kind=self.kind,
                group_id=self.collection_id,
                person_id=person_id,
                image=image,
                filename=filename,
                target_face=face,
            )
        else:
            added = colls.face_list_add_face(
                tenant=self.tenant,
                user=user,
                kind=self.kind,
                list_id=self.collection_id,
                image=image,
                filename=filename,
                target_face=face,
                user_data=user_data or None,
            )
        return added.persisted_face_id

    def keep_for_pick(
        self, *, user: Any, person_id: str, image: bytes, filename: str, faces: list[FaceRectangle]
    ) -> str:
        pending = imagestore.pending_photo_save(
            tenant=self.tenant,
            user=user,
            kind=self.kind,
            collection_id=self.collection_id,
            person_id=person_id,
            image=image,
            filename=filename,
            user_data=None,
            faces=faces,
        )
        return str(pending.token)


class GalleryTarget(Target):
    """A FindFace gallery: a face's meta is the person's name (FindFace has no persons)."""

    has_persons = False

    @property
    def label(self) -> str:
        return f"Gallery {self.collection_id}"

    def enrolled_sha256(self) -> set[str]:
        # FindFace keeps the crops itself, so faceadmin stores no image for gallery faces;
        # the earlier imports' finished steps say which photos went in.
        from faceadmin.jobs.models import JobItem

        rows = JobItem.objects.filter(
            job__tenant=self.tenant,
            job__kind="import",
            job__params__kind=GALLERY,
            job__params__collection_id=self.collection_id,
            status="enrolled",
        ).values_list("data", flat=True)
        return {str(data.get("sha256")) for data in rows if isinstance(data, dict)}

    def detect(self, image: bytes, *, want_ids: bool = False) -> DetectedPhoto:
        from faceadmin.faceapi.lookup import photo_from_bytes
        from faceadmin.faceapi.lookup.findface import photo_detect_faces

        detection = photo_detect_faces(
            tenant=self.tenant, photo=photo_from_bytes(data=image, filename="photo")
        )
        return DetectedPhoto([box.rect for box in detection.boxes], [])

    def enroll(
        self,
        *,
        user: Any,
        person_id: str,
        image: bytes,
        filename: str,
        face: FaceRectangle | None,
        user_data: str,
    ) -> str:
        from faceadmin.faceapi.galleries import gallery_enroll
        from faceadmin.faceapi.lookup import photo_from_bytes

        created = gallery_enroll(
            tenant=self.tenant,
            user=user,
            gallery=self.collection_id,
            photo=photo_from_bytes(data=image, filename=filename),
            meta=person_id,
            target=face,
        )
        return ",".join(str(face.id) for face in created)


def target_for(*, tenant: Tenant, kind: str, collection_id: str) -> Target:
    """The target named by a job's params (`kind` is a URL slug, or "gallery")."""
    if kind == GALLERY:
        return GalleryTarget(tenant=tenant, collection_id=collection_id)
    return CollectionTarget(tenant=tenant, kind=KIND_BY_SLUG[kind], collection_id=collection_id)


def chunks[T](items: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
