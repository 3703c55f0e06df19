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
    person_kind_or_404,
)
from faceadmin.faceapi.catalog import catalog_refresh, catalog_search
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.tenants.access import TenantRequest, tenant_view

PAGE_SIZE = 50


@tenant_view()
def person_search(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """GET: search and sort the catalog. POST: refresh it from the provider first."""
    group_kind = person_kind_or_404(kind)
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
        "page_number": page_number,
        "next_query": "?" + urlencode(keep | {"page": page_number + 1}) if result.has_next else "",
        "previous_query": "?" + urlencode(keep | {"page": page_number - 1})
        if page_number > 1
        else "",
    }
    template = "dashboard/person_search.html" + ("#results" if request.htmx else "")
    return render(request, template, context)


urlpatterns: list[URLPattern] = [
    path(
        "t/<slug:slug>/collections/<str:kind>/<str:collection_id>/search/",
        person_search,
        name="person_search",
    ),
]
