"""Training of person groups, large person groups and large face lists, and what the
dashboard shows of it (`TrainingState`, polled by htmx until it settles)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from faceadmin.clients.errors import NotTrainedError
from faceadmin.clients.types import (
    CollectionKind,
    TrainingStatus,
)
from faceadmin.faceapi.kinds import (
    TRAINABLE_KINDS,
)
from faceadmin.faceapi.models import (
    CollectionChange,
    TrainingRun,
)
from faceadmin.tenants.models import Tenant

if TYPE_CHECKING:
    pass


from faceadmin.faceapi.common import _audited, _client

# --- training ------------------------------------------------------------------------------


def collection_train(
    *, tenant: Tenant, user: Any, kind: CollectionKind, collection_id: str
) -> None:
    """Queue training; the provider answers at once and trains in the background."""
    with _audited(
        action="collection.train",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=collection_id,
    ):
        _client(tenant).train(kind, collection_id=collection_id)


def training_status(
    *, tenant: Tenant, kind: CollectionKind, collection_id: str
) -> TrainingStatus | None:
    """The provider's training status; None when never trained (and for face lists, which
    need no training)."""
    if kind not in TRAINABLE_KINDS:
        return None
    try:
        status = _client(tenant).training_status(kind, collection_id=collection_id)
    except NotTrainedError:
        return None
    _remember_training(tenant=tenant, kind=kind, collection_id=collection_id, status=status)
    return status


def _remember_training(
    *, tenant: Tenant, kind: CollectionKind, collection_id: str, status: TrainingStatus
) -> None:
    """Keep each finished training faceadmin sees (the provider only tells of the last one),
    for the overview's training durations. One INSERT that ignores a run already kept."""
    if not status.is_finished or status.last_action is None:
        return
    seconds = max((status.last_action - status.created).total_seconds(), 0.0)
    TrainingRun.objects.bulk_create(
        [
            TrainingRun(
                tenant=tenant,
                kind=kind.value,
                collection_id=collection_id,
                status=status.status,
                started_at=status.created,
                finished_at=status.last_action,
                seconds=seconds,
            )
        ],
        ignore_conflicts=True,
    )


@dataclass(frozen=True)
class TrainingState:
    """What the training panel shows."""

    status: TrainingStatus | None
    changed_at: datetime | None
    now: datetime

    @property
    def running(self) -> bool:
        return self.status is not None and not self.status.is_finished

    @property
    def duration(self) -> timedelta | None:
        """From queueing to the last action (or until now while it runs)."""
        if self.status is None:
            return None
        end = self.now if self.running else self.status.last_action
        if end is None:
            return None
        return max(end - self.status.created, timedelta(0))

    @property
    def duration_text(self) -> str:
        duration = self.duration
        if duration is None:
            return ""
        seconds = duration.total_seconds()
        if seconds < 10:
            return f"{seconds:.1f} s"
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes} min {secs} s" if minutes else f"{secs} s"

    @property
    def last_successful(self) -> datetime | None:
        if self.status is None:
            return None
        if self.status.last_successful_training is not None:
            return self.status.last_successful_training
        # Azure's v1.0 answer may omit it; a succeeded status is itself the last success.
        return self.status.last_action if self.status.status == "succeeded" else None

    @property
    def needs_training(self) -> bool:
        """Persons or faces changed through faceadmin after the data the last (or running)
        training read. Changes made elsewhere are not known here."""
        if self.changed_at is None:
            return False
        if self.status is None:
            return True
        # Training reads the collection when it starts (`created`); a failed run leaves the
        # last successful one in force.
        failed = self.status.status == "failed"
        reference = self.last_successful if failed else self.status.created
        return reference is None or self.changed_at > reference


def training_state(*, tenant: Tenant, kind: CollectionKind, collection_id: str) -> TrainingState:
    status = training_status(tenant=tenant, kind=kind, collection_id=collection_id)
    marker = CollectionChange.objects.filter(
        tenant=tenant, kind=kind.value, collection_id=collection_id
    ).first()
    return TrainingState(status, marker.changed_at if marker else None, timezone.now())
