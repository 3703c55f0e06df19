"""No dashboard view can edit or delete the audit log.

Walks every URL pattern of the dashboard and sends each one GET, POST (empty and with
audit-looking fields), PUT, PATCH and DELETE as a superuser who is an admin of the tenant,
with the route's placeholders filled with the ids of existing audit events. After every
request the log may only have grown: no row is gone and no row changed. (tests/foundation/
test_audit.py covers the model and the Django admin.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import AppendOnlyError, AuditEvent, Membership, Role, Tenant
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def dashboard_routes() -> list[tuple[str, str]]:
    """(URL name, route with placeholders) of every pattern in the dashboard namespace."""
    routes: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and namespace == "dashboard":
                routes.append((p.name or p.callback.__name__, prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "", "")
    return routes


def concrete(route: str, *, slug: str, value: str, number: int) -> str:
    url = route.replace("<slug:slug>", slug)
    url = re.sub(r"<int:[a-z_]+>", str(number), url)
    url = re.sub(r"<(?:str|slug|path|uuid):[a-z_]+>", value, url)
    return "/" + url


def rows() -> dict[Any, tuple[Any, ...]]:
    return {
        row[0]: row
        for row in AuditEvent.objects.order_by().values_list(
            "id", "created_at", "user_id", "username", "tenant_id", "tenant_slug", "action",
            "target_kind", "target_id", "outcome", "reason", "request_id",
        )
    }  # fmt: skip


@pytest.fixture
def exceptions() -> Any:
    """Exceptions raised inside views (the client answers 500 instead of raising them)."""
    seen: list[BaseException] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        import sys

        seen.append(sys.exc_info()[1])  # type: ignore[arg-type]

    got_request_exception.connect(record, weak=False)
    yield seen
    got_request_exception.disconnect(record)


def test_no_dashboard_view_changes_or_deletes_audit_events(
    local_tenant: Tenant, exceptions: list[BaseException]
) -> None:
    root = make_user("root", is_superuser=True, is_staff=True)
    membership = Membership.objects.create(user=root, tenant=local_tenant, role=Role.ADMIN)
    events = [
        audit_record(
            action="person.delete",
            tenant=local_tenant,
            user=root,
            target_kind="person",
            target_id="p-1",
            outcome="PersonNotFound",
        ),
        audit_record(action="snapshot.take", tenant=local_tenant, user=None, target_id="staff"),
        audit_record(action="login.failed", tenant=None, user=None, target_id="root"),
    ]
    client = Client(raise_request_exception=False)
    routes = dashboard_routes()
    assert len(routes) >= 40 and any(name == "audit" for name, _ in routes)
    forged = {
        "id": str(events[0].pk),
        "pk": str(events[0].pk),
        "action": "forged",
        "outcome": "ok",
        "reason": "",
        "username": "nobody",
        "delete": "yes",
        "post": "yes",
    }
    answered: list[int] = []
    crashed: list[str] = []
    for name, route in routes:
        for value, number in ((str(events[0].pk), membership.pk), ("x", 1)):
            url = concrete(route, slug=local_tenant.slug, value=value, number=number)
            for method, data in (
                ("get", None),
                ("post", {}),
                ("post", forged),
                ("put", forged),
                ("patch", forged),
                ("delete", None),
            ):
                before = rows()
                client.force_login(root)
                send = getattr(client, method)
                response = send(url, data) if data is not None else send(url)
                answered.append(response.status_code)
                if response.status_code == 500:
                    crashed.append(f"{method.upper()} {url}")
                after = rows()
                assert set(before) <= set(after), f"{method.upper()} {url} ({name}) deleted events"
                changed = [pk for pk in before if before[pk] != after[pk]]
                assert not changed, f"{method.upper()} {url} ({name}) changed events {changed}"
                # An admin who removed themselves could not go on: put the membership back.
                Membership.objects.get_or_create(
                    pk=membership.pk,
                    defaults={"user": root, "tenant": local_tenant, "role": Role.ADMIN},
                )
    # The walk reached the views (not only 404s and 405s), and none crashed half-way.
    assert sum(status < 400 for status in answered) >= 60
    assert not crashed, f"views that crashed (a crash could hide a write): {crashed}"
    assert not [e for e in exceptions if isinstance(e, AppendOnlyError)]
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in events]).count() == 3
