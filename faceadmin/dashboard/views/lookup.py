"""Photo lookup: detect and identify, verify, find similar, group; enroll from a result.

Photos are never stored by these views. With JavaScript the page shows the chosen file
itself (an object URL) and the server answers with the overlay and the tables only; a plain
POST gets the photo back inline as a data: URI. Enrolling re-posts the same file (the file
input still holds it) with the chosen face rectangle. Grouping runs as a job
(faceapi.grouping): the page saves the photos into it and redirects to the job's page,
whose result offers to create a person from a cluster (its crops fetched on demand).

Every lookup is a call of the tenant's provider (`provider_for(tenant).identify(...)`),
whose results are the same for every provider; the pages ask the provider's capabilities
what to offer. A provider with galleries (FindFace) identifies in every face or one gallery,
verifies two photos, with named thresholds, and enrolls a face of the result into a
gallery; find similar and group are there only where `lookup_sections` names them.
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
    ModelsMixin,
    SimilarForm,
    VerifyForm,
)
from faceadmin.dashboard.views.calibration_gallery import gallery_threshold_initial
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.grouping import (
    grouping_cluster,
    grouping_cluster_crops,
    photo_group_start,
)
from faceadmin.faceapi.lookup import Enrollment, IdentifyQuery, PhotoError
from faceadmin.faceapi.lookup.operations import SearchTargets
from faceadmin.faceapi.providers import Provider, provider_for
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
    context.setdefault("provider", provider_for(request.tenant))
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


def _search_targets(provider: Provider, context: dict[str, Any]) -> SearchTargets:
    try:
        return provider.search_targets()
    except FaceApiError as exc:
        context["api_error"] = ApiErrorView.of(exc)
        return SearchTargets()


def _lookup_form(
    request: TenantRequest, provider: Provider, targets: SearchTargets, bound: bool
) -> LookupForm | GalleryLookupForm:
    data, files = (request.POST, request.FILES) if bound else (None, None)
    if provider.capabilities.galleries:
        return GalleryLookupForm(
            data, files, galleries=targets.galleries, initial=gallery_threshold_initial(request)
        )
    return LookupForm(
        data,
        files,
        groups=targets.collections,
        default_threshold=request.tenant.identify_threshold,
        calibrated_at=request.tenant.identify_threshold_calibrated_at,
    )


def _query(form: Any) -> IdentifyQuery:
    """The lookup options a valid form chose, for any provider's form."""
    if isinstance(form, LookupForm):
        return form.identify_query()
    if isinstance(form, ModelsMixin):
        return IdentifyQuery(settings=form.detect_settings())
    data = form.cleaned_data  # named thresholds, in a gallery
    return IdentifyQuery(
        gallery=data.get("gallery") or None,
        preset=data["threshold"],
        max_candidates=data.get("n") or 3,
    )


