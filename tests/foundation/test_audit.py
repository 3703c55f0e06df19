"""The audit trail is append-only: no update or delete path, the admin included."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import AppendOnlyError, AuditEvent, Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(tenant: Tenant, members: dict[str, Any]) -> AuditEvent:
    return audit_record(
        action="person.create",
        tenant=tenant,
        user=members["operator"],
        target_kind="person",
        target_id="p1",
    )


def test_it_records_who_what_and_outcome(event: AuditEvent) -> None:
    assert (event.username, event.action, event.outcome, event.tenant_slug) == (
        "operator",
        "person.create",
        "ok",
        "acme",
    )


def test_it_cannot_be_updated_or_deleted(event: AuditEvent) -> None:
    event.outcome = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


def test_the_admin_is_read_only(event: AuditEvent) -> None:
    superuser = get_user_model().objects.create_superuser("root", "", "pw")
    client = Client()
    client.force_login(superuser)
    change_url = f"/admin/tenants/auditevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200  # view only
    client.post(change_url, {"outcome": "forged", "action": "x"})
    assert (
        client.post(f"/admin/tenants/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/tenants/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


def test_events_survive_the_deletion_of_their_tenant(event: AuditEvent, tenant: Tenant) -> None:
    tenant.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.tenant_slug == "acme"


def test_login_is_recorded_in_each_tenant(members: dict[str, Any], tenant: Tenant) -> None:
    Client().post("/login/", {"username": "viewer", "password": "correct horse battery staple"})
    assert AuditEvent.objects.filter(tenant=tenant, action="auth.login", username="viewer").exists()
