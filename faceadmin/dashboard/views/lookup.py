"""Photo lookup: detect and identify, verify, find similar, group; enroll from a result.

Photos are never stored by these views. With JavaScript the page shows the chosen file
itself (an object URL) and the server answers with the overlay and the tables only; a plain
POST gets the photo back inline as a data: URI. Enrolling re-posts the same file (the file
input still holds it) with the chosen face rectangle. Grouping runs as a job
(faceapi.grouping): the page saves the photos into it and redirects to the job's page,
whose result offers to create a person from a cluster (its crops fetched on demand).

A FindFace tenant gets the same pages adapted (`provider.uses_galleries`): detect and
identify in every face or one gallery, verify two photos, with the named thresholds, and
enroll a face of the result into a gallery. Find similar and group are Azure's alone.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from faceadmin.dashboard.forms_galleries import (
    GalleryLookupEnrollForm,
    GalleryLookupForm,
    GalleryVerifyForm,
)
from faceadmin.dashboard.forms_lookup import (
    ClusterForm,
    EnrollForm,
    GroupForm,
    LookupForm,
    SimilarForm,
    VerifyForm,
)
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.findface_lookup import (
    photo_detect_faces,
    photo_identify_in_gallery,
    photo_verify_faces,
)
from faceadmin.faceapi.galleries import gallery_enroll, gallery_list
from faceadmin.faceapi.grouping import (
    grouping_cluster,
    grouping_cluster_crops,
    photo_group_start,
)
from faceadmin.faceapi.lookup import (
    LIST_KINDS,
    PERSON_KINDS,
    PhotoError,
    cluster_enroll,
    collection_options,
    person_options,
    photo_detect,
    photo_enroll_face,
    photo_find_similar,
    photo_identify,
    photo_verify,
)
from faceadmin.faceapi.providers import provider_profile
from faceadmin.faceapi.services import ApiErrorView
from faceadmin.jobs.models import Job
from faceadmin.jobs.services import job_get
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

PAGE = "dashboard/lookup.html"
VERIFY = "dashboard/lookup_verify.html"
SIMILAR = "dashboard/lookup_similar.html"
GROUP = "dashboard/lookup_group.html"


def _base_url(request: TenantRequest) -> str:
    """Where the shown curl command sends its request."""
    if request.tenant.is_embedded:
        return request.build_absolute_uri("/face/v1.0")
    return request.tenant.endpoint_url.rstrip("/") + "/face/v1.0"


def _respond(
    request: TenantRequest, template: str, context: dict[str, Any], *, form_ok: bool = True
) -> HttpResponse:
    """The result fragment for htmx, else the whole page (400 when the form was refused)."""
    context.setdefault("inline_photo", not request.htmx)
    context.setdefault("provider", provider_profile(request.tenant))
    context["engine_private_urls"] = settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS
    context["store_originals"] = settings.FACEADMIN_STORE_ORIGINALS
    detection = context.get("detection")
    if detection is not None and detection.call is not None:
        context["curl"] = detection.call.curl(
            base_url=_base_url(request),
            masked_key=request.tenant.primary_key_masked or "<your key>",
            filename=detection.photo.filename,
        )
    if request.htmx and request.method == "POST":
        return render(request, f"{template}#result", context)
    return render(request, template, context, status=200 if form_ok else 400)


def _run(context: dict[str, Any], key: str, call: Any) -> None:
    """Call a lookup service; a bad photo or a provider error becomes a plain message."""
    try:
        context[key] = call()
    except PhotoError as exc:
        context["problem"] = str(exc)
    except FaceApiError as exc:
        context["api_error"] = ApiErrorView.of(exc)


def _files_refused(request: TenantRequest) -> str | None:
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FILES files before a form sees them."""
    try:
        request.FILES  # noqa: B018 - parses the upload
    except TooManyFilesSent:
        return f"Send at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} photos at once."
    except RequestDataTooBig:
        return "That upload is too large; send fewer or smaller photos."
    return None