@tenant_view(Role.OPERATOR)
def lookup(request: TenantRequest) -> HttpResponse:
    """Detect every face on a photo, and identify them where the provider searches."""
    provider = provider_for(request.tenant)
    context: dict[str, Any] = {"section": "detect", "provider": provider}
    targets = _search_targets(provider, context)
    refused = _files_refused(request) if request.method == "POST" else None
    bound = request.method == "POST" and refused is None
    form = _lookup_form(request, provider, targets, bound)
    context.update(
        form=form, groups=targets.collections, galleries=targets.galleries, problem=refused
    )
    if bound and form.is_valid():
        photo, query = form.cleaned_data["picture"], _query(form)
        context["photo"] = photo
        if request.POST.get("action") == "identify":
            known = targets.collections if "api_error" not in context else None
            _run(
                context,
                "identification",
                lambda: provider.identify(photo=photo, query=query, known=known, user=request.user),
            )
            if "identification" in context:
                context["detection"] = context["identification"].detection
        else:
            _run(
                context,
                "detection",
                lambda: provider.detect(photo=photo, settings=query.settings, user=request.user),
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


def _enroll(request: TenantRequest, provider: Provider) -> tuple[bool, str]:
    """Enroll the face a lookup result's button names: the outcome and its message."""
    galleries = provider.capabilities.galleries
    form = (GalleryLookupEnrollForm if galleries else EnrollForm)(request.POST, request.FILES)
    if not form.is_valid():
        return False, _form_errors(form)
    data = form.cleaned_data
    into = data["gallery_name"] if galleries else str(data["group_ref"])
    try:
        enrollment = provider.enroll_face(
            user=request.user,
            photo=data["picture"],
            target=data["target"],
            into=into,
            person_id=data.get("person_id"),
            name=data.get("new_meta" if galleries else "new_name") or "",
            user_data=data.get("new_user_data") or None,
        )
    except PhotoError as exc:
        return False, str(exc)
    except FaceApiError as exc:
        return False, _api_text(exc)
    return True, _enrolled_text(data, enrollment, galleries=galleries)


def _enrolled_text(data: dict[str, Any], enrollment: Enrollment, *, galleries: bool) -> str:
    if galleries:
        ids = ", ".join(enrollment.persisted_face_ids)
        return f"Enrolled the face into {data['gallery_name']} (face {ids})."
    where = data["group_ref"].id
    if enrollment.created:
        text = f"Created {data['new_name'].strip()} in {where} and enrolled the face."
    else:
        text = f"Enrolled the face to the chosen person in {where}."
    return text + " Train the group so that identify uses it."


@tenant_view(Role.OPERATOR)
@require_POST
def lookup_enroll(request: TenantRequest) -> HttpResponse:
    """Enroll a face of a lookup result: to the candidate person, to a new person, or into
    a gallery."""
    ok, text = _enroll(request, provider_for(request.tenant))
    response = _answer(request, ok, text, fragment=f"{PAGE}#flash", page="dashboard:lookup")
    if request.htmx:  # the buttons sit in the lookup form, whose target is the result
        response["HX-Retarget"] = "#lookup-flash"
        response["HX-Reswap"] = "innerHTML"
    return response


@tenant_view(Role.OPERATOR)
def lookup_verify(request: TenantRequest) -> HttpResponse:
    """Two photos, or a photo and a person (where the provider has persons): the same person?"""
    provider = provider_for(request.tenant)
    context: dict[str, Any] = {"section": "verify", "provider": provider}
    bound = request.method == "POST"
    data, files = (request.POST, request.FILES) if bound else (None, None)
    form: VerifyForm | GalleryVerifyForm
    if provider.capabilities.verify_person:
        try:
            people = provider.verify_people()
        except FaceApiError as exc:
            people, context["api_error"] = [], ApiErrorView.of(exc)
        form = VerifyForm(data, files, people=people)
    else:
        form = GalleryVerifyForm(data, files)
    context["form"] = form
    if bound and form.is_valid():
        clean = form.cleaned_data
        _run(
            context,
            "verification",
            lambda: provider.verify(
                user=request.user,
                query=_query(form),
                first=clean["picture"],
                first_face=clean["target1"],
                second=clean.get("picture2"),
                second_face=clean["target2"],
                group=clean.get("group_ref"),
                person_id=clean.get("person_id"),
            ),
        )
    return _respond(request, VERIFY, context, form_ok=not form.errors)


def _section(request: TenantRequest, section: str) -> Provider:
    """The tenant's provider, if it has this lookup page (else 404)."""
    provider = provider_for(request.tenant)
    if section not in provider.capabilities.lookup_sections:
        raise Http404(f"This provider has no {section} lookup.")
    return provider


@tenant_view(Role.OPERATOR)
def lookup_similar(request: TenantRequest) -> HttpResponse:
    """The faces of a face list most like a face of the photo."""
    provider = _section(request, "similar")
    context: dict[str, Any] = {"section": "similar", "provider": provider}
    try:
        lists = provider.similar_lists()
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
            lambda: provider.find_similar(
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
    provider = _section(request, "group")
    context: dict[str, Any] = {"section": "group", "provider": provider}
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
    provider = _section(request, "group")
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
    context["groups"] = _search_targets(provider, context).collections
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
    provider = provider_for(request.tenant)
    try:
        groups = provider.search_targets().collections
        form = ClusterForm(request.POST, groups=groups)
        if not form.is_valid():
            return answer(False, _form_errors(form))
        data = form.cleaned_data
        enrollment = provider.enroll_cluster(
            user=request.user,
            into=data["group_ref"],
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
