"""Retention of the photos faceadmin stores, per tenant.

Each tenant says how long enrolled faces' original photos are kept (`retention_original_days`,
empty = until the face is deleted), whether thumbnails go with them
(`retention_keep_thumbnails`), and after how many hours a pending photo (an upload waiting
for the operator to pick its faces) is dropped (`retention_pending_hours`).

Enforcement: Django's tasks framework has no scheduler, so `retention_daily` is a task that
starts one `privacy_retention` job per tenant (they show on the Jobs screen) and then queues
itself again for the next day (`run_after`). `manage.py retention --enqueue` puts the first
one in the queue (idempotent: it does nothing when one is queued already; `make run` calls
it); `manage.py retention` enforces at once, for a cron job when no worker runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.tasks import task
from django.utils import timezone

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.kinds import KIND_LABELS
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.jobs.registry import job_kind
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

__all__ = [
    "RetentionReport",
    "retention_daily",
    "retention_enforce",
    "retention_schedule_ensure",
    "retention_settings_update",
    "retention_usage",
]

RUN_AT: Final = time(3, 0)  # UTC: the daily run starts the tenants' jobs at this hour


@dataclass(frozen=True)
class RetentionReport:
    tenant: str
    originals_removed: int
    thumbnails_removed: int
    pending_removed: int
    bytes_freed: int

    @property
    def removed_anything(self) -> bool:
        return bool(self.originals_removed or self.thumbnails_removed or self.pending_removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "originals_removed": self.originals_removed,
            "thumbnails_removed": self.thumbnails_removed,
            "pending_removed": self.pending_removed,
            "bytes_freed": self.bytes_freed,
        }


def _size(field_file: Any) -> int:
    if not field_file:
        return 0
    try:
        return int(field_file.storage.size(field_file.name))
    except OSError:
        return 0


def _delete_file_on_commit(field_file: Any) -> None:
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))


def retention_enforce(
    *, tenant: Tenant, user: Any = None, now: datetime | None = None
) -> RetentionReport:
    """Remove what the tenant's settings say has expired; one audit event says what went."""
    now = now or timezone.now()
    originals = thumbnails = freed = 0
    if tenant.retention_original_days is not None:
        cutoff = now - timedelta(days=tenant.retention_original_days)
        expired = FaceImage.objects.filter(tenant=tenant, created_at__lt=cutoff)
        if tenant.retention_keep_thumbnails:
            for image in expired.exclude(original=""):
                freed += _size(image.original)
                _delete_file_on_commit(image.original)
                FaceImage.objects.filter(pk=image.pk).update(original="")
                originals += 1
        else:
            for image in expired:
                freed += _size(image.original) + _size(image.thumbnail)
                originals += 1 if image.original else 0
                thumbnails += 1
                image.delete()  # its files follow (post_delete)
    pending_cutoff = now - timedelta(hours=tenant.retention_pending_hours)
    pending = 0
    for photo in PendingPhoto.objects.filter(tenant=tenant, created_at__lt=pending_cutoff):
        freed += _size(photo.image)
        photo.delete()
        pending += 1
    report = RetentionReport(tenant.slug, originals, thumbnails, pending, freed)
    audit_record(
        action="retention.enforce",
        tenant=tenant,
        user=user,
        target_kind="tenant",
        target_id=tenant.slug,
        reason=json.dumps(
            {
                **report.as_dict(),
                "at": now.isoformat(),
                "keep_originals_days": tenant.retention_original_days,
                "keep_thumbnails": tenant.retention_keep_thumbnails,
                "pending_hours": tenant.retention_pending_hours,
            },
            separators=(",", ":"),
        ),
    )
    return report


def retention_settings_update(
    *,
    tenant: Tenant,
    user: Any,
    original_days: int | None,
    keep_thumbnails: bool,
    pending_hours: int,
) -> Tenant:
    tenant.retention_original_days = original_days
    tenant.retention_keep_thumbnails = keep_thumbnails
    tenant.retention_pending_hours = pending_hours
    tenant.save(
        update_fields=[
            "retention_original_days",
            "retention_keep_thumbnails",
            "retention_pending_hours",
            "updated_at",
        ]
    )
    audit_record(
        action="retention.update",
        tenant=tenant,
        user=user,
        target_kind="tenant",
        target_id=tenant.slug,
        reason=(
            f"originals {original_days if original_days is not None else 'kept'} days, "
            f"thumbnails {'kept' if keep_thumbnails else 'deleted with originals'}, "
            f"pending {pending_hours} h"
        ),
    )
    return tenant


# --- what is stored ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionUsage:
    kind: str
    collection_id: str
    faces: int
    originals: int
    thumbnail_bytes: int
    original_bytes: int
    oldest: datetime | None
    newest: datetime | None
    # When the oldest stored original (or, thumbnails not kept, image) goes; None = never.
    next_expiry: datetime | None
    # When everything stored now will have gone.
    all_expire: datetime | None

    @property
    def label(self) -> str:
        if self.kind == "pending":
            return "Pending photos"
        return KIND_LABELS[CollectionKind(self.kind)]

    @property
    def bytes(self) -> int:
        return self.thumbnail_bytes + self.original_bytes


