"""Selectors of the tenant overview: what faceadmin itself recorded, no provider call.

* faces enrolled and lookups per day, from the audit trail (`face.add` for the Azure kinds,
  `face.enroll` for FindFace galleries; every `lookup.*` action);
* provider calls, errors and latency per day and per operation, from `ProviderCallStat`;
* collection sizes, from the images faceadmin stored for the faces it enrolled;
* training durations, from the trainings faceadmin saw finish (`TrainingRun`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from faceadmin.faceapi.models import FaceImage, ProviderCallStat, TrainingRun
from faceadmin.tenants.models import AuditEvent, Tenant

ENROL_ACTIONS = ("face.add", "face.enroll")
LOOKUP_PREFIX = "lookup."
OVERVIEW_DAYS = 30


@dataclass(frozen=True)
class DayRow:
    day: date
    enrolled: int
    lookups: int
    calls: int
    errors: int
    total_ms: float
    max_ms: float

    @property
    def avg_ms(self) -> float | None:
        return self.total_ms / self.calls if self.calls else None


@dataclass(frozen=True)
class OperationRow:
    operation: str
    calls: int
    errors: int
    total_ms: float
    max_ms: float

    @property
    def avg_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class CollectionSize:
    kind: str
    collection_id: str
    faces: int
    persons: int


def _days(days: int, today: date | None) -> list[date]:
    last = today or timezone.localdate()
    return [last - timedelta(days=n) for n in range(days - 1, -1, -1)]


def overview_daily(
    *, tenant: Tenant, days: int = OVERVIEW_DAYS, today: date | None = None
) -> list[DayRow]:
    """One row per day of the last `days` days (oldest first), zeros included."""
    span = _days(days, today)
    tz = timezone.get_current_timezone()
    events = (
        AuditEvent.objects.filter(tenant=tenant, outcome="ok", created_at__date__gte=span[0])
        .filter(Q(action__in=ENROL_ACTIONS) | Q(action__startswith=LOOKUP_PREFIX))
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(
            enrolled=Count("id", filter=Q(action__in=ENROL_ACTIONS)),
            lookups=Count("id", filter=Q(action__startswith=LOOKUP_PREFIX)),
        )
    )
    by_day: dict[date, dict[str, Any]] = {row["day"]: dict(row) for row in events}
    stats = (
        ProviderCallStat.objects.filter(tenant=tenant, day__gte=span[0], day__lte=span[-1])
        .values("day")
        .annotate(
            calls=Sum("calls"), errors=Sum("errors"), total_ms=Sum("total_ms"), max_ms=Max("max_ms")
        )
    )
    call_days: dict[date, dict[str, Any]] = {row["day"]: dict(row) for row in stats}
    rows = []
    for day in span:
        e: dict[str, Any] = by_day.get(day, {})
        c: dict[str, Any] = call_days.get(day, {})
        rows.append(
            DayRow(
                day=day,
                enrolled=e.get("enrolled", 0),
                lookups=e.get("lookups", 0),
                calls=c.get("calls") or 0,
                errors=c.get("errors") or 0,
                total_ms=c.get("total_ms") or 0.0,
                max_ms=c.get("max_ms") or 0.0,
            )
        )
    return rows


def overview_operations(
    *, tenant: Tenant, days: int = OVERVIEW_DAYS, today: date | None = None
) -> list[OperationRow]:
    """Calls per operation over the last `days` days, busiest first."""
    since = _days(days, today)[0]
    rows = (
        ProviderCallStat.objects.filter(tenant=tenant, day__gte=since)
        .values("operation")
        .annotate(
            calls=Sum("calls"), errors=Sum("errors"), total_ms=Sum("total_ms"), max_ms=Max("max_ms")
        )
        .order_by("-calls", "operation")
    )
    return [
        OperationRow(r["operation"], r["calls"], r["errors"], r["total_ms"], r["max_ms"])
        for r in rows
    ]


def overview_collection_sizes(*, tenant: Tenant, limit: int = 15) -> list[CollectionSize]:
    """The largest collections by faces faceadmin enrolled (and stored an image of)."""
    rows = (
        FaceImage.objects.filter(tenant=tenant)
        .values("kind", "collection_id")
        .annotate(
            faces=Count("id"),
            persons=Count("person_id", distinct=True, filter=~Q(person_id="")),
        )
        .order_by("-faces", "collection_id")[:limit]
    )
    return [CollectionSize(r["kind"], r["collection_id"], r["faces"], r["persons"]) for r in rows]


def overview_trainings(*, tenant: Tenant, limit: int = 20) -> list[TrainingRun]:
    """The latest finished trainings, oldest first (for a chart that reads left to right)."""
    runs = list(TrainingRun.objects.filter(tenant=tenant).order_by("-started_at")[:limit])
    return runs[::-1]
