"""A tenant's calls-per-second limit, shared by every worker process on this machine.

pyrate-limiter keeps the bucket in a small SQLite file per tenant (MEDIA_ROOT/ratelimit),
guarded by a file lock, so two `db_worker` processes importing into the same Azure account
share one budget without Redis (which the embedded default does not need). The file holds
only timestamps; losing it just resets the window. Workers on several machines would need
pyrate-limiter's PostgresBucket instead (same interface), which is why the limit is looked up
here and nowhere else.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings
from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket

from faceadmin.tenants.models import Tenant

_limiters: dict[tuple[int, float], Limiter] = {}
_lock = threading.Lock()


def rate_for(calls_per_second: float) -> Rate | None:
    """The limit as pyrate-limiter's Rate; under 1/s it is counted per minute (F0: 20/min)."""
    if calls_per_second <= 0:
        return None
    if calls_per_second < 1:
        return Rate(max(1, round(calls_per_second * 60)), Duration.MINUTE)
    return Rate(round(calls_per_second), Duration.SECOND)


def _bucket_path(tenant: Tenant) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "ratelimit"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"tenant-{tenant.pk}.sqlite"


def tenant_limiter(tenant: Tenant) -> Limiter | None:
    """The tenant's limiter (None when it has no limit); one per process and setting."""
    rate = rate_for(tenant.rate_limit_per_second)
    if rate is None:
        return None
    key = (tenant.pk, tenant.rate_limit_per_second)
    with _lock:
        limiter = _limiters.get(key)
        if limiter is None:
            bucket = SQLiteBucket.init_from_file(
                [rate],
                table=f"calls_{rate.limit}_{rate.interval}",
                db_path=str(_bucket_path(tenant)),
                use_file_lock=True,
            )
            limiter = Limiter(bucket)
            _limiters[key] = limiter
    return limiter


def acquire(tenant: Tenant, calls: int = 1) -> None:
    """Wait until the tenant may make `calls` more calls."""
    limiter = tenant_limiter(tenant)
    if limiter is None:
        return
    for _ in range(calls):
        limiter.try_acquire("calls", blocking=True)