@tenant_view(Role.OPERATOR)
def lookup(request: TenantRequest) -> HttpResponse:
    """Detect every face on a photo, and identify them against the tenant's groups."""
    if provider_profile(request.tenant).uses_galleries:
        return _gallery_lookup(request)
    context: dict[str, Any] = {"section": "detect"}
    try:
        groups = collection_options(tenant=request.tenant, kinds=PERSON_KINDS)
    except FaceApiError as exc:
        groups, context["api_error"] = [], ApiErrorView.of(exc)
    refused = _files_refused(request) if request.method == "POST" else None
    bound = request.method == "POST" and refused is None
    form = LookupForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        groups=groups,
        default_threshold=request.tenant.identify_threshold,
        calibrated_at=request.tenant.identify_threshold_calibrated_at,
    )
    context.update(form=form, groups=groups, problem=refused)
    if bound and form.is_valid():
        data = form.cleaned_data
        context["photo"] = data["picture"]
        if request.POST.get("action") == "identify":
            _run(
                context,
                "identification",
                lambda: photo_identify(
                    tenant=request.tenant,
                    user=request.user,
                    photo=data["picture"],
                    settings=form.detect_settings(),
                    group_refs=form.group_refs(),
                    max_candidates=data["max_candidates"],
                    confidence_threshold=form.threshold_or_default(),
                    known=groups if "api_error" not in context else None,
                ),
            )
            if "identification" in context:
                context["detection"] = context["identification"].detection
        else:
            _run(
                context,
                "detection",
                lambda: photo_detect(
                    tenant=request.tenant,
                    user=request.user,
                    photo=data["picture"],
                    settings=form.detect_settings(),
                ),
            )
    return _respond(request, PAGE, context, form_ok=not form.errors and refused is None)


def _api_text(exc: FaceApiError) -> str:
    error = ApiErrorView.of(exc)
    return f"{error.title} {error.message}"


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _answer(
    request: TenantRequest, ok: bool, text: str, *, fragment: str, page: str
) -> HttpResponse:
    """An enroll outcome: a message fragment for htmx, else a flash message and redirect."""
    if request.htmx:
        return render(request, fragment, {"flash_ok": ok, "flash_text": text})
    (messages.success if ok else messages.error)(request, text)
    return redirect(page, request.tenant.slug)


@tenant_view(Role.OPERATOR)
@require_POST
def lookup_enroll(request: TenantRequest) -> HttpResponse:
    """Enroll a face of a lookup result: to the candidate person, or to a new person."""
    if provider_profile(request.tenant).uses_galleries:
        return _gallery_lookup_enroll(request)

    def answer(ok: bool, text: str) -> HttpResponse:
        response = _answer(request, ok, text, fragment=f"{PAGE}#flash", page="dashboard:lookup")
        if request.htmx:  # the buttons sit in the lookup form, whose target is the result
            response["HX-Retarget"] = "#lookup-flash"
            response["HX-Reswap"] = "innerHTML"
        return response

    form = EnrollForm(request.POST, request.FILES)
    if not form.is_valid():
        return answer(False, _form_errors(form))
    data = form.cleaned_data
    try:
        enrollment = photo_enroll_face(
            tenant=request.tenant,
            user=request.user,
            group=data["group_ref"],
            photo=data["picture"],
            target_face=data["target"],
            person_id=data["person_id"],
            new_person_name=data.get("new_name") or "",
            user_data=data.get("new_user_data") or None,
        )
    except PhotoError as exc:
        return answer(False, str(exc))
    except FaceApiError as exc:
        return answer(False, _api_text(exc))
    where = data["group_ref"].id
    if enrollment.created:
        text = f"Created {data['new_name'].strip()} in {where} and enrolled the face."
    else:
        text = f"Enrolled the face to the chosen person in {where}."
    return answer(True, text + " Train the group so that identify uses it.")


@tenant_view(Role.OPERATOR)
def lookup_verify(request: TenantRequest) -> HttpResponse:
    """Two photos, or a photo and a person: the same person?"""
    if provider_profile(request.tenant).uses_galleries:
        return _gallery_verify(request)
    context: dict[str, Any] = {"section": "verify"}
    try:
        people = person_options(tenant=request.tenant)
    except FaceApiError as exc:
        people, context["api_error"] = [], ApiErrorView.of(exc)
    bound = request.method == "POST"
    form = VerifyForm(
        request.POST if bound else None, request.FILES if bound else None, people=people
    )
    context["form"] = form
    if bound and form.is_valid():
        data = form.cleaned_data
        _run(
            context,
            "verification",
            lambda: photo_verify(
                tenant=request.tenant,
                user=request.user,
                settings=form.detect_settings(),
                first=data["picture"],
                first_face=data["target1"],
                second=data.get("picture2"),
                second_face=data["target2"],
                group=data.get("group_ref"),
                person_id=data.get("person_id"),
            ),
        )
    return _respond(request, VERIFY, context, form_ok=not form.errors)


