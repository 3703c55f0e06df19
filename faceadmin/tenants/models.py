from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from faceadmin.tenants import crypto


class Provider(models.TextChoices):
    EMBEDDED = "embedded", "Embedded engine"
    AZURE = "azure", "Azure Face API"
    FINDFACE = "findface", "FindFace Cloud API"


# Azure's pricing tiers, as calls per second (Free F0: 20 per minute; Standard S0: 10 per second).
RATE_LIMIT_PRESETS: tuple[tuple[float, str], ...] = (
    (0.0, "No limit (embedded engine, or a raised quota)"),
    (round(20 / 60, 4), "Azure Free (F0): 20 calls per minute"),
    (10.0, "Azure Standard (S0): 10 calls per second"),
)


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    OPERATOR = "operator", "Operator"
    ADMIN = "admin", "Admin"


ROLE_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


class Tenant(models.Model):
    """One face-API account that a team manages, with its keys encrypted at rest."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.AZURE)
    endpoint_url = models.URLField(
        blank=True,
        help_text="Scheme and host of the API, e.g. https://westus.api.cognitive.microsoft.com. "
        "Leave empty for the embedded engine of this server.",
    )
    # Fernet tokens; never plaintext. Use set_primary_key()/primary_key to read and write.
    primary_key_token = models.TextField(blank=True)
    secondary_key_token = models.TextField(blank=True)
    primary_key_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the provider last refused the primary key."
    )
    # Retention of the photos faceadmin stores (enforced daily: faceapi/retention.py).
    retention_original_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="Keep original photos (days)",
        help_text="Enrolled faces' original photos are deleted this many days after "
        "enrollment. Empty: kept until the face is deleted.",
    )
    retention_keep_thumbnails = models.BooleanField(
        default=True,
        verbose_name="Keep thumbnails after the originals expire",
        help_text="Untick to delete each face's thumbnail together with its original.",
    )
    retention_pending_hours = models.PositiveIntegerField(
        default=24,
        verbose_name="Delete pending photos after (hours)",
        help_text="Uploads with several faces wait this long for someone to pick the faces.",
    )
    # Calls per second this account may make; 0 = no limit (the embedded engine). Bulk jobs
    # (import, copy) keep to it across all worker processes; see faceapi/transfer/ratelimit.py.
    rate_limit_per_second = models.FloatField(
        default=0,
        help_text="Provider calls per second bulk jobs may make (0 = no limit). "
        "Azure Free (F0): 0.33 (20 per minute); Standard (S0): 10.",
    )
    # The confidence threshold lookups use when the operator leaves theirs blank, saved from a
    # calibration on the tenant's own faces (None: the provider's default).
    identify_threshold = models.FloatField(
        null=True,
        blank=True,
        help_text="Default identify confidence threshold (0-1), from a calibration.",
    )
    identify_threshold_calibrated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the calibration behind identify_threshold ran."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_key(self) -> str:
        return crypto.decrypt(self.primary_key_token) if self.primary_key_token else ""

    @property
    def secondary_key(self) -> str:
        return crypto.decrypt(self.secondary_key_token) if self.secondary_key_token else ""

    def set_primary_key(self, key: str) -> None:
        self.primary_key_token = crypto.encrypt(key) if key else ""

    def set_secondary_key(self, key: str) -> None:
        self.secondary_key_token = crypto.encrypt(key) if key else ""

    @property
    def primary_key_masked(self) -> str:
        return crypto.mask(self.primary_key)

    @property
    def secondary_key_masked(self) -> str:
        return crypto.mask(self.secondary_key)

    @property
    def is_embedded(self) -> bool:
        """Served by this server: the embedded engine, or (FindFace with no endpoint) its
        FindFace facade."""
        return self.provider in (Provider.EMBEDDED, Provider.FINDFACE) and not self.endpoint_url


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant")
        ]
        ordering: ClassVar = ["tenant__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} as {self.role}"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what to which object, and how it ended. Append-only; never holds a key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Names are kept as text too, so events still read well after a user or tenant is gone.
    # No database constraint and DO_NOTHING: deleting a user or tenant never touches events.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    tenant = models.ForeignKey(
        Tenant,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    tenant_slug = models.CharField(max_length=50, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_kind = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=128, blank=True)
    outcome = models.CharField(max_length=64, default="ok", help_text="'ok' or the error code")
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"
