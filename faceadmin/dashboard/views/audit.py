"""The audit log: filter, page, export. Nothing here can change it.

A tenant's admins read its events at /t/<slug>/audit/; staff superusers read the events that
belong to no tenant (failed logins, lockouts, logins of users without tenants) at /audit/.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from faceadmin.faceapi.lookup.audit import match_token
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import AuditEvent, Role, Tenant

PAGE_SIZE = 50
CSV_COLUMNS = (
    "created_at",
    "username",
    "action",
    "target_kind",
    "target_id",
    "outcome",
    "reason",
    "request_id",
)


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, label="User")
    action = forms.CharField(required=False, label="Action", help_text="e.g. person.create or key.")
    target = forms.CharField(required=False, label="Target id or kind")
    person = forms.CharField(
        required=False,
        label="Person or face id",
        help_text="Lookups that returned it: who searched for this person.",
    )
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), ("ok", "ok"), ("error", "Errors only")],
        label="Outcome",
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” is after “To”.")
        return data


def audit_events(*, tenant: Tenant | None, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Selector: the tenant's events (with None: the events of no tenant) matching the
    (cleaned) filters, newest first."""
    events = (
        AuditEvent.objects.filter(tenant=tenant)
        if tenant is not None
        else AuditEvent.objects.filter(tenant__isnull=True)
    )
    if filters.get("user"):
        events = events.filter(username__icontains=filters["user"])
    if filters.get("action"):
        events = events.filter(action__startswith=filters["action"])
    if filters.get("target"):
        target = str(filters["target"])
        events = events.filter(target_id__icontains=target) | events.filter(target_kind=target)
    if filters.get("person"):
        person = str(filters["person"]).strip()
        events = events.filter(
            Q(reason__contains=match_token("person", person))
            | Q(reason__contains=match_token("face", person))
        )
    if filters.get("outcome") == "ok":
        events = events.filter(outcome="ok")
    elif filters.get("outcome") == "error":
        events = events.exclude(outcome="ok")
    tz = timezone.get_current_timezone()
    if filters.get("since"):
        events = events.filter(created_at__gte=datetime.combine(filters["since"], time.min, tz))
    if filters.get("until"):
        events = events.filter(created_at__lte=datetime.combine(filters["until"], time.max, tz))
    return events.order_by("-created_at", "-id")


def _render_log(request: HttpRequest, tenant: Tenant | None, urls: dict[str, str]) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(tenant=tenant, filters=filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), **urls}
    if getattr(request, "htmx", False):
        return render(request, "dashboard/audit.html#results", context)
    return render(request, "dashboard/audit.html", context)


@tenant_view(Role.ADMIN)
def audit_log(request: TenantRequest) -> HttpResponse:
    slug = request.tenant.slug
    urls = {
        "audit_url": reverse("dashboard:audit", args=[slug]),
        "export_url": reverse("dashboard:audit_export", args=[slug]),
    }
    return _render_log(request, request.tenant, urls)


@login_required
@user_passes_test(lambda u: u.is_superuser)
def server_audit_log(request: HttpRequest) -> HttpResponse:
    """Events of no tenant: failed logins, lockouts, logins of users without a tenant."""
    urls = {
        "audit_url": reverse("dashboard:server_audit"),
        "export_url": reverse("dashboard:server_audit_export"),
    }
    return _render_log(request, None, urls)


class _Echo:
    def write(self, value: str) -> str:
        return value


@tenant_view(Role.ADMIN)
def audit_export(request: TenantRequest) -> StreamingHttpResponse:
    return _export(request, request.tenant, request.tenant.slug)


@login_required
@user_passes_test(lambda u: u.is_superuser)
def server_audit_export(request: HttpRequest) -> StreamingHttpResponse:
    return _export(request, None, "server")


def _export(request: HttpRequest, tenant: Tenant | None, name: str) -> StreamingHttpResponse:
    """CSV of the filtered events, streamed row by row (100,000 rows never sit in memory)."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(tenant=tenant, filters=filters)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        for values in events.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
            yield writer.writerow([values[0].isoformat(), *(_csv_safe(str(v)) for v in values[1:])])

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        rows(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{name}-{stamp}.csv"'},
    )


def _csv_safe(value: str) -> str:
    """Keep spreadsheet apps from running a cell as a formula (CSV injection). Tab and CR
    count too: some spreadsheet apps skip them and read the formula behind (OWASP)."""
    return "'" + value if value[:1] in _FORMULA_STARTS else value


_FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


urlpatterns = [
    path("t/<slug:slug>/audit/", audit_log, name="audit"),
    path("t/<slug:slug>/audit/export.csv", audit_export, name="audit_export"),
    path("audit/", server_audit_log, name="server_audit"),
    path("audit/export.csv", server_audit_export, name="server_audit_export"),
]