def retention_usage(*, tenant: Tenant) -> list[CollectionUsage]:
    """How much faceadmin stores per collection (and in pending photos), and when it goes.

    Reads every stored file's size from the storage (one stat each): fine for the tens of
    thousands of faces a dashboard enrolls; a page of a million faces would want cached sizes.
    """
    days = tenant.retention_original_days
    groups = (
        FaceImage.objects.filter(tenant=tenant)
        .values("kind", "collection_id")
        .annotate(
            faces=Count("pk"),
            originals=Count("pk", filter=~Q(original="")),
            oldest=Min("created_at"),
            newest=Max("created_at"),
            oldest_original=Min("created_at", filter=~Q(original="")),
            newest_original=Max("created_at", filter=~Q(original="")),
        )
        .order_by("kind", "collection_id")
    )
    rows = [_group_usage(tenant, group, days) for group in groups]
    pending = _pending_usage(tenant)
    if pending is not None:
        rows.append(pending)
    return rows


def _group_usage(tenant: Tenant, group: Mapping[str, Any], days: int | None) -> CollectionUsage:
    """One collection's row: the sizes of its files (a stat each) and when they expire."""
    images = FaceImage.objects.filter(
        tenant=tenant, kind=group["kind"], collection_id=group["collection_id"]
    ).only("thumbnail", "original")
    thumbs = origs = 0
    for image in images:
        thumbs += _size(image.thumbnail)
        origs += _size(image.original)
    if days is None:
        first = last = None
    elif tenant.retention_keep_thumbnails:
        first = group["oldest_original"] and group["oldest_original"] + timedelta(days=days)
        last = group["newest_original"] and group["newest_original"] + timedelta(days=days)
    else:
        first = group["oldest"] + timedelta(days=days)
        last = group["newest"] + timedelta(days=days)
    return CollectionUsage(
        kind=group["kind"],
        collection_id=group["collection_id"],
        faces=group["faces"],
        originals=group["originals"],
        thumbnail_bytes=thumbs,
        original_bytes=origs,
        oldest=group["oldest"],
        newest=group["newest"],
        next_expiry=first,
        all_expire=last,
    )


def _pending_usage(tenant: Tenant) -> CollectionUsage | None:
    """The pending photos' row (None when there is none)."""
    pending = list(PendingPhoto.objects.filter(tenant=tenant).order_by("created_at"))
    if not pending:
        return None
    ttl = timedelta(hours=tenant.retention_pending_hours)
    return CollectionUsage(
        kind="pending",
        collection_id="",
        faces=len(pending),
        originals=len(pending),
        thumbnail_bytes=0,
        original_bytes=sum(_size(p.image) for p in pending),
        oldest=pending[0].created_at,
        newest=pending[-1].created_at,
        next_expiry=pending[0].created_at + ttl,
        all_expire=pending[-1].created_at + ttl,
    )


# --- the daily schedule -----------------------------------------------------------------------


def next_run(now: datetime | None = None) -> datetime:
    """The next RUN_AT (UTC) strictly after `now`."""
    now = now or timezone.now()
    candidate = datetime.combine(now.date(), RUN_AT, tzinfo=now.tzinfo or UTC)
    return candidate if candidate > now else candidate + timedelta(days=1)


def _queued_daily() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=retention_daily.module_path, status="READY"
    ).exists()


def retention_schedule_ensure(*, now: datetime | None = None) -> bool:
    """Queue the daily run unless one is queued already; True when this call queued it."""
    if _queued_daily():
        return False
    retention_daily.using(run_after=next_run(now)).enqueue()
    return True


def retention_jobs_start() -> int:
    """One retention job per tenant (shown on each tenant's Jobs screen)."""
    from faceadmin.jobs.services import job_create

    started = 0
    for tenant in Tenant.objects.all():
        job_create(
            tenant=tenant,
            user=None,
            kind="privacy_retention",
            title="Retention: remove expired photos",
        )
        started += 1
    return started


@task()
def retention_daily() -> int:
    """Start today's retention jobs, then queue tomorrow's run."""
    try:
        return retention_jobs_start()
    finally:
        # Tomorrow's run is queued even if today's failed, or the schedule would end here.
        # This task's own row is still RUNNING, so the check finds no other queued run.
        retention_schedule_ensure()


@job_kind(
    "privacy_retention",
    label="Retention",
    result_template="dashboard/privacy_retention_result.html",
)
def retention_run(ctx: Any) -> dict[str, Any]:
    """The `privacy_retention` job: enforce the tenant's settings now."""
    ctx.progress(total=1, message="Removing expired photos", force=True)
    report = retention_enforce(tenant=ctx.tenant, user=ctx.job.created_by)
    ctx.progress(done=1)
    return report.as_dict()
