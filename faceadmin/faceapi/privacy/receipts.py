"""Erasure receipts: written into the audit trail as JSON parts, and read back from it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from django.utils import timezone

from faceadmin.faceapi.privacy.matches import ErasureMatch
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import AuditEvent, Tenant

RECEIPT_ACTION: Final = "privacy.erase"
_AUDIT_REASON_LIMIT: Final = 1900  # audit_record keeps 2,000 characters of a reason


def _receipt(
    ctx: Any,
    params: Mapping[str, Any],
    picked: Sequence[ErasureMatch],
    finished: Mapping[str, Any],
    retrained: list[dict[str, Any]],
) -> dict[str, Any]:
    job = ctx.job
    deleted = [dict(finished[f"erase:{m.key}"].data) for m in picked]
    return {
        "receipt": str(job.pk),
        "tenant": ctx.tenant.slug,
        "requested_by": job.created_by_name,
        "requested_at": job.created_at.isoformat(),
        "completed_at": timezone.now().isoformat(),
        "searched": list(params.get("searched", [])),
        "not_searched": [list(s) for s in params.get("skipped", [])],
        "found": list(params.get("found", [])),
        "deleted": deleted,
        "retrained": retrained,
        "totals": {
            "found": len(params.get("found", [])),
            "erased": sum(1 for d in deleted if d["outcome"] in ("deleted", "already gone")),
            "failed": sum(1 for d in deleted if str(d["outcome"]).startswith("failed")),
            "provider_faces": sum(len(d.get("faces", [])) for d in deleted),
            "stored_images": sum(int(d.get("stored_images", 0)) for d in deleted),
            "pending_photos": sum(int(d.get("pending_photos", 0)) for d in deleted),
        },
    }


def _chunks(items: list[Any], header: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Split `items` into parts whose JSON (with `header`) fits in one audit reason."""
    parts: list[dict[str, Any]] = []
    current: list[Any] = []
    for item in items:
        trial = {**header, name: [*current, item]}
        if current and len(json.dumps(trial, separators=(",", ":"))) > _AUDIT_REASON_LIMIT:
            parts.append({**header, name: current})
            current = []
        current.append(item)
    if current or not parts:
        parts.append({**header, name: current})
    return parts


def _audit_receipt(*, tenant: Tenant, user: Any, receipt: Mapping[str, Any]) -> None:
    """Write the receipt into the audit trail as JSON, in as many events as it needs (an
    event's reason holds 2,000 characters). Every event names the receipt and its part."""
    summary = {
        k: receipt[k] for k in ("receipt", "requested_by", "requested_at", "completed_at", "totals")
    }
    events: list[dict[str, Any]] = [
        {**summary, "searched": receipt["searched"], "not_searched": receipt["not_searched"]}
    ]
    for section in ("found", "deleted", "retrained"):
        if receipt[section]:
            events += _chunks(list(receipt[section]), {"receipt": receipt["receipt"]}, section)
    failed = receipt["totals"]["failed"]
    for number, body in enumerate(events, start=1):
        body = {"part": f"{number}/{len(events)}", **body}
        audit_record(
            action=RECEIPT_ACTION,
            tenant=tenant,
            user=user,
            target_kind="receipt",
            target_id=str(receipt["receipt"]),
            outcome="ok" if not failed else "partial",
            reason=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        )


def erasure_receipt(*, tenant: Tenant, receipt_id: str) -> dict[str, Any] | None:
    """The receipt put back together from the audit trail (None when there is none)."""
    events = AuditEvent.objects.filter(
        tenant=tenant, action=RECEIPT_ACTION, target_kind="receipt", target_id=receipt_id
    ).order_by("created_at")
    receipt: dict[str, Any] = {}
    for event in events:
        try:
            part = json.loads(event.reason)
        except ValueError:
            continue
        part.pop("part", None)
        for key, value in part.items():
            if key in ("found", "deleted", "retrained"):
                receipt.setdefault(key, []).extend(value)
            else:
                receipt[key] = value
        receipt["username"] = event.username
    if not receipt:
        return None
    for key in ("found", "deleted", "retrained"):
        receipt.setdefault(key, [])
    return receipt


def erasure_receipts(*, tenant: Tenant) -> list[AuditEvent]:
    """The first part of every receipt of the tenant, newest first."""
    return list(
        AuditEvent.objects.filter(
            tenant=tenant, action=RECEIPT_ACTION, reason__startswith='{"part":"1/'
        ).order_by("-created_at")
    )
