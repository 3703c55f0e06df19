"""The engine's storage: accounts, collections (groups and face lists), persons, faces.

Small and large collections share one model each (`large` flag), so that large person
groups and large face lists reuse every query and constraint of the small ones.
Descriptors are stored as raw float32 bytes (128 x 4 = 512 bytes). `userData` is nullable:
Azure answers `null` for data never set, which differs from an empty string.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from django.db import models
from django.db.models import Q
from django.utils import timezone

from faceadmin.engine.keyaccount import KeyAccount

DESCRIPTOR_DTYPE = np.float32
DESCRIPTOR_SIZE = 128


def descriptor_to_bytes(descriptor: np.ndarray) -> bytes:
    return np.ascontiguousarray(descriptor, dtype=DESCRIPTOR_DTYPE).tobytes()


def descriptor_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=DESCRIPTOR_DTYPE)


class Account(KeyAccount):
    """One subscription key. Its UUID is what Azure calls the subscription id.

    Fields and hashing are shared with FindFace tokens: see `engine.keyaccount`."""


class PersonGroup(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="groups")
    group_id = models.CharField(max_length=64)
    large = models.BooleanField(default=False)
    name = models.CharField(max_length=128)
    user_data = models.TextField(null=True, blank=True)  # noqa: DJ001 (null = never set)
    recognition_model = models.CharField(max_length=16)
    created = models.DateTimeField(default=timezone.now)
    # True while a snapshot apply fills it: it holds its id but is invisible to every call.
    hidden = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "large", "group_id"], name="engine_group_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.group_id


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(PersonGroup, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(max_length=128)
    user_data = models.TextField(null=True, blank=True)  # noqa: DJ001 (null = never set)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        # Paging is `WHERE group = ? AND id > start ORDER BY id LIMIT top`.
        indexes = [models.Index(fields=["group", "id"], name="engine_person_page")]

    def __str__(self) -> str:
        return str(self.id)


class FaceList(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="face_lists")
    list_id = models.CharField(max_length=64)
    large = models.BooleanField(default=False)
    name = models.CharField(max_length=128)
    user_data = models.TextField(null=True, blank=True)  # noqa: DJ001 (null = never set)
    recognition_model = models.CharField(max_length=16)
    created = models.DateTimeField(default=timezone.now)
    # True while a snapshot apply fills it: it holds its id but is invisible to every call.
    hidden = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "large", "list_id"], name="engine_facelist_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.list_id


class PersistedFace(models.Model):
    """A face added to a person or to a face list (exactly one of the two)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="faces"
    )
    face_list = models.ForeignKey(
        FaceList, null=True, blank=True, on_delete=models.CASCADE, related_name="faces"
    )
    descriptor = models.BinaryField()
    user_data = models.TextField(null=True, blank=True)  # noqa: DJ001 (null = never set)
    # The face's rectangle in the photo it was added from.
    rect_left = models.IntegerField()
    rect_top = models.IntegerField()
    rect_width = models.IntegerField()
    rect_height = models.IntegerField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["person", "id"], name="engine_face_person_page"),
            models.Index(fields=["face_list", "id"], name="engine_face_list_page"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, face_list__isnull=True)
                | Q(person__isnull=True, face_list__isnull=False),
                name="engine_face_one_owner",
            )
        ]

    def __str__(self) -> str:
        return str(self.id)


class TrainingStatus(models.TextChoices):
    NOTSTARTED = "notstarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Training(models.Model):
    """The training state of one person group (or, later, one large face list).

    One row per trainable collection. `version` counts train requests; the matrix of
    the last successful run is the file named by `ready_version` (see training.py).
    `worker` and `heartbeat` let any process tell a live run from one whose process died.
    """

    group = models.OneToOneField(
        PersonGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="training"
    )
    face_list = models.OneToOneField(
        FaceList, null=True, blank=True, on_delete=models.CASCADE, related_name="training"
    )
    status = models.CharField(max_length=16, choices=TrainingStatus.choices)
    created = models.DateTimeField(default=timezone.now)
    last_action = models.DateTimeField(default=timezone.now)
    last_successful = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=0)
    ready_version = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False, face_list__isnull=True)
                | Q(group__isnull=True, face_list__isnull=False),
                name="engine_training_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"training {self.pk} ({self.status})"


class DetectedFace(models.Model):
    """A faceId handed out by detect. In the database so that every worker process sees it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    descriptor = models.BinaryField()
    recognition_model = models.CharField(max_length=16)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return str(self.id)


class SnapshotType(models.TextChoices):
    FACE_LIST = "FaceList"
    LARGE_FACE_LIST = "LargeFaceList"
    PERSON_GROUP = "PersonGroup"
    LARGE_PERSON_GROUP = "LargePersonGroup"


class Snapshot(models.Model):
    """A copy of a collection (rows, descriptors and training), stored under
    `<DATA_DIR>/snapshots/<id>/` (see snapshots.py). Invisible until `ready`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="snapshots")
    type = models.CharField(max_length=16, choices=SnapshotType.choices)
    object_id = models.CharField(max_length=64)
    apply_scope = models.JSONField(default=list)  # lower-case account UUID strings
    user_data = models.TextField(null=True, blank=True)  # noqa: DJ001 (null = never set)
    created = models.DateTimeField(default=timezone.now)
    last_update = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    ready = models.BooleanField(default=False)

    def __str__(self) -> str:
        return str(self.id)


class OperationAction(models.TextChoices):
    TAKE = "take"
    APPLY = "apply"


class Operation(models.Model):
    """A snapshot take or apply, run in the background (a job, see jobs.py).

    `object_type` / `object_id` name the collection it works on in `account` (the source
    of a take, the target of an apply); at most one active operation per object.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="operations")
    action = models.CharField(max_length=8, choices=OperationAction.choices)
    snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="operations"
    )
    object_type = models.CharField(max_length=16, choices=SnapshotType.choices)
    object_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=TrainingStatus.choices)
    created = models.DateTimeField(default=timezone.now)
    last_action = models.DateTimeField(default=timezone.now)
    resource_location = models.CharField(max_length=128, blank=True)
    message = models.TextField(blank=True, default="")
    worker = models.CharField(max_length=64, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "object_type", "object_id"],
                condition=Q(status__in=["notstarted", "running"]),
                name="engine_operation_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.id} ({self.status})"


def save_given_fields(instance: models.Model, **changes: Any) -> None:
    """Set the fields whose value is not None and save only those (PATCH semantics)."""
    fields = [field for field, value in changes.items() if value is not None]
    for field in fields:
        setattr(instance, field, changes[field])
    if fields:
        instance.save(update_fields=fields)
