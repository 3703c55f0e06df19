"""What faceadmin remembers about a tenant's collections that the face API cannot tell it.

* `FaceImage`: the API never returns an enrolled photo, so faceadmin keeps a thumbnail (and,
  when `FACEADMIN_STORE_ORIGINALS` is on, the original upload) of every face it enrolls, with
  who enrolled it, when, from which file and the file's SHA-256.
* `CollectionChange`: when faceadmin last changed a collection's persons or faces, so a
  collection whose last successful training is older can say "needs training".
* `PendingPhoto`: an upload with several faces, kept until the operator picks which to enroll.
* `DuplicateScan`: a "find duplicates" run over a face list, done in the background.

Files live in a storage of their own under MEDIA_ROOT/faces that has no URL: face photos are
only ever served by views that check the tenant membership.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse

from faceadmin.faceapi.types import CollectionKind, FaceRectangle
from faceadmin.tenants.models import Tenant

KIND_CHOICES = [(kind.value, kind.value) for kind in CollectionKind]


def face_storage() -> Storage:
    """Private file storage (no base URL): MEDIA_ROOT/faces, resolved when used."""
    return FileSystemStorage(location=Path(settings.MEDIA_ROOT) / "faces", base_url=None)


class FaceImage(models.Model):
    """The photo behind one persisted face that faceadmin enrolled."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    # Empty for the faces of a face list.
    person_id = models.CharField(max_length=64, blank=True)
    persisted_face_id = models.CharField(max_length=64)
    user_data = models.TextField(blank=True, help_text="The userData sent when enrolling.")
    thumbnail = models.FileField(storage=face_storage, max_length=255)
    original = models.FileField(storage=face_storage, max_length=255, blank=True)
    # The face in the original photo (the targetFace that was enrolled).
    face_left = models.PositiveIntegerField(default=0)
    face_top = models.PositiveIntegerField(default=0)
    face_width = models.PositiveIntegerField(default=0)
    face_height = models.PositiveIntegerField(default=0)
    source_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so provenance still reads well after the user is gone.
    uploaded_by_username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "collection_id", "persisted_face_id"],
                name="one_image_per_persisted_face",
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["tenant", "persisted_face_id"]),
            models.Index(fields=["tenant", "kind", "collection_id", "person_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.collection_id} face {self.persisted_face_id}"

    @property
    def thumbnail_url(self) -> str:
        """The authenticated URL of the thumbnail (select_related("tenant") when listing)."""
        return reverse("dashboard:face_thumbnail", args=[self.tenant.slug, self.persisted_face_id])

    @property
    def original_url(self) -> str:
        if not self.original:
            return ""
        return reverse("dashboard:face_original", args=[self.tenant.slug, self.persisted_face_id])

    @property
    def has_original(self) -> bool:
        return bool(self.original)

    @property
    def rectangle(self) -> FaceRectangle | None:
        if not self.face_width or not self.face_height:
            return None
        return FaceRectangle(self.face_left, self.face_top, self.face_width, self.face_height)


class CollectionChange(models.Model):
    """When faceadmin last added or removed persons or faces in a collection."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    changed_at = models.DateTimeField()
    action = models.CharField(max_length=64, help_text="The last change, e.g. face.add.")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "collection_id"], name="one_change_marker_per_collection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.collection_id} changed {self.changed_at:%Y-%m-%d %H:%M:%S}"


class PendingPhoto(models.Model):
    """An upload with several faces, waiting for the operator to pick the ones to enroll."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    person_id = models.CharField(max_length=64, blank=True)
    image = models.FileField(storage=face_storage, max_length=255)
    filename = models.CharField(max_length=255, blank=True)
    user_data = models.TextField(blank=True)
    faces = models.JSONField(default=list, help_text="[[left, top, width, height], ...]")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pending {self.filename} ({len(self.faces)} faces)"

    @property
    def rectangles(self) -> list[FaceRectangle]:
        return [FaceRectangle(*map(int, face)) for face in self.faces]


class ScanStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class DuplicateScan(models.Model):
    """One "find duplicates" run over a face list or large face list."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    threshold = models.FloatField()
    status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.RUNNING)
    total = models.PositiveIntegerField(default=0, help_text="Faces with a stored original.")
    checked = models.PositiveIntegerField(default=0)
    # [{"a": pfid, "b": pfid, "confidence": 0.93}, ...], highest confidence first.
    pairs = models.JSONField(default=list)
    # Faces that could not be checked: [{"face": pfid, "reason": "..."}].
    skipped = models.JSONField(default=list)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"duplicates in {self.kind} {self.collection_id}: {self.status}"

    @property
    def is_running(self) -> bool:
        return self.status == ScanStatus.RUNNING


def _delete_files_on_commit(*fields: Any) -> None:
    names = [(field.storage, field.name) for field in fields if field]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


# Files follow their rows, however the rows go (a service, a cascade from the tenant, admin).
@receiver(post_delete, sender=FaceImage)
def _face_image_deleted(sender: Any, instance: FaceImage, **kwargs: Any) -> None:
    _delete_files_on_commit(instance.thumbnail, instance.original)


@receiver(post_delete, sender=PendingPhoto)
def _pending_photo_deleted(sender: Any, instance: PendingPhoto, **kwargs: Any) -> None:
    _delete_files_on_commit(instance.image)
