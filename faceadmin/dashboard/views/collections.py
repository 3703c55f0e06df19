"""Collections of the four kinds: list, create, edit, delete, and the tenant overview counts.

Every route of the collection pages (persons, faces, training, face-list audit, stored
images) is listed in `urlpatterns` at the bottom. A FindFace tenant keeps galleries instead:
these views hand its requests to `views.galleries`, which renders the same pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from faceadmin.dashboard.forms_collections import CollectionCreateForm, CollectionEditForm
from faceadmin.dashboard.views import facelists, faces, galleries, persons, training
from faceadmin.dashboard.views.collection_support import (
    Pager,
    base_context,
    collection_url,
    done,
    error_context,
    error_status,
    kind_or_404,
    render_form,
)
from faceadmin.faceapi.errors import FaceApiError, NotFoundError
from faceadmin.faceapi.kinds import (
    KIND_BY_SLUG,
    KIND_LABELS,
    KIND_SLUGS,
    PERSON_KINDS,
    TRAINABLE_KINDS,
)
from faceadmin.faceapi.providers import provider_for
from faceadmin.faceapi.services import (
    collection_create,
    collection_delete,
    collection_delete_preview,
    collection_get,
    collection_page,
    collection_summaries,
    collection_update,
)
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

PAGE_SIZE = 50


@tenant_view()
def collection_index(request: TenantRequest) -> HttpResponse:
    """One kind at a time (tabs), one listing call per page."""
    if provider_for(request.tenant).capabilities.galleries:
        return galleries.gallery_index(request)
    kind = kind_or_404(request.GET.get("kind") or KIND_SLUGS[CollectionKind.PERSON_GROUP])
    context = base_context(request, kind) | {
        "kinds": [(KIND_SLUGS[k], KIND_LABELS[k]) for k in CollectionKind],
    }
    status = 200
    try:
        page = collection_page(
            tenant=request.tenant,
            kind=kind,
            start=request.GET.get("start") or None,
            top=PAGE_SIZE,
        )
    except FaceApiError as exc:
        context |= error_context(exc)
        status = error_status(exc)
    else:
        context["page"] = page
        context["pager"] = Pager(request, next_start=page.next_start, kind=KIND_SLUGS[kind])
    return render(request, "dashboard/collection_index.html", context, status=status)


@tenant_view(Role.OPERATOR)
def collection_new(request: TenantRequest) -> HttpResponse:
    if provider_for(request.tenant).capabilities.galleries:
        return galleries.gallery_new(request)
    chosen = request.GET.get("kind", "")
    initial = {
        "kind": chosen if chosen in KIND_BY_SLUG else KIND_SLUGS[CollectionKind.PERSON_GROUP]
    }
    form = CollectionCreateForm(request.POST or None, initial=initial)
    context = base_context(request) | {"form": form}
    template = "dashboard/collection_new.html"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = KIND_BY_SLUG[data["kind"]]
        try:
            collection_create(
                tenant=request.tenant,
                user=request.user,
                kind=kind,
                collection_id=data["collection_id"],
                name=data["name"],
                user_data=data["user_data"],
                recognition_model=data["recognition_model"],
            )
        except FaceApiError as exc:
            return render_form(
                request, template, context | error_context(exc), status=error_status(exc)
            )
        messages.success(request, f"{KIND_LABELS[kind]} {data['name']} was created.")
        return done(request, collection_url(request, kind, data["collection_id"]))
    return render_form(request, template, context, status=400 if form.errors else 200)


@tenant_view()
def collection_show(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """A person group shows its persons; a face list shows its faces (the audit page)."""
    if provider_for(request.tenant).capabilities.galleries:
        return galleries.gallery_page(request, kind, collection_id)
    collection_kind = kind_or_404(kind)
    if collection_kind in PERSON_KINDS:
        return persons.group_page(request, collection_kind, collection_id)
    return facelists.list_page(request, collection_kind, collection_id)


@tenant_view(Role.OPERATOR)
def collection_edit(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    collection_kind = kind_or_404(kind)
    context = base_context(request, collection_kind, collection_id)
    template = "dashboard/collection_edit.html"
    if request.method != "POST":
        try:
            collection = collection_get(
                tenant=request.tenant, kind=collection_kind, collection_id=collection_id
            )
        except FaceApiError as exc:
            context |= error_context(exc) | {"form": None}
            return render(request, template, context, status=error_status(exc))
        initial = {"name": collection.name, "user_data": collection.user_data or ""}
        context |= {"form": CollectionEditForm(initial=initial), "collection": collection}
        return render(request, template, context)
    form = CollectionEditForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render_form(request, template, context, status=400)
    try:
        collection_update(
            tenant=request.tenant,
            user=request.user,
            kind=collection_kind,
            collection_id=collection_id,
            name=form.cleaned_data["name"],
            user_data=form.cleaned_data["user_data"],
        )
    except FaceApiError as exc:
        return render_form(
            request, template, context | error_context(exc), status=error_status(exc)
        )
    messages.success(request, "Saved.")
    return done(request, collection_url(request, collection_kind, collection_id))


@tenant_view(Role.ADMIN)
def collection_remove(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """GET: the confirm step, naming what goes; POST: delete."""
    if provider_for(request.tenant).capabilities.galleries:
        return galleries.gallery_remove(request, kind, collection_id)
    collection_kind = kind_or_404(kind)
    context = base_context(request, collection_kind, collection_id)
    template = "dashboard/collection_delete.html"
    if request.method == "POST":
        try:
            dropped = collection_delete(
                tenant=request.tenant,
                user=request.user,
                kind=collection_kind,
                collection_id=collection_id,
            )
        except NotFoundError as exc:
            messages.warning(
                request,
                f"{KIND_LABELS[collection_kind]} {collection_id} was already gone "
                f"({exc.code}); faceadmin's stored images of it were removed.",
            )
        except FaceApiError as exc:
            return render(request, template, context | error_context(exc), status=error_status(exc))
        else:
            messages.success(
                request,
                f"{KIND_LABELS[collection_kind]} {collection_id} was deleted "
                f"with its {dropped} stored image{'s' if dropped != 1 else ''}.",
            )
        url = reverse("dashboard:collections", args=[request.tenant.slug])
        return done(request, f"{url}?kind={KIND_SLUGS[collection_kind]}")
    try:
        context["collection"] = collection_get(
            tenant=request.tenant, kind=collection_kind, collection_id=collection_id
        )
        context["preview"] = collection_delete_preview(
            tenant=request.tenant, kind=collection_kind, collection_id=collection_id
        )
    except FaceApiError as exc:
        return render(request, template, context | error_context(exc), status=error_status(exc))
    return render(request, template, context)


# How many trainable collections of each kind the overview lists with their training state.
OVERVIEW_TRAINING_ROWS = 5


@tenant_view()
def collections_overview(request: TenantRequest) -> HttpResponse:
    """The counts on the tenant's home page; loaded by htmx so the page renders at once."""
    if provider_for(request.tenant).capabilities.galleries:
        return galleries.gallery_overview_fragment(request)
    summaries = collection_summaries(tenant=request.tenant)
    rows = [
        (summary, summary.collections[:OVERVIEW_TRAINING_ROWS])
        for summary in summaries
        if summary.kind in TRAINABLE_KINDS
    ]
    context = base_context(request) | {
        "summaries": [(s, error_context(s.error) if s.error else {}) for s in summaries],
        "training_rows": rows,
        "any_trainable": any(collections for _, collections in rows),
        "overview_rows": OVERVIEW_TRAINING_ROWS,
    }
    return render(request, "dashboard/tenant_home.html#collections-overview", context)


