"""Training of person groups, large person groups and large face lists.

The panel polls itself: while the status is `notstarted` or `running` its fragment carries
`hx-trigger="every 2s"`; the render for `succeeded` / `failed` (or an error) has no trigger,
so the polling stops by itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from faceadmin.dashboard.views.collection_support import (
    base_context,
    collection_url,
    done,
    error_context,
    error_status,
    kind_or_404,
)
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.kinds import TRAINABLE_KINDS
from faceadmin.faceapi.services import collection_train, training_state
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role


def _trainable_or_404(slug: str) -> CollectionKind:
    return kind_or_404(slug, allowed=TRAINABLE_KINDS)


def _state_context(
    request: TenantRequest, kind: CollectionKind, collection_id: str
) -> tuple[dict[str, Any], int]:
    context = base_context(request, kind, collection_id)
    try:
        context["state"] = training_state(
            tenant=request.tenant, kind=kind, collection_id=collection_id
        )
    except FaceApiError as exc:
        return context | error_context(exc), error_status(exc)
    return context, 200


@tenant_view()
def training_show(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """The training panel: a fragment for htmx (polling), a page otherwise."""
    trainable = _trainable_or_404(kind)
    context, status = _state_context(request, trainable, collection_id)
    template = "dashboard/training.html" + ("#panel" if request.htmx else "")
    return render(request, template, context, status=status)


@tenant_view()
def training_badge(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """The small status badge of list rows; polls itself while training runs."""
    trainable = _trainable_or_404(kind)
    context, _ = _state_context(request, trainable, collection_id)
    # A badge is decoration in a list: an error shows as a badge, not as a failed request.
    return render(request, "dashboard/training.html#badge", context)


@tenant_view(Role.OPERATOR)
@require_POST
def training_start(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    trainable = _trainable_or_404(kind)
    try:
        collection_train(
            tenant=request.tenant, user=request.user, kind=trainable, collection_id=collection_id
        )
    except FaceApiError as exc:
        context, _ = _state_context(request, trainable, collection_id)
        context |= error_context(exc)
        template = "dashboard/training.html" + ("#panel" if request.htmx else "")
        return render(request, template, context, status=error_status(exc))
    if request.htmx:
        context, status = _state_context(request, trainable, collection_id)
        context["just_started"] = True
        return render(request, "dashboard/training.html#panel", context, status=status)
    messages.success(request, "Training started; the status updates on this page.")
    return done(request, collection_url(request, trainable, collection_id))
