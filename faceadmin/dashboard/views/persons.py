"""Persons of a person group or large person group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from faceadmin.dashboard.forms_collections import (
    FaceUploadForm,
    PersonFilterForm,
    PersonForm,
)
from faceadmin.dashboard.views.collection_support import (
    Pager,
    base_context,
    collection_url,
    done,
    error_context,
    error_status,
    person_kind_or_404,
    person_url,
    render_form,
)
from faceadmin.dashboard.views.faces import outcome_view
from faceadmin.faceapi.enroll import PhotoOutcome, pending_photos
from faceadmin.faceapi.errors import FaceApiError, NotFoundError
from faceadmin.faceapi.kinds import KIND_SLUGS
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.providers import Member, provider_for
from faceadmin.faceapi.services import (
    face_images,
    person_create,
    person_delete,
    person_face_get,
    person_get,
    person_update,
)
from faceadmin.faceapi.types import CollectionKind, Person
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

# Thumbnails shown per person in the list.
LIST_THUMBS = 3


@dataclass(frozen=True)
class PersonRow:
    """A person of the listing (the provider's neutral `Member`) with its first thumbnails."""

    member: Member
    thumbnails: list[FaceImage]

    @property
    def face_count(self) -> int:
        return self.member.face_count


def group_page(request: TenantRequest, kind: CollectionKind, group_id: str) -> HttpResponse:
    """The group with one page of its persons (the provider's members): one listing call
    (plus the group's GET when the whole page is rendered; the htmx pager and filter only
    refresh the list)."""
    query_data = request.GET.copy()
    query_data.setdefault("top", "50")
    filters = PersonFilterForm(query_data)
    data = filters.cleaned_data if filters.is_valid() else {}
    query, top = (data.get("q") or "").strip(), data.get("top") or 50
    only_list = bool(request.htmx) and request.htmx.target == "persons"
    context = base_context(request, kind, group_id) | {
        "filters": filters,
        "query": query,
        "person_form": PersonForm(),
    }
    template = "dashboard/collection_detail.html" + ("#persons" if only_list else "")
    provider = provider_for(request.tenant)
    group = provider.kind(KIND_SLUGS[kind])
    assert group is not None  # every Azure kind is a provider kind
    try:
        if not only_list:
            context["collection"] = provider.collection(group, group_id)
        page = provider.members(group, group_id, start=request.GET.get("start") or None, top=top)
    except FaceApiError as exc:
        return render(request, template, context | error_context(exc), status=error_status(exc))
    shown = [m for m in page.items if query.lower() in m.name.lower()] if query else page.items
    images = face_images(
        tenant=request.tenant,
        persisted_face_ids=[f for m in shown for f in m.face_ids[:LIST_THUMBS]],
    )
    context |= {
        "rows": [
            PersonRow(m, [images[f] for f in m.face_ids[:LIST_THUMBS] if f in images])
            for m in shown
        ],
        "page": page,
        "pager": Pager(request, next_start=page.next_start, q=query, top=top if top != 50 else ""),
    }
    return render(request, template, context)


@tenant_view(Role.OPERATOR)
def person_new(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    group_kind = person_kind_or_404(kind)
    form = PersonForm(request.POST or None)
    context = base_context(request, group_kind, collection_id) | {"person_form": form}
    template = "dashboard/person_new.html"
    if request.method == "POST" and form.is_valid():
        try:
            person_id = person_create(
                tenant=request.tenant,
                user=request.user,
                kind=group_kind,
                group_id=collection_id,
                name=form.cleaned_data["name"],
                user_data=form.cleaned_data["user_data"],
            )
        except FaceApiError as exc:
            return render_form(
                request, template, context | error_context(exc), status=error_status(exc)
            )
        messages.success(request, f"{form.cleaned_data['name']} was created; add photos next.")
        return done(request, person_url(request, group_kind, collection_id, person_id))
    return render_form(request, template, context, status=400 if form.errors else 200)


def _person_context(
    request: TenantRequest, kind: CollectionKind, group_id: str, person: Person
) -> dict[str, Any]:
    images = face_images(tenant=request.tenant, persisted_face_ids=person.persisted_face_ids)
    return {
        "person": person,
        "faces": [(face_id, images.get(face_id)) for face_id in person.persisted_face_ids],
        "pending": [
            outcome_view(PhotoOutcome(p.filename, "pick", pending=p))
            for p in pending_photos(
                tenant=request.tenant, kind=kind, collection_id=group_id, person_id=person.person_id
            )
        ],
    }


@tenant_view()
def person_show(
    request: TenantRequest, kind: str, collection_id: str, person_id: str
) -> HttpResponse:
    group_kind = person_kind_or_404(kind)
    context = base_context(request, group_kind, collection_id) | {
        "person_id": person_id,
        "upload_form": FaceUploadForm(),
    }
    try:
        person = person_get(
            tenant=request.tenant, kind=group_kind, group_id=collection_id, person_id=person_id
        )
    except FaceApiError as exc:
        return render(
            request,
            "dashboard/person_detail.html",
            context | error_context(exc),
            status=error_status(exc),
        )
    context |= _person_context(request, group_kind, collection_id, person)
    if request.htmx and request.htmx.target == "faces":
        return render(request, "dashboard/person_detail.html#faces", context)
    return render(request, "dashboard/person_detail.html", context)


@tenant_view(Role.OPERATOR)
def person_edit(
    request: TenantRequest, kind: str, collection_id: str, person_id: str
) -> HttpResponse:
    group_kind = person_kind_or_404(kind)
    context = base_context(request, group_kind, collection_id) | {"person_id": person_id}
    template = "dashboard/person_edit.html"
    if request.method != "POST":
        try:
            person = person_get(
                tenant=request.tenant, kind=group_kind, group_id=collection_id, person_id=person_id
            )
        except FaceApiError as exc:
            return render(request, template, context | error_context(exc), status=error_status(exc))
        form = PersonForm(initial={"name": person.name, "user_data": person.user_data or ""})
        return render(request, template, context | {"person": person, "person_form": form})
    form = PersonForm(request.POST)
    context["person_form"] = form
    if not form.is_valid():
        return render_form(request, template, context, status=400)
    try:
        person_update(
            tenant=request.tenant,
            user=request.user,
            kind=group_kind,
            group_id=collection_id,
            person_id=person_id,
            name=form.cleaned_data["name"],
            user_data=form.cleaned_data["user_data"],
        )
    except FaceApiError as exc:
        return render_form(
            request, template, context | error_context(exc), status=error_status(exc)
        )
    messages.success(request, "Saved.")
    return done(request, person_url(request, group_kind, collection_id, person_id))


@tenant_view(Role.ADMIN)
def person_remove(
    request: TenantRequest, kind: str, collection_id: str, person_id: str
) -> HttpResponse:
    """GET: the confirm step (how many faces and stored images go); POST: delete."""
    group_kind = person_kind_or_404(kind)
    context = base_context(request, group_kind, collection_id) | {"person_id": person_id}
    template = "dashboard/person_delete.html"
    if request.method == "POST":
        try:
            dropped = person_delete(
                tenant=request.tenant,
                user=request.user,
                kind=group_kind,
                group_id=collection_id,
                person_id=person_id,
            )
        except NotFoundError as exc:
            messages.warning(request, f"The person was already gone ({exc.code}).")
        except FaceApiError as exc:
            return render(request, template, context | error_context(exc), status=error_status(exc))
        else:
            messages.success(request, f"The person was deleted with {dropped} stored image(s).")
        return done(request, collection_url(request, group_kind, collection_id))
    try:
        person = person_get(
            tenant=request.tenant, kind=group_kind, group_id=collection_id, person_id=person_id
        )
    except FaceApiError as exc:
        return render(request, template, context | error_context(exc), status=error_status(exc))
    stored = FaceImage.objects.filter(
        tenant=request.tenant,
        kind=group_kind.value,
        collection_id=collection_id,
        person_id=person_id,
    ).count()
    return render(request, template, context | {"person": person, "stored": stored})


@tenant_view()
def person_face_show(
    request: TenantRequest, kind: str, collection_id: str, person_id: str, persisted_face_id: str
) -> HttpResponse:
    """The userData of a face faceadmin did not enroll (loaded by htmx into its tile)."""
    group_kind = person_kind_or_404(kind)
    context = base_context(request, group_kind, collection_id)
    try:
        context["face"] = person_face_get(
            tenant=request.tenant,
            kind=group_kind,
            group_id=collection_id,
            person_id=person_id,
            persisted_face_id=persisted_face_id,
        )
    except FaceApiError as exc:
        context |= error_context(exc)
    return render(request, "dashboard/person_detail.html#face-user-data", context)
