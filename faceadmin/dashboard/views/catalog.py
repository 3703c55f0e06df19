"""Search all persons of a group: answered from the local catalog, refreshed on demand."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from faceadmin.dashboard.forms_collections import CatalogSearchForm
from faceadmin.dashboard.views.collection_support import (
    base_context,
    error_context,
    error_status,
    kind_or_404,
)
from faceadmin.faceapi.catalog import (
    PERSON_KINDS,
    catalog_refresh,
    catalog_refresh_faces,
    catalog_search,
    catalog_search_faces,
)
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.services import face_images
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, tenant_view

PAGE_SIZE = 50
FACE_PAGE_SIZE = 100


def total_label(total: int, capped: bool, noun: str) -> str:
    """ "1 person", "12,500 persons", or "More than 10,000 persons" when the count stopped."""
    label = f"{total:,} {noun}{'' if total == 1 else 's'}"
    return f"More than {label}" if capped else label


@tenant_view()
def person_search(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """GET: search and sort the catalog. POST: refresh it from the provider first."""
    group_kind = kind_or_404(kind)
    if group_kind not in PERSON_KINDS:
        return _face_search(request, group_kind, collection_id)
    context = base_context(request, group_kind, collection_id)
    if request.method == "POST":
        try:
            count = catalog_refresh(
                tenant=request.tenant, kind=group_kind, collection_id=collection_id
            )
        except FaceApiError as exc:
            context |= error_context(exc) | {"form": CatalogSearchForm()}
            return render(
                request, "dashboard/person_search.html", context, status=error_status(exc)
            )
        messages.success(request, f"Synced {count:,} person{'s' if count != 1 else ''}.")
        return redirect(request.get_full_path())
    form = CatalogSearchForm(request.GET)
    form.is_valid()
    data = form.cleaned_data if form.is_valid() else {}
    page_number = data.get("page") or 1
    result = catalog_search(
        tenant=request.tenant,
        kind=group_kind,
        collection_id=collection_id,
        query=data.get("q") or "",
        sort=data.get("sort") or "name",
        offset=(page_number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    keep = {k: v for k, v in (("q", data.get("q")), ("sort", data.get("sort"))) if v}
    context |= {
        "form": form,
        "result": result,
        "total_label": total_label(result.total, result.capped, "person"),
        "page_number": page_number,
        "next_query": "?" + urlencode(keep | {"page": page_number + 1}) if result.has_next else "",
        "previous_query": "?" + urlencode(keep | {"page": page_number - 1})
        if page_number > 1
        else "",
    }
    template = "dashboard/person_search.html" + ("#results" if request.htmx else "")
    return render(request, template, context)


def _face_search(request: TenantRequest, kind: CollectionKind, list_id: str) -> HttpResponse:
    """The face-list side: faces searched by userData or id across the whole list."""
    context = base_context(request, kind, list_id)
    template = "dashboard/face_search.html"
    if request.method == "POST":
        try:
            count = catalog_refresh_faces(tenant=request.tenant, kind=kind, collection_id=list_id)
        except FaceApiError as exc:
            context |= error_context(exc) | {"form": CatalogSearchForm()}
            return render(request, template, context, status=error_status(exc))
        messages.success(request, f"Synced {count:,} face{'s' if count != 1 else ''}.")
        return redirect(request.get_full_path())
    form = CatalogSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    page_number = data.get("page") or 1
    result = catalog_search_faces(
        tenant=request.tenant,
        kind=kind,
        collection_id=list_id,
        query=data.get("q") or "",
        offset=(page_number - 1) * FACE_PAGE_SIZE,
        limit=FACE_PAGE_SIZE,
    )
    images = face_images(
        tenant=request.tenant, persisted_face_ids=[f.persisted_face_id for f in result.items]
    )
    keep = {"q": data["q"]} if data.get("q") else {}
    has_next = result.has_next
    context |= {
        "form": form,
        "rows": [(face, images.get(face.persisted_face_id)) for face in result.items],
        "total": result.total,
        "total_label": total_label(result.total, result.capped, "face"),
        "synced_at": result.synced_at,
        "page_number": page_number,
        "next_query": "?" + urlencode(keep | {"page": page_number + 1}) if has_next else "",
        "previous_query": "?" + urlencode(keep | {"page": page_number - 1})
        if page_number > 1
        else "",
    }
    return render(request, template + ("#results" if request.htmx else ""), context)


urlpatterns: list[URLPattern] = [
    path(
        "t/<slug:slug>/collections/<str:kind>/<str:collection_id>/search/",
        person_search,
        name="person_search",
    ),
]
