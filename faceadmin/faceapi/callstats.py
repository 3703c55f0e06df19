"""Per-call statistics of the face API: calls, errors and latency per tenant, day and operation.

The request loop (`transport.HttpTransport`) reports every HTTP exchange to `on_call`; the
tenant's client wires that to `call_stat_record`, one UPSERT into `ProviderCallStat`. Only the
operation's shape is kept (`POST /persongroups/{id}/persons`): ids, query values and keys never
reach this table.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from faceadmin.faceapi.models import ProviderCallStat

logger = logging.getLogger(__name__)

# The fixed words of the Azure Face v1.0 and FindFace v0/v1 paths; any other segment is an id.
_WORDS = frozenset(
    {
        # Azure
        "detect",
        "verify",
        "identify",
        "findsimilars",
        "group",
        "persongroups",
        "largepersongroups",
        "facelists",
        "largefacelists",
        "persons",
        "persistedfaces",
        "train",
        "training",
        "snapshots",
        "apply",
        "operations",
        # FindFace
        "faces",
        "face",
        "gallery",
        "galleries",
        "id",
        "meta",
    }
)


def operation_of(method: str, path: str) -> str:
    """`POST`, `/persongroups/g1/persons/ab12/persistedfaces?x=1` → `POST /persongroups/{id}/
    persons/{id}/persistedfaces`."""
    bare = path.split("?", 1)[0]
    segments = [s if s.lower() in _WORDS else "{id}" for s in bare.strip("/").split("/") if s]
    return f"{method.upper()} /{'/'.join(segments)}"[:120]


def call_stat_record(*, tenant_id: int, operation: str, elapsed_ms: float, failed: bool) -> None:
    """Count one call. A failure to count is logged, never raised: the call itself matters."""
    table = ProviderCallStat._meta.db_table
    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    sql = (
        f"INSERT INTO {table} (tenant_id, day, operation, calls, errors, total_ms, max_ms) "  # noqa: S608 - names are ours
        "VALUES (%s, %s, %s, 1, %s, %s, %s) "
        "ON CONFLICT (tenant_id, day, operation) DO UPDATE SET "
        f"calls = {table}.calls + 1, errors = {table}.errors + excluded.errors, "
        f"total_ms = {table}.total_ms + excluded.total_ms, "
        f"max_ms = {greatest}({table}.max_ms, excluded.max_ms)"
    )
    today: date = timezone.localdate()
    ms = round(float(elapsed_ms), 3)
    try:
        # A savepoint: a failed count must not break the caller's transaction (PostgreSQL).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [tenant_id, today, operation, int(failed), ms, ms])
    except DatabaseError:
        logger.warning("faceapi: could not count a call of %s", operation, exc_info=True)
