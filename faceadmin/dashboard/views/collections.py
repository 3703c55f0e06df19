"""Collections of any provider: list, create, edit, delete, and the tenant overview counts.

The listing, the delete step and the overview render the provider's neutral results
(`provider.collections`, `provider.collections_overview`: an Azure person group and a FindFace
gallery are both a collection of a `Kind`). Showing one collection goes to the page of its
kind (`Kind.page`): persons (`views.persons`), a face list's audit (`views.facelists`) or a
gallery with its enrolment (`views.galleries`). Every route of the collection pages is listed
in `urlpatterns` at the bottom.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
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
    kind_context,
    kind_or_404,
    render_form,
)
from faceadmin.faceapi.errors import FaceApiError, NotFoundError
from faceadmin.faceapi.kinds import KIND_BY_SLUG, KIND_LABELS, KIND_SLUGS
from faceadmin.faceapi.providers import Kind, Provider, provider_for
from faceadmin.faceapi.services import collection_create, collection_get, collection_update
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

PAGE_SIZE = 50


def _kind(provider: Provider, slug: str) -> Kind:
    kind = provider.kind(slug)
    if kind is None:
        raise Http404("No such collection kind here.")
    return kind


@tenant_view()
def collection_index(request: TenantRequest) -> HttpResponse:
    """One kind at a time (tabs when the provider has several), one listing call per page."""
    provider = provider_for(request.tenant)
    kinds = provider.kinds()
    kind = _kind(provider, request.GET.get("kind") or kinds[0].slug)
    context = kind_context(request, kind) | {"kinds": kinds}
    status = 200
    try:
        listing = provider.collections(kind, start=request.GET.get("start") or None, top=PAGE_SIZE)
    except FaceApiError as exc:
        context |= error_context(exc)
        status = error_status(exc)
    else:
        context["listing"] = listing
        context["pager"] = Pager(request, next_start=listing.next_start, kind=kind.slug)
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
    """A person group shows its persons; a face list its faces (the audit page); a gallery
    its faces and the enrol form."""
    provider = provider_for(request.tenant)
    found = _kind(provider, kind)
    if found.page == "gallery":
        return galleries.gallery_page(request, found.slug, collection_id)
    if found.page == "persons":
        return persons.group_page(request, KIND_BY_SLUG[found.slug], collection_id)
    return facelists.list_page(request, KIND_BY_SLUG[found.slug], collection_id)


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
    provider = provider_for(request.tenant)
    found = _kind(provider, kind)
    context = kind_context(request, found, collection_id)
    template = "dashboard/collection_delete.html"
    here = f"{found.label} {collection_id}"
    refusal = provider.why_not_deletable(found, collection_id)
    if refusal:
        messages.error(request, refusal)
        return redirect(
            reverse("dashboard:collection", args=[request.tenant.slug, kind, collection_id])
        )
    if request.method == "POST":
        try:
            dropped = provider.delete_collection(found, collection_id, user=request.user)
        except NotFoundError as exc:
            images = "; faceadmin's stored images of it were removed" if found.stores_images else ""
            messages.warning(request, f"{here} was already gone ({exc.code}){images}.")
        except FaceApiError as exc:
            return render(request, template, context | error_context(exc), status=error_status(exc))
        else:
            images = f" with its {dropped} stored image{'s' if dropped != 1 else ''}"
            messages.success(request, f"{here} was deleted{images if found.stores_images else ''}.")
        url = reverse("dashboard:collections", args=[request.tenant.slug])
        return done(request, f"{url}?kind={found.slug}")
    try:
        context["collection"] = provider.collection(found, collection_id)
        context["preview"] = provider.delete_preview(found, collection_id)
    except FaceApiError as exc:
        return render(request, template, context | error_context(exc), status=error_status(exc))
    return render(request, template, context)


# How many trainable collections of each kind the overview lists with their training state.
OVERVIEW_TRAINING_ROWS = 5


@tenant_view()
def collections_overview(request: TenantRequest) -> HttpResponse:
    """The counts on the tenant's home page; loaded by htmx so the page renders at once."""
    provider = provider_for(request.tenant)
    context = base_context(request) | {"overview_rows": OVERVIEW_TRAINING_ROWS}
    try:
        overview = provider.collections_overview()
    except FaceApiError as exc:  # counted in one call that failed (an Azure kind fails alone)
        context |= error_context(exc)
        return render(request, "dashboard/tenant_home.html#collections-overview", context)
    rows = [
        (count, count.first[:OVERVIEW_TRAINING_ROWS])
        for count in overview.counts
        if count.kind.trainable
    ]
    context |= {
        "overview": overview,
        "counts": [(c, error_context(c.error) if c.error else {}) for c in overview.counts],
        "training_rows": rows,
        "any_trainable": any(first for _, first in rows),
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