@tenant_view(Role.OPERATOR)
def lookup_similar(request: TenantRequest) -> HttpResponse:
    """The faces of a face list most like a face of the photo."""
    _azure_only(request)
    context: dict[str, Any] = {"section": "similar"}
    try:
        lists = collection_options(tenant=request.tenant, kinds=LIST_KINDS)
    except FaceApiError as exc:
        lists, context["api_error"] = [], ApiErrorView.of(exc)
    bound = request.method == "POST"
    form = SimilarForm(
        request.POST if bound else None, request.FILES if bound else None, lists=lists
    )
    context.update(form=form, lists=lists)
    if bound and form.is_valid():
        data = form.cleaned_data
        _run(
            context,
            "search",
            lambda: photo_find_similar(
                tenant=request.tenant,
                user=request.user,
                photo=data["picture"],
                settings=form.detect_settings(),
                face_list=data["list_ref"],
                face=data["target"],
                mode=data["mode"],
                max_candidates=data["max_candidates"],
            ),
        )
        if "search" in context:
            context["detection"] = context["search"].detection
    return _respond(request, SIMILAR, context, form_ok=not form.errors)


@tenant_view(Role.OPERATOR)
def lookup_group(request: TenantRequest) -> HttpResponse:
    """Up to 1,000 photos: saved into a grouping job, whose page shows progress and result."""
    _azure_only(request)
    context: dict[str, Any] = {"section": "group"}
    refused = _files_refused(request) if request.method == "POST" else None
    bound = request.method == "POST" and refused is None
    form = GroupForm(request.POST if bound else None, request.FILES if bound else None)
    context.update(form=form, problem=refused)
    if bound and form.is_valid():
        data = form.cleaned_data
        context["photo_problems"] = data.get("problems", [])
        if data.get("uploads"):
            try:
                job = photo_group_start(
                    tenant=request.tenant,
                    user=request.user,
                    uploads=data["uploads"],
                    settings=form.detect_settings(),
                )
            except PhotoError as exc:
                context["problem"] = str(exc)
            else:
                if context["photo_problems"]:
                    messages.warning(request, "Left out: " + "; ".join(context["photo_problems"]))
                url = reverse("dashboard:job", args=[request.tenant.slug, job.pk])
                if request.htmx:
                    return HttpResponseClientRedirect(url)
                return redirect(url)
    return _respond(request, GROUP, context, form_ok=not form.errors and refused is None)