_C = "t/<slug:slug>/collections/<str:kind>/<str:collection_id>"
_P = _C + "/persons/<str:person_id>"

urlpatterns: list[URLPattern] = [
    path("t/<slug:slug>/collections/", collection_index, name="collections"),
    path("t/<slug:slug>/collections/new/", collection_new, name="collection_new"),
    path("t/<slug:slug>/overview/collections/", collections_overview, name="collections_overview"),
    path(f"{_C}/", collection_show, name="collection"),
    path(f"{_C}/edit/", collection_edit, name="collection_edit"),
    path(f"{_C}/delete/", collection_remove, name="collection_delete"),
    # training
    path(f"{_C}/train/", training.training_start, name="collection_train"),
    path(f"{_C}/training/", training.training_show, name="collection_training"),
    path(f"{_C}/training/badge/", training.training_badge, name="collection_training_badge"),
    # persons
    path(f"{_C}/persons/new/", persons.person_new, name="person_new"),
    path(f"{_P}/", persons.person_show, name="person"),
    path(f"{_P}/edit/", persons.person_edit, name="person_edit"),
    path(f"{_P}/delete/", persons.person_remove, name="person_delete"),
    path(f"{_P}/faces/add/", faces.person_faces_add, name="person_faces_add"),
    path(f"{_P}/faces/pick/", faces.person_faces_pick, name="person_faces_pick"),
    path(f"{_P}/faces/<str:persisted_face_id>/", persons.person_face_show, name="person_face"),
    path(
        f"{_P}/faces/<str:persisted_face_id>/delete/",
        faces.person_face_remove,
        name="person_face_delete",
    ),
    # face lists
    path(f"{_C}/faces/add/", faces.facelist_faces_add, name="facelist_faces_add"),
    path(f"{_C}/faces/pick/", faces.facelist_faces_pick, name="facelist_faces_pick"),
    path(
        f"{_C}/faces/<str:persisted_face_id>/delete/",
        faces.facelist_face_remove,
        name="facelist_face_delete",
    ),
    path(f"{_C}/faces.csv", facelists.facelist_export, name="facelist_export"),
    path(f"{_C}/duplicates/", facelists.facelist_duplicates, name="facelist_duplicates"),
    path(
        f"{_C}/duplicates/start/",
        facelists.facelist_duplicates_start,
        name="facelist_duplicates_start",
    ),
    # stored images, private to the tenant's members
    path(
        "t/<slug:slug>/faces/<str:persisted_face_id>/thumb.jpg",
        faces.face_thumbnail,
        name="face_thumbnail",
    ),
    path(
        "t/<slug:slug>/faces/<str:persisted_face_id>/original/",
        faces.face_original,
        name="face_original",
    ),
    path("t/<slug:slug>/pending/<str:token>/photo/", faces.pending_photo, name="pending_photo"),
    path(
        "t/<slug:slug>/pending/<str:token>/discard/", faces.pending_discard, name="pending_discard"
    ),
]
