"""What faceadmin remembers about a tenant's collections that the face API cannot tell it.

* `FaceImage`: the API never returns an enrolled photo, so faceadmin keeps a thumbnail (and,
  when `FACEADMIN_STORE_ORIGINALS` is on, the original upload) of every face it enrolls, with
  who enrolled it, when, from which file and the file's SHA-256.
* `CollectionChange`: when faceadmin last changed a collection's persons or faces, so a
  collection whose last successful training is older can say "needs training".
* `PendingPhoto`: an upload with several faces, kept until the operator picks which to enroll.
* `DuplicateScan`: a "find duplicates" run over a face list, done in the background.
* `SnapshotOperation`: a snapshot take or apply started from faceadmin (the provider cannot
  list a subscription's operations, only answer about one whose id it handed out).

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

from faceadmin.clients.types import CollectionKind, FaceRectangle
from faceadmin.faceapi.kinds import KIND_SLUGS
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
    # Why a photo with one face waits for a confirmation ("looks like another person", low
    # quality); empty for a photo with several faces.
    warning = models.TextField(blank=True)
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


class OperationKind(models.TextChoices):
    TAKE = "take", "Take snapshot"
    APPLY = "apply", "Apply snapshot"


class OperationState(models.TextChoices):
    """The provider's operation statuses, as it spells them."""

    NOT_STARTED = "notstarted", "Not started"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SnapshotOperation(models.Model):
    """A snapshot take or apply that faceadmin started, so the tenant can follow it.

    The provider has no "list my operations" call: an operation is only reachable by the id
    its 202 answer named, so the dashboard keeps the ids here. `tenant` is the tenant whose key
    started the operation (for an apply into another tenant, that target tenant): only that
    subscription may read the operation's status.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    operation_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=OperationKind.choices)
    object_type = models.CharField(max_length=32, choices=KIND_CHOICES)
    # take: the collection copied; apply: the collection being created.
    object_id = models.CharField(max_length=64)
    # take: learned from resourceLocation once it succeeded; apply: the snapshot applied.
    snapshot_id = models.CharField(max_length=64, blank=True)
    # The snapshot's `account`, read once a take succeeded: the taker's subscription id on the
    # embedded engine, the Face resource's ARM id (/subscriptions/{id}/...) on Azure.
    account = models.CharField(max_length=255, blank=True)
    # apply: the tenant the snapshot came from, when faceadmin knows it.
    source_tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=OperationState.choices, default=OperationState.NOT_STARTED
    )
    message = models.TextField(blank=True)
    resource_location = models.CharField(max_length=255, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "operation_id"], name="one_row_per_snapshot_operation"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["tenant", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type} {self.object_id}: {self.status}"

    @property
    def is_running(self) -> bool:
        return self.finished_at is None

    @property
    def object_kind(self) -> CollectionKind:
        return CollectionKind(self.object_type)

    # URLs of the dashboard pages about it (select_related("tenant") when listing).
    @property
    def url(self) -> str:
        return reverse("dashboard:operation", args=[self.tenant.slug, self.operation_id])

    @property
    def object_url(self) -> str:
        kind_slug = KIND_SLUGS[self.object_kind]
        return reverse("dashboard:collection", args=[self.tenant.slug, kind_slug, self.object_id])

    @property
    def snapshot_url(self) -> str:
        if not self.snapshot_id:
            return ""
        return reverse("dashboard:snapshot", args=[self.tenant.slug, self.snapshot_id])


class CatalogPerson(models.Model):
    """One person of a (large) person group, as faceadmin last saw it at the provider.

    The provider lists persons only page by page in id order, with no search: this local
    catalog lets the dashboard search and sort a whole collection at once. It is refreshed
    from the provider on demand and after every change made through faceadmin."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    person_id = models.CharField(max_length=64)
    name = models.CharField(max_length=128)
    # Lower-cased name and the start of userData, searched with LIKE (so case-insensitive on
    # every database). Short enough for a B-tree index entry on PostgreSQL.
    search_text = models.CharField(max_length=700)
    user_data = models.TextField(blank=True)
    face_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "collection_id", "person_id"],
                name="catalog_person_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "kind", "collection_id", "name", "person_id"],
                name="catalog_person_by_name",
            ),
            # Covers a search (filter, count and sort) without reading the table's rows: a
            # substring search must look at every entry, and reading them from the index
            # is what keeps 100,000 persons under 100 ms.
            models.Index(
                fields=[
                    "tenant",
                    "kind",
                    "collection_id",
                    "search_text",
                    "name",
                    "person_id",
                    "face_count",
                ],
                name="catalog_person_search",
            ),
            # The "fewest / most faces" sorts of a whole group walk these and stop at a page.
            models.Index(
                fields=["tenant", "kind", "collection_id", "face_count", "name", "person_id"],
                name="catalog_person_by_faces",
            ),
            models.Index(
                fields=["tenant", "kind", "collection_id", "-face_count", "name", "person_id"],
                name="catalog_person_most_faces",
            ),
            # On PostgreSQL, migration 0005 adds pg_trgm GIN indexes on search_text and
            # person_id (substring and prefix searches read only the matching rows), and one
            # on (tenant, kind, collection, lower(name), lower(person_id)) that a search
            # matching many walks in order (SQLite would walk it for every search, reading
            # every row when few match: it is not created there).
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.person_id})"


class CatalogFace(models.Model):
    """One face of a (large) face list, as faceadmin last saw it: the face-list side of the
    catalog (searched by userData and id, sorted by userData or id)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    persisted_face_id = models.CharField(max_length=64)
    user_data = models.TextField(blank=True)
    search_text = models.CharField(max_length=700)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "collection_id", "persisted_face_id"],
                name="catalog_face_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "kind", "collection_id", "search_text", "persisted_face_id"],
                name="catalog_face_search",
            ),
            # On PostgreSQL, migration 0005 adds a pg_trgm GIN index on search_text.
        ]

    def __str__(self) -> str:
        return self.persisted_face_id


class CatalogSync(models.Model):
    """When a collection's catalog was last filled from the provider (its "last synced")."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "collection_id"], name="catalog_sync_unique"
            )
        ]

    def __str__(self) -> str:
        return f"catalog of {self.kind} {self.collection_id} synced {self.synced_at:%Y-%m-%d %H:%M}"


class ProviderCallStat(models.Model):
    """Calls to the face API per tenant, day and operation: how many, how many failed, and
    their latency. One UPSERT per HTTP exchange (see `faceapi.callstats`); never a key, URL
    or id, only the operation's shape (`POST /persongroups/{id}/train`)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    operation = models.CharField(max_length=120)
    calls = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    total_ms = models.FloatField(default=0)
    max_ms = models.FloatField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "day", "operation"], name="one_call_stat_per_day_and_operation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.operation}: {self.calls} calls, {self.errors} errors"


class TrainingRun(models.Model):
    """A finished training that faceadmin saw (the provider keeps only the last one)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    collection_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        ordering: ClassVar = ["-started_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "collection_id", "started_at"],
                name="one_training_run_per_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.collection_id} trained in {self.seconds:.1f} s ({self.status})"
