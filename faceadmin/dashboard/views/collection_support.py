"""Small helpers shared by the collection, person, face-list and training views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from faceadmin.faceapi.errors import BadRequestError, FaceApiError
from faceadmin.faceapi.kinds import (
    FACE_LIST_KINDS,
    KIND_BY_SLUG,
    KIND_SLUGS,
    PERSON_KINDS,
)
from faceadmin.faceapi.providers import AZURE_KINDS, Kind, provider_for
from faceadmin.faceapi.services import ApiErrorView
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, can
from faceadmin.tenants.models import Role


def kind_or_404(slug: str, *, allowed: tuple[CollectionKind, ...] | None = None) -> CollectionKind:
    kind = KIND_BY_SLUG.get(slug)
    if kind is None or (allowed is not None and kind not in allowed):
        raise Http404("No such collection kind here.")
    return kind


def person_kind_or_404(slug: str) -> CollectionKind:
    return kind_or_404(slug, allowed=PERSON_KINDS)


def face_list_kind_or_404(slug: str) -> CollectionKind:
    return kind_or_404(slug, allowed=FACE_LIST_KINDS)


def base_context(
    request: TenantRequest, kind: CollectionKind | None = None, collection_id: str = ""
) -> dict[str, Any]:
    """What every collection template uses: the kind, ids and what the user may do."""
    context: dict[str, Any] = {
        "provider": provider_for(request.tenant),
        "can_operate": can(request.membership, Role.OPERATOR),
        "can_delete": can(request.membership, Role.ADMIN),
    }
    if kind is not None:
        context |= _kind_entries(AZURE_KINDS[kind], collection_id) | {"kind": kind}
    return context


def kind_context(request: TenantRequest, kind: Kind, collection_id: str = "") -> dict[str, Any]:
    """`base_context` for a collection kind of any provider (`provider.kind(slug)`)."""
    return base_context(request) | _kind_entries(kind, collection_id)


def _kind_entries(kind: Kind, collection_id: str) -> dict[str, Any]:
    return {
        "kind_info": kind,
        "kind_slug": kind.slug,
        "kind_label": kind.label,
        "trainable": kind.trainable,
        "has_persons": kind.has_persons,
        "collection_id": collection_id,
    }


def error_status(error: FaceApiError) -> int:
    """The status of a page that shows a provider error: the provider's 4xx, else 502."""
    if error.status is not None and 400 <= error.status < 500:
        return error.status
    if error.status is None and isinstance(error, BadRequestError):
        # Refused before sending (an id the provider never accepts): the request is wrong,
        # the provider is fine.
        return 400
    return 502


def error_context(error: FaceApiError) -> dict[str, Any]:
    return {"api_error": ApiErrorView.of(error)}


def done(request: TenantRequest, url: str) -> HttpResponse:
    """After a successful write: htmx follows a client redirect, a plain POST a 302."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def collection_url(request: TenantRequest, kind: CollectionKind, collection_id: str) -> str:
    return reverse(
        "dashboard:collection", args=[request.tenant.slug, KIND_SLUGS[kind], collection_id]
    )


def person_url(
    request: TenantRequest, kind: CollectionKind, collection_id: str, person_id: str
) -> str:
    return reverse(
        "dashboard:person",
        args=[request.tenant.slug, KIND_SLUGS[kind], collection_id, person_id],
    )


def render_form(
    request: TenantRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    partial: str = "form",
) -> HttpResponse:
    """The whole page for a plain request, only the form's partial for htmx."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


# Stands for "from the beginning" in a trail; ids never contain it.
_FIRST = "~"


class Pager:
    """start/top paging links. The provider only pages forward (`start` is the last id seen),
    so the way back is carried in the URL: `trail` lists the starts of the pages before."""

    def __init__(self, request: TenantRequest, *, next_start: str | None, **keep: Any) -> None:
        self.start = request.GET.get("start") or ""
        raw_trail = request.GET.get("trail", "")
        self.trail = [s if s != _FIRST else "" for s in raw_trail.split(",")] if raw_trail else []
        self.next_start = next_start
        self.keep = {k: v for k, v in keep.items() if v not in (None, "")}

    @property
    def number(self) -> int:
        return len(self.trail) + 1

    def _query(self, start: str, trail: list[str]) -> str:
        params = dict(self.keep)
        if start:
            params["start"] = start
        if trail:
            params["trail"] = ",".join(s or _FIRST for s in trail)
        return "?" + urlencode(params)

    @property
    def next_query(self) -> str:
        if not self.next_start:
            return ""
        # Only the last 50 pages are remembered, so URLs stay short.
        return self._query(self.next_start, [*self.trail, self.start][-50:])

    @property
    def previous_query(self) -> str:
        if not self.trail and not self.start:
            return ""
        if not self.trail:
            return self._query("", [])
        return self._query(self.trail[-1], self.trail[:-1])

    @property
    def first_query(self) -> str:
        return self._query("", [])
