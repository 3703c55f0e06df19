"""Snapshots (take, list, edit, apply, delete) and the operations that take and apply them.

Snapshots are admin business ("admins manage keys, members, snapshots and deletions");
viewers and operators may look at the list and follow the operations. Take and apply answer
at once with an operation; its page polls every 2 s while the provider works and stops by
itself once the operation succeeded or failed (the final render carries no trigger).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.validators import RegexValidator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from faceadmin.dashboard.views.collection_support import (
    base_context,
    done,
    error_context,
    error_status,
    kind_or_404,
    render_form,
)
from faceadmin.faceapi.collections import collection_get
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.kinds import KIND_LABELS, KIND_SLUGS
from faceadmin.faceapi.models import SnapshotOperation
from faceadmin.faceapi.snapshots import (
    USER_DATA_LIMIT,
    SnapshotRow,
    operation_get,
    operation_status,
    operations_refresh,
    snapshot_apply,
    snapshot_apply_targets,
    snapshot_delete,
    snapshot_get,
    snapshot_list,
    snapshot_take,
    snapshot_update,
    subscription_id_normalize,
    tenant_subscription_id,
)
from faceadmin.tenants.access import TenantRequest, can, tenant_view
from faceadmin.tenants.models import Role

# --- forms --------------------------------------------------------------------------------


class ScopeField(forms.CharField):
    """Subscription ids, one per line (commas and spaces separate too); cleans to a list."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or ""
        ids: list[str] = []
        bad: list[str] = []
        for part in re.split(r"[\s,;]+", text):
            if not part:
                continue
            try:
                normalized = subscription_id_normalize(part)
            except ValueError:
                bad.append(part)
                continue
            if normalized not in ids:
                ids.append(normalized)
        if bad:
            raise forms.ValidationError(
                "Not a subscription id (a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301): "
                + ", ".join(bad[:5])
            )
        return ids

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value


def _user_data_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        label="User data",
        max_length=USER_DATA_LIMIT,
        help_text="Optional note stored with the snapshot, at most 16 KB.",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )


