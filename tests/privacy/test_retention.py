"""Retention of stored photos: per-tenant settings, enforcement with a travelled clock, the
daily schedule, the usage table and who may change the settings."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.faceapi.retention import (
    next_run,
    retention_daily,
    retention_enforce,
    retention_schedule_ensure,
    retention_usage,
)
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import AuditEvent, Tenant

DAY = timedelta(days=1)


def stored_face(
    tenant: Tenant, face_id: str, *, age: timedelta, original: bool = True
) -> FaceImage:
    image = FaceImage(
        tenant=tenant,
        kind="PersonGroup",
        collection_id="staff",
        person_id="p1",
        persisted_face_id=face_id,
        sha256="0" * 64,
    )
    image.thumbnail.save(f"{tenant.pk}/{face_id}-thumb.jpg", ContentFile(b"t" * 100), save=False)
    if original:
        image.original.save(f"{tenant.pk}/{face_id}-orig.jpg", ContentFile(b"o" * 1000), save=False)
    image.save()
    FaceImage.objects.filter(pk=image.pk).update(created_at=timezone.now() - age)
    image.refresh_from_db()
    return image


def pending_photo(tenant: Tenant, *, age: timedelta) -> PendingPhoto:
    pending = PendingPhoto(tenant=tenant, kind="PersonGroup", collection_id="staff")
    pending.image.save(f"pending/{tenant.pk}/x.jpg", ContentFile(b"p" * 500), save=False)
    pending.save()
    PendingPhoto.objects.filter(pk=pending.pk).update(created_at=timezone.now() - age)
    pending.refresh_from_db()
    return pending


def exists(field_file: Any) -> bool:
    return bool(field_file) and field_file.storage.exists(field_file.name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Travel in time: `clock(days=40)` moves django.utils.timezone.now 40 days ahead."""

    def travel(**delta: float) -> datetime:
        real = timezone.now
        moved = real() + timedelta(**delta)
        offset = moved - real()
        monkeypatch.setattr(timezone, "now", lambda: real() + offset)
        return moved

    return travel


@pytest.mark.django_db(transaction=True)
def test_originals_go_after_n_days_and_thumbnails_stay(tenant: Tenant) -> None:
    tenant.retention_original_days = 30
    tenant.save()
    old = stored_face(tenant, "old", age=10 * DAY)
    young = stored_face(tenant, "young", age=1 * DAY)
    now = timezone.now()

    report = retention_enforce(tenant=tenant, now=now)
    assert report.originals_removed == 0
    assert exists(FaceImage.objects.get(pk=old.pk).original)

    report = retention_enforce(tenant=tenant, now=now + 25 * DAY)  # old is 35 days old
    assert (report.originals_removed, report.thumbnails_removed) == (1, 0)
    assert report.bytes_freed == 1000
    kept = FaceImage.objects.get(pk=old.pk)
    assert not kept.original and exists(kept.thumbnail)
    assert not old.original.storage.exists(old.original.name)
    assert exists(FaceImage.objects.get(pk=young.pk).original)
    event = AuditEvent.objects.filter(action="retention.enforce").first()
    assert event is not None and '"originals_removed":1' in event.reason


@pytest.mark.django_db(transaction=True)
def test_without_kept_thumbnails_the_whole_stored_face_goes(tenant: Tenant) -> None:
    tenant.retention_original_days = 7
    tenant.retention_keep_thumbnails = False
    tenant.save()
    old = stored_face(tenant, "old", age=8 * DAY)
    stored_face(tenant, "young", age=2 * DAY)
    report = retention_enforce(tenant=tenant)
    assert (report.originals_removed, report.thumbnails_removed) == (1, 1)
    assert list(FaceImage.objects.values_list("persisted_face_id", flat=True)) == ["young"]
    assert not old.thumbnail.storage.exists(old.thumbnail.name)


@pytest.mark.django_db(transaction=True)
def test_no_setting_keeps_originals_and_pending_photos_go_after_n_hours(tenant: Tenant) -> None:
    tenant.retention_pending_hours = 6
    tenant.save()
    face = stored_face(tenant, "ancient", age=3650 * DAY)
    stale = pending_photo(tenant, age=timedelta(hours=7))
    fresh = pending_photo(tenant, age=timedelta(hours=1))
    report = retention_enforce(tenant=tenant)
    assert report.originals_removed == 0 and exists(FaceImage.objects.get(pk=face.pk).original)
    assert report.pending_removed == 1
    assert list(PendingPhoto.objects.all()) == [fresh]
    assert not stale.image.storage.exists(stale.image.name)


