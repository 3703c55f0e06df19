"""The face-list audit page: every face with its photo and provenance, filters, CSV export
and "find duplicates"."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import batched
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms_collections import (
    DuplicatesForm,
    FaceListFilterForm,
    FaceUploadForm,
)
from faceadmin.dashboard.views.collection_support import (
    Pager,
    base_context,
    collection_url,
    error_context,
    error_status,
    face_list_kind_or_404,
)
from faceadmin.dashboard.views.faces import outcome_view
from faceadmin.faceapi.duplicates import (
    duplicate_scan_is_stale,
    duplicate_scan_latest,
    duplicate_scan_start,
)
from faceadmin.faceapi.enroll import PhotoOutcome, pending_photos
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.models import DuplicateScan
from faceadmin.faceapi.services import face_images, face_list_faces, face_list_page
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

PAGE_SIZE = 100


def list_page_context(
    request: TenantRequest, kind: CollectionKind, list_id: str
) -> tuple[dict[str, Any], int]:
    filters = FaceListFilterForm(request.GET)
    context = base_context(request, kind, list_id) | {
        "filters": filters,
        "upload_form": FaceUploadForm(),
        "duplicates_form": DuplicatesForm(),
        "person_id": "",
    }
    try:
        collection, page = face_list_page(
            tenant=request.tenant,
            kind=kind,
            list_id=list_id,
            start=request.GET.get("start") or None,
            top=PAGE_SIZE,
        )
    except FaceApiError as exc:
        return context | error_context(exc), error_status(exc)
    images = face_images(
        tenant=request.tenant, persisted_face_ids=[f.persisted_face_id for f in page.items]
    )
    rows = [(face, images.get(face.persisted_face_id)) for face in page.items]
    shown = [(face, image) for face, image in rows if filters.matches(face, image)]
    keep = {k: v for k, v in request.GET.items() if k in filters.fields and v}
    context |= {
        "collection": collection,
        "page": page,
        "rows": shown,
        "total_on_page": len(rows),
        "stored_on_page": sum(1 for _, image in rows if image is not None),
        "pager": Pager(request, next_start=page.next_start, **keep),
        "export_query": "?" + request.GET.urlencode() if keep else "",
        "dup": _scan_context(request, kind, list_id),
        "pending": [
            outcome_view(PhotoOutcome(p.filename, "pick", pending=p))
            for p in pending_photos(
                tenant=request.tenant, kind=kind, collection_id=list_id, person_id=""
            )
        ],
    }
    return context, 200


def list_page(request: TenantRequest, kind: CollectionKind, list_id: str) -> HttpResponse:
    context, status = list_page_context(request, kind, list_id)
    only_table = bool(request.htmx) and request.htmx.target == "faces"
    template = "dashboard/facelist_detail.html" + ("#faces" if only_table else "")
    return render(request, template, context, status=status)


# --- CSV export --------------------------------------------------------------------------

CSV_COLUMNS = [
    "persistedFaceId",
    "userData",
    "image_stored",
    "original_stored",
    "source_filename",
    "sha256",
    "enrolled_by",
    "enrolled_at",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@tenant_view()
def facelist_export(request: TenantRequest, kind: str, collection_id: str) -> HttpResponseBase:
    """Every face of the list (all pages), with the page's filters, streamed as CSV."""
    list_kind = face_list_kind_or_404(kind)
    filters = FaceListFilterForm(request.GET)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        faces = face_list_faces(tenant=request.tenant, kind=list_kind, list_id=collection_id)
        # One image-store query per 1,000 faces, as the pages come in.
        for batch in batched(faces, 1000):
            images = face_images(
                tenant=request.tenant, persisted_face_ids=[f.persisted_face_id for f in batch]
            )
            for face in batch:
                image = images.get(face.persisted_face_id)
                if not filters.matches(face, image):
                    continue
                yield writer.writerow(
                    [
                        face.persisted_face_id,
                        _cell(face.user_data or ""),
                        "yes" if image else "no",
                        "yes" if image and image.has_original else "no",
                        _cell(image.source_filename) if image else "",
                        image.sha256 if image else "",
                        image.uploaded_by_username if image else "",
                        image.created_at.isoformat() if image else "",
                    ]
                )

    # Fail before streaming starts when the list cannot be read at all, so the operator
    # gets a readable page, not a truncated file.
    try:
        stream = rows()
        first = [next(stream)]
        first.extend(_first_data_row(stream))
    except FaceApiError as exc:
        context = base_context(request, list_kind, collection_id) | error_context(exc)
        return render(request, "dashboard/facelist_detail.html", context, status=error_status(exc))
    response = StreamingHttpResponse(_chain(first, stream), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{collection_id}-faces.csv"'
    return response


def _first_data_row(stream: Iterator[str]) -> list[str]:
    try:
        return [next(stream)]
    except StopIteration:
        return []


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


# --- duplicates --------------------------------------------------------------------------


def _scan_context(request: TenantRequest, kind: CollectionKind, list_id: str) -> dict[str, Any]:
    scan = duplicate_scan_latest(tenant=request.tenant, kind=kind, list_id=list_id)
    context: dict[str, Any] = {"scan": scan, "stale": False, "pairs": []}
    if scan is None:
        return context
    context["stale"] = duplicate_scan_is_stale(scan)
    if not scan.is_running:
        ids = [face for pair in scan.pairs for face in (pair["a"], pair["b"])]
        images = face_images(tenant=request.tenant, persisted_face_ids=ids)
        context["pairs"] = [
            {
                "a": pair["a"],
                "b": pair["b"],
                "confidence": pair["confidence"],
                "image_a": images.get(pair["a"]),
                "image_b": images.get(pair["b"]),
            }
            for pair in scan.pairs
        ]
    return context


@tenant_view()
def facelist_duplicates(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """The duplicates panel; polls itself while a scan runs."""
    list_kind = face_list_kind_or_404(kind)
    context = base_context(request, list_kind, collection_id) | {
        "dup": _scan_context(request, list_kind, collection_id),
        "duplicates_form": DuplicatesForm(),
    }
    if request.htmx:
        return render(request, "dashboard/facelist_detail.html#duplicates", context)
    page_context, status = list_page_context(request, list_kind, collection_id)
    return render(request, "dashboard/facelist_detail.html", page_context, status=status)


@tenant_view(Role.OPERATOR)
@require_POST
def facelist_duplicates_start(
    request: TenantRequest, kind: str, collection_id: str
) -> HttpResponse:
    list_kind = face_list_kind_or_404(kind)
    form = DuplicatesForm(request.POST)
    context = base_context(request, list_kind, collection_id) | {"duplicates_form": form}
    status = 400
    if form.is_valid():
        scan: DuplicateScan | None = duplicate_scan_latest(
            tenant=request.tenant, kind=list_kind, list_id=collection_id
        )
        if scan is None or not scan.is_running or duplicate_scan_is_stale(scan):
            duplicate_scan_start(
                tenant=request.tenant,
                user=request.user,
                kind=list_kind,
                list_id=collection_id,
                threshold=form.cleaned_data["threshold"],
            )
        status = 202
    if request.htmx:
        context["dup"] = _scan_context(request, list_kind, collection_id)
        return render(request, "dashboard/facelist_detail.html#duplicates", context, status=status)
    if status == 202:
        messages.success(request, "Looking for duplicates; the results appear below.")
        return redirect(collection_url(request, list_kind, collection_id) + "#duplicates")
    page_context, _ = list_page_context(request, list_kind, collection_id)
    page_context["duplicates_form"] = form
    return render(request, "dashboard/facelist_detail.html", page_context, status=400)