class SnapshotTakeForm(forms.Form):
    own_account = forms.BooleanField(
        required=False,
        initial=True,
        label="This tenant may apply it",
        help_text="Put this tenant's own subscription id in the apply scope.",
    )
    own_id = forms.CharField(
        required=False,
        label="This tenant's subscription id",
        help_text="faceadmin does not know it yet: on Azure it is the subscription id of the "
        "Face resource. It is learned from the first snapshot taken here.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    other_ids = ScopeField(
        required=False,
        label="Other subscription ids",
        help_text="Subscriptions that may apply it, one per line.",
    )
    user_data = _user_data_field()

    def __init__(self, *args: Any, known_own_id: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_own_id = known_own_id
        if known_own_id is not None:
            del self.fields["own_id"]

    def clean_own_id(self) -> str:
        text = self.cleaned_data.get("own_id", "").strip()
        if not text:
            return ""
        try:
            return subscription_id_normalize(text)
        except ValueError:
            raise forms.ValidationError("Not a subscription id (a UUID).") from None

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        scope: list[str] = []
        if data.get("own_account"):
            own = self.known_own_id or data.get("own_id")
            if not own:
                if "own_id" in self.fields and not self.has_error("own_id"):
                    self.add_error("own_id", "Type this tenant's subscription id, or untick it.")
            else:
                scope.append(own)
        scope += [i for i in data.get("other_ids") or [] if i not in scope]
        if not scope and not self.errors:
            raise forms.ValidationError("Name at least one subscription that may apply it.")
        data["apply_scope"] = scope
        return data


class SnapshotEditForm(forms.Form):
    apply_scope = ScopeField(
        label="Apply scope",
        help_text="Subscription ids that may apply it, one per line.",
    )
    user_data = _user_data_field()


class SnapshotApplyForm(forms.Form):
    target = forms.ChoiceField(label="Into tenant")
    collection_id = forms.CharField(
        label="New ID",
        max_length=64,
        validators=[
            RegexValidator(
                r"^[a-z0-9_-]{1,64}$", "Use 1 to 64 lower-case letters, digits, '-' and '_'."
            )
        ],
        help_text="The id of the collection to create; it must not exist yet.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["target"]
        field.choices = [
            (
                t.tenant.slug,
                t.tenant.name + ("" if t.in_scope else " (subscription id unknown)"),
            )
            for t in targets
        ]
        if len(targets) == 1:
            field.widget = forms.HiddenInput()
        self.initial.setdefault("target", targets[0].tenant.slug if targets else "")


# --- snapshots ----------------------------------------------------------------------------


def _context(request: TenantRequest, **extra: Any) -> dict[str, Any]:
    return base_context(request) | {"can_manage": can(request.membership, Role.ADMIN), **extra}


def _context_with_own_id(request: TenantRequest, **extra: Any) -> dict[str, Any]:
    return _context(request, own_id=tenant_subscription_id(tenant=request.tenant), **extra)


@tenant_view()
def snapshot_index(request: TenantRequest) -> HttpResponse:
    """The tenant's snapshots, and the operations panel beneath. For htmx only the table:
    it reloads itself when the panel says operations ended (a take adds a snapshot)."""
    context = _context_with_own_id(request)
    if not request.htmx:
        context["operations"] = operations_refresh(tenant=request.tenant)
    status = 200
    try:
        context["rows"] = snapshot_list(tenant=request.tenant)
    except FaceApiError as exc:
        context |= error_context(exc)
        status = error_status(exc)
    template = "dashboard/snapshot_list.html" + ("#table" if request.htmx else "")
    return render(request, template, context, status=status)


def _snapshot_context(
    request: TenantRequest, snapshot_id: str
) -> tuple[dict[str, Any], SnapshotRow | None, int]:
    """The snapshot page's context (with blank forms for an admin), or the provider's error."""
    context = _context_with_own_id(request, snapshot_id=snapshot_id)
    try:
        row = snapshot_get(tenant=request.tenant, snapshot_id=snapshot_id)
    except FaceApiError as exc:
        return context | error_context(exc), None, error_status(exc)
    context["row"] = row
    if context["can_manage"]:
        targets = snapshot_apply_targets(
            tenant=request.tenant, user=request.user, snapshot=row.snapshot
        )
        context["targets"] = targets
        context["apply_form"] = SnapshotApplyForm(targets=targets)
        context["edit_form"] = SnapshotEditForm(
            initial={
                "apply_scope": list(row.snapshot.apply_scope),
                "user_data": row.snapshot.user_data or "",
            }
        )
    return context, row, 200


@tenant_view()
def snapshot_show(request: TenantRequest, snapshot_id: str) -> HttpResponse:
    context, _, status = _snapshot_context(request, snapshot_id)
    return render(request, "dashboard/snapshot_detail.html", context, status=status)


@tenant_view(Role.ADMIN)
def snapshot_edit(request: TenantRequest, snapshot_id: str) -> HttpResponse:
    """GET: the snapshot page; POST: replace applyScope and userData."""
    template = "dashboard/snapshot_detail.html"
    context, row, status = _snapshot_context(request, snapshot_id)
    if request.method != "POST" or row is None:
        return render(request, template, context, status=status)
    form = SnapshotEditForm(request.POST)
    context["edit_form"] = form
    if not form.is_valid():
        return render_form(request, template, context, status=400, partial="edit-form")
    try:
        snapshot_update(
            tenant=request.tenant,
            user=request.user,
            snapshot_id=snapshot_id,
            apply_scope=form.cleaned_data["apply_scope"],
            user_data=form.cleaned_data["user_data"],
        )
    except FaceApiError as exc:
        context |= error_context(exc) | {"failed": "edit"}
        return render_form(
            request, template, context, status=error_status(exc), partial="edit-form"
        )
    messages.success(request, "The snapshot was saved.")
    return done(request, reverse("dashboard:snapshot", args=[request.tenant.slug, snapshot_id]))


@tenant_view(Role.ADMIN)
def snapshot_apply_to(request: TenantRequest, snapshot_id: str) -> HttpResponse:
    """GET: the snapshot page; POST: start applying it as a new collection, in this tenant or
    in another one the user administers (the call is made with that tenant's key)."""
    template = "dashboard/snapshot_detail.html"
    context, row, status = _snapshot_context(request, snapshot_id)
    if request.method != "POST" or row is None:
        return render(request, template, context, status=status)
    targets = {t.tenant.slug: t.tenant for t in context["targets"]}
    form = SnapshotApplyForm(request.POST, targets=context["targets"])
    context["apply_form"] = form
    if not form.is_valid():
        return render_form(request, template, context, status=400, partial="apply-form")
    target = targets[form.cleaned_data["target"]]
    try:
        operation = snapshot_apply(
            tenant=target,
            user=request.user,
            snapshot_id=snapshot_id,
            kind=row.snapshot.type,
            collection_id=form.cleaned_data["collection_id"],
            source_tenant=request.tenant,
        )
    except FaceApiError as exc:
        context |= error_context(exc) | {"failed": "apply"}
        return render_form(
            request, template, context, status=error_status(exc), partial="apply-form"
        )
    return done(request, operation.url)


@tenant_view(Role.ADMIN)
def snapshot_remove(request: TenantRequest, snapshot_id: str) -> HttpResponse:
    """GET: the confirm step; POST: delete."""
    template = "dashboard/snapshot_delete.html"
    if request.method != "POST":
        context, _, status = _snapshot_context(request, snapshot_id)
        return render(request, template, context, status=status)
    try:
        snapshot_delete(tenant=request.tenant, user=request.user, snapshot_id=snapshot_id)
    except FaceApiError as exc:
        context = _context(request, snapshot_id=snapshot_id) | error_context(exc)
        return render(request, template, context, status=error_status(exc))
    messages.success(request, f"Snapshot {snapshot_id} was deleted.")
    return done(request, reverse("dashboard:snapshots", args=[request.tenant.slug]))


@tenant_view(Role.ADMIN)
def snapshot_new(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    """Take a snapshot of a collection: GET the form, POST starts it and goes to the
    operation's page."""
    collection_kind = kind_or_404(kind)
    known_own_id = tenant_subscription_id(tenant=request.tenant)
    form = SnapshotTakeForm(request.POST or None, known_own_id=known_own_id)
    context = base_context(request, collection_kind, collection_id) | {
        "form": form,
        "own_id": known_own_id,
    }
    template = "dashboard/snapshot_take.html"
    if request.method != "POST":
        try:
            context["collection"] = collection_get(
                tenant=request.tenant, kind=collection_kind, collection_id=collection_id
            )
        except FaceApiError as exc:
            return render(request, template, context | error_context(exc), status=error_status(exc))
        return render(request, template, context)
    if not form.is_valid():
        return render_form(request, template, context, status=400)
    try:
        operation = snapshot_take(
            tenant=request.tenant,
            user=request.user,
            kind=collection_kind,
            collection_id=collection_id,
            apply_scope=form.cleaned_data["apply_scope"],
            user_data=form.cleaned_data["user_data"],
        )
    except FaceApiError as exc:
        return render_form(
            request, template, context | error_context(exc), status=error_status(exc)
        )
    return done(request, operation.url)


# --- operations ---------------------------------------------------------------------------


@tenant_view()
def operation_index(request: TenantRequest) -> HttpResponse:
    """The recent operations panel: a fragment for htmx (polling), a page otherwise. The
    fragment that ends the polling fires `operations-ended`, so the snapshots list above it
    reloads and shows what a take made."""
    operations = operations_refresh(tenant=request.tenant)
    context = _context(request, operations=operations)
    template = "dashboard/operation_list.html" + ("#panel" if request.htmx else "")
    response = render(request, template, context)
    if request.htmx and not operations.running:
        # The panel only polls while something runs: this is the poll that saw the end.
        response["HX-Trigger"] = "operations-ended"
    return response


@tenant_view()
def operation_show(request: TenantRequest, operation_id: str) -> HttpResponse:
    """One operation; its status fragment polls itself until the operation has ended."""
    try:
        operation = operation_get(tenant=request.tenant, operation_id=operation_id)
    except SnapshotOperation.DoesNotExist:
        raise Http404("faceadmin did not start such an operation in this tenant.") from None
    context = _context(request, operation=operation)
    try:
        context["operation"] = operation_status(operation=operation)
    except FaceApiError as exc:
        # The operation may still be running: show the error and keep asking.
        context |= error_context(exc)
    context["kind_label"] = KIND_LABELS[operation.object_kind]
    context["kind_slug"] = KIND_SLUGS[operation.object_kind]
    template = "dashboard/operation_detail.html" + ("#status" if request.htmx else "")
    return render(request, template, context)


_S = "t/<slug:slug>/snapshots/<str:snapshot_id>"

urlpatterns: list[URLPattern] = [
    path("t/<slug:slug>/snapshots/", snapshot_index, name="snapshots"),
    path(f"{_S}/", snapshot_show, name="snapshot"),
    path(f"{_S}/edit/", snapshot_edit, name="snapshot_edit"),
    path(f"{_S}/apply/", snapshot_apply_to, name="snapshot_apply"),
    path(f"{_S}/delete/", snapshot_remove, name="snapshot_delete"),
    path(
        "t/<slug:slug>/collections/<str:kind>/<str:collection_id>/snapshot/",
        snapshot_new,
        name="snapshot_take",
    ),
    path("t/<slug:slug>/operations/", operation_index, name="operations"),
    path("t/<slug:slug>/operations/<str:operation_id>/", operation_show, name="operation"),
]