@pytest.mark.django_db(transaction=True)
def test_the_retention_job_enforces_with_the_travelled_clock(
    tenant: Tenant, other_tenant: Tenant, clock: Any, run_jobs: Any
) -> None:
    tenant.retention_original_days = 30
    tenant.save()
    mine = stored_face(tenant, "mine", age=0 * DAY)
    theirs = stored_face(other_tenant, "theirs", age=0 * DAY)  # other tenant keeps forever
    assert retention_daily.call() == 2  # one job per tenant...
    assert DBTaskResult.objects.filter(
        task_path=retention_daily.module_path, status="READY"
    ).exists()  # ... and tomorrow's run is queued
    clock(days=31)
    run_jobs()
    # Tomorrow's run came due in the travelled time too: two more jobs, and the next queued.
    jobs = Job.objects.filter(kind="privacy_retention")
    assert jobs.count() == 4
    assert {j.status for j in jobs} == {JobStatus.SUCCEEDED}
    assert sum(j.result["originals_removed"] for j in jobs.filter(tenant=tenant)) == 1
    assert DBTaskResult.objects.filter(
        task_path=retention_daily.module_path, status="READY"
    ).exists()
    assert not FaceImage.objects.get(pk=mine.pk).original
    assert exists(FaceImage.objects.get(pk=theirs.pk).original)


@pytest.mark.django_db
def test_the_daily_run_is_queued_once_for_the_next_morning() -> None:
    now = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert next_run(now) == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert next_run(now.replace(hour=2)) == datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert retention_schedule_ensure(now=now) is True
    assert retention_schedule_ensure(now=now) is False
    out = io.StringIO()
    call_command("retention", "--enqueue", stdout=out)
    assert "already queued" in out.getvalue()
    queued = DBTaskResult.objects.get(task_path=retention_daily.module_path)
    assert queued.run_after == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_command_enforces_now_for_cron(tenant: Tenant) -> None:
    tenant.retention_original_days = 1
    tenant.save()
    stored_face(tenant, "old", age=2 * DAY)
    out = io.StringIO()
    call_command("retention", stdout=out)
    assert "acme: 1 originals" in out.getvalue()


@pytest.mark.django_db
def test_usage_shows_bytes_counts_and_expiry_per_collection(tenant: Tenant) -> None:
    tenant.retention_original_days = 30
    tenant.save()
    face = stored_face(tenant, "a", age=10 * DAY)
    stored_face(tenant, "b", age=1 * DAY, original=False)
    pending = pending_photo(tenant, age=timedelta(hours=2))
    rows = {row.kind: row for row in retention_usage(tenant=tenant)}
    staff = rows["PersonGroup"]
    assert (staff.faces, staff.originals) == (2, 1)
    assert (staff.thumbnail_bytes, staff.original_bytes) == (200, 1000)
    assert staff.next_expiry == face.created_at + 30 * DAY
    assert rows["pending"].original_bytes == 500
    assert rows["pending"].next_expiry == pending.created_at + timedelta(hours=24)


@pytest.mark.django_db
def test_only_admins_set_retention_and_see_the_privacy_page(tenant: Tenant, client_as: Any) -> None:
    stored_face(tenant, "a", age=DAY)
    data = {
        "retention_original_days": "14",
        "retention_keep_thumbnails": "on",
        "retention_pending_hours": "12",
    }
    for role in ("operator", "viewer"):
        assert client_as(role).post("/t/acme/privacy/retention/", data).status_code == 403
        assert client_as(role).get("/t/acme/privacy/").status_code == 403
    assert client_as("outsider").get("/t/acme/privacy/").status_code == 404
    assert client_as("outsider").post("/t/acme/privacy/retention/", data).status_code == 404
    tenant.refresh_from_db()
    assert tenant.retention_original_days is None

    admin = client_as("admin")
    assert admin.post("/t/acme/privacy/retention/", data).status_code == 302
    tenant.refresh_from_db()
    assert (tenant.retention_original_days, tenant.retention_pending_hours) == (14, 12)
    assert AuditEvent.objects.filter(action="retention.update").exists()
    page = admin.get("/t/acme/privacy/").content.decode()
    assert "Person group" in page and "staff" in page
    settings_page = admin.get("/t/acme/settings/").content.decode()
    assert 'name="retention_original_days"' in settings_page
    bad = admin.post("/t/acme/privacy/retention/", {**data, "retention_pending_hours": "0"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_a_failed_daily_run_still_queues_tomorrows(monkeypatch: pytest.MonkeyPatch) -> None:
    from faceadmin.faceapi import retention

    def broken() -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(retention, "retention_jobs_start", broken)
    with pytest.raises(RuntimeError):
        retention_daily.call()
    assert DBTaskResult.objects.filter(
        task_path=retention_daily.module_path, status="READY"
    ).exists()