@tenant_view(Role.OPERATOR)
def lookup_group_cluster(request: TenantRequest, job_id: uuid.UUID, number: int) -> HttpResponse:
    """The "create a person" form of one cluster of a grouping job's result (its crops are
    read from the job's files only when asked, so the result page stays small)."""
    _azure_only(request)
    try:
        job = job_get(tenant=request.tenant, job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No such job in this tenant.") from None
    cluster = grouping_cluster(job=job, number=number)
    if cluster is None:
        raise Http404("No such cluster in this job's result.")
    context: dict[str, Any] = {
        "job": job,
        "number": number,
        "size": len(cluster["faces"]),
        "crops": grouping_cluster_crops(job=job, number=number),
    }
    try:
        context["groups"] = collection_options(tenant=request.tenant, kinds=PERSON_KINDS)
    except FaceApiError as exc:
        context["groups"], context["api_error"] = [], ApiErrorView.of(exc)
    if request.htmx:
        return render(request, "dashboard/lookup_group_cluster.html#form", context)
    return render(request, "dashboard/lookup_group_cluster.html", context)


@tenant_view(Role.OPERATOR)
@require_POST
def lookup_cluster_person(request: TenantRequest) -> HttpResponse:
    """Create a person from a cluster of the group page, enrolling every face of it."""

    def answer(ok: bool, text: str) -> HttpResponse:
        return _answer(
            request, ok, text, fragment=f"{GROUP}#cluster-status", page="dashboard:lookup_group"
        )

    refused = _files_refused(request)  # crops come as fields: Django caps their total size
    if refused:
        return answer(False, refused)
    try:
        groups = collection_options(tenant=request.tenant, kinds=PERSON_KINDS)
    except FaceApiError as exc:
        return answer(False, _api_text(exc))
    form = ClusterForm(request.POST, groups=groups)
    if not form.is_valid():
        return answer(False, _form_errors(form))
    data = form.cleaned_data
    try:
        enrollment = cluster_enroll(
            tenant=request.tenant,
            user=request.user,
            group=data["group_ref"],
            name=data["name"],
            crops=form.crops,
            user_data=data.get("user_data") or None,
        )
    except PhotoError as exc:
        return answer(False, str(exc))
    except FaceApiError as exc:
        return answer(False, _api_text(exc))
    text = (
        f"Created {data['name']} in {data['group_ref'].id} with "
        f"{len(enrollment.persisted_face_ids)} face(s). Train the group for identify to use them."
    )
    if enrollment.failures:
        text += " Not enrolled: " + "; ".join(enrollment.failures)
    return answer(True, text)


# --- a FindFace tenant's lookups ----------------------------------------------------------


def _azure_only(request: TenantRequest) -> None:
    if provider_profile(request.tenant).uses_galleries:
        raise Http404("FindFace has no find-similar or group method.")


def _gallery_lookup(request: TenantRequest) -> HttpResponse:
    """Detect, or identify in every face or one gallery, with a threshold preset."""
    context: dict[str, Any] = {"section": "detect"}
    try:
        galleries = gallery_list(tenant=request.tenant)
    except FaceApiError as exc:
        galleries, context["api_error"] = [], ApiErrorView.of(exc)
    refused = _files_refused(request) if request.method == "POST" else None
    bound = request.method == "POST" and refused is None
    form = GalleryLookupForm(
        request.POST if bound else None, request.FILES if bound else None, galleries=galleries
    )
    context.update(form=form, galleries=galleries, problem=refused)
    if bound and form.is_valid():
        data = form.cleaned_data
        context["photo"] = data["picture"]
        if request.POST.get("action") == "identify":
            _run(
                context,
                "identification",
                lambda: photo_identify_in_gallery(
                    tenant=request.tenant,
                    user=request.user,
                    photo=data["picture"],
                    gallery=data.get("gallery") or None,
                    threshold=data["threshold"],
                    n=data["n"],
                ),
            )
            if "identification" in context:
                context["detection"] = context["identification"].detection
        else:
            _run(
                context,
                "detection",
                lambda: photo_detect_faces(
                    tenant=request.tenant, user=request.user, photo=data["picture"]
                ),
            )
    return _respond(request, PAGE, context, form_ok=not form.errors and refused is None)


def _gallery_lookup_enroll(request: TenantRequest) -> HttpResponse:
    """Enroll a face of a lookup result into a gallery, with a meta."""

    def answer(ok: bool, text: str) -> HttpResponse:
        response = _answer(request, ok, text, fragment=f"{PAGE}#flash", page="dashboard:lookup")
        if request.htmx:
            response["HX-Retarget"] = "#lookup-flash"
            response["HX-Reswap"] = "innerHTML"
        return response

    form = GalleryLookupEnrollForm(request.POST, request.FILES)
    if not form.is_valid():
        return answer(False, _form_errors(form))
    data = form.cleaned_data
    try:
        created = gallery_enroll(
            tenant=request.tenant,
            user=request.user,
            gallery=data["gallery_name"],
            photo=data["picture"],
            meta=(data.get("new_meta") or "").strip(),
            target=data["target"],
        )
    except PhotoError as exc:
        return answer(False, str(exc))
    except FaceApiError as exc:
        return answer(False, _api_text(exc))
    ids = ", ".join(str(f.id) for f in created)
    return answer(True, f"Enrolled the face into {data['gallery_name']} (face {ids}).")


def _gallery_verify(request: TenantRequest) -> HttpResponse:
    context: dict[str, Any] = {"section": "verify"}
    bound = request.method == "POST"
    form = GalleryVerifyForm(request.POST if bound else None, request.FILES if bound else None)
    context["form"] = form
    if bound and form.is_valid():
        data = form.cleaned_data
        _run(
            context,
            "verification",
            lambda: photo_verify_faces(
                tenant=request.tenant,
                user=request.user,
                first=data["picture"],
                second=data["picture2"],
                threshold=data["threshold"],
                first_face=data["target1"],
                second_face=data["target2"],
            ),
        )
    return _respond(request, VERIFY, context, form_ok=not form.errors)


urlpatterns = [
    path("t/<slug:slug>/lookup/", lookup, name="lookup"),
    path("t/<slug:slug>/lookup/enroll/", lookup_enroll, name="lookup_enroll"),
    path("t/<slug:slug>/lookup/verify/", lookup_verify, name="lookup_verify"),
    path("t/<slug:slug>/lookup/similar/", lookup_similar, name="lookup_similar"),
    path("t/<slug:slug>/lookup/group/", lookup_group, name="lookup_group"),
    path(
        "t/<slug:slug>/lookup/group/<uuid:job_id>/cluster/<int:number>/",
        lookup_group_cluster,
        name="lookup_group_cluster",
    ),
    path(
        "t/<slug:slug>/lookup/group/person/",
        lookup_cluster_person,
        name="lookup_cluster_person",
    ),
]
