"""The tenant audit page: admins only, filters, paging, a streamed CSV of the filtered set."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import AuditEvent, Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(tenant: Tenant, other_tenant: Tenant, members: dict[str, Any]) -> None:
    audit_record(
        action="person.create",
        tenant=tenant,
        user=members["operator"],
        target_kind="person",
        target_id="p-1",
    )
    audit_record(
        action="person.delete",
        tenant=tenant,
        user=members["admin"],
        target_kind="person",
        target_id="p-1",
        outcome="PersonNotFound",
        reason="Person is not found.",
    )
    audit_record(
        action="key.rotate",
        tenant=tenant,
        user=members["admin"],
        target_kind="key",
        target_id="primary<->secondary",
    )
    audit_record(
        action="person.create",
        tenant=other_tenant,
        user=members["outsider"],
        target_kind="person",
        target_id="secret-of-other",
    )


def rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_it_is_for_admins_only(client_as: Any, tenant: Tenant, events: None) -> None:
    for role in ("viewer", "operator"):
        assert client_as(role).get(f"/t/{tenant.slug}/audit/").status_code == 403
        assert client_as(role).get(f"/t/{tenant.slug}/audit/export.csv").status_code == 403
    assert client_as("outsider").get(f"/t/{tenant.slug}/audit/").status_code == 404
    assert client_as("admin").get(f"/t/{tenant.slug}/audit/").status_code == 200


def test_it_shows_only_this_tenants_events(client_as: Any, tenant: Tenant, events: None) -> None:
    html = client_as("admin").get(f"/t/{tenant.slug}/audit/").content.decode()
    assert "person.delete" in html and "PersonNotFound" in html
    assert "secret-of-other" not in html


def test_it_filters_by_user_action_target_outcome_and_dates(
    client_as: Any, tenant: Tenant, events: None
) -> None:
    admin = client_as("admin")
    url = f"/t/{tenant.slug}/audit/"

    def actions(**params: str) -> list[str]:
        page = admin.get(url, params).context["page"]
        return sorted(e.action for e in page.object_list)

    assert actions(user="operator") == ["person.create"]
    assert actions(action="person.") == ["person.create", "person.delete"]
    assert actions(target="primary") == ["key.rotate"]
    assert actions(outcome="error") == ["person.delete"]
    ok = actions(outcome="ok")
    assert {"key.rotate", "person.create"} <= set(ok) and "person.delete" not in ok
    today = timezone.localdate()
    assert "person.delete" in actions(since=str(today), until=str(today))
    assert actions(since=str(today + timedelta(days=1))) == []
    # An impossible range is a form error, not a crash.
    response = admin.get(url, {"since": str(today), "until": str(today - timedelta(days=1))})
    assert response.status_code == 200 and "is after" in response.content.decode()


def test_htmx_gets_only_the_results_fragment(client_as: Any, tenant: Tenant, events: None) -> None:
    response = client_as("admin").get(f"/t/{tenant.slug}/audit/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="audit-results"' in html and "<html" not in html


def test_csv_export_follows_the_filters(client_as: Any, tenant: Tenant, events: None) -> None:
    response = client_as("admin").get(f"/t/{tenant.slug}/audit/export.csv", {"action": "person."})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = rows(response)
    assert table[0][:3] == ["created_at", "username", "action"]
    assert sorted(r[2] for r in table[1:]) == ["person.create", "person.delete"]


def test_csv_cells_cannot_run_as_formulas(client_as: Any, tenant: Tenant, members: Any) -> None:
    audit_record(
        action="person.create",
        tenant=tenant,
        user=members["admin"],
        target_kind="person",
        target_id='=HYPERLINK("http://x")',
    )
    table = rows(client_as("admin").get(f"/t/{tenant.slug}/audit/export.csv"))
    [row] = [r for r in table if r[2] == "person.create"]
    assert row[4] == '\'=HYPERLINK("http://x")'


def test_csv_export_streams_100000_rows(client_as: Any, tenant: Tenant, members: Any) -> None:
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                tenant=tenant,
                tenant_slug=tenant.slug,
                username="bulk",
                action="face.add",
                target_kind="face",
                target_id=f"f-{i}",
                created_at=now,
            )
            for i in range(100_000)
        ],
        batch_size=5000,
    )
    response = client_as("admin").get(f"/t/{tenant.slug}/audit/export.csv", {"user": "bulk"})
    assert response.streaming
    count = 0
    for chunk in response.streaming_content:
        count += chunk.count(b"\n")
    assert count == 100_001
    # Paged view: 50 per page, one page rendered.
    page = client_as("admin").get(f"/t/{tenant.slug}/audit/", {"user": "bulk", "page": "3"})
    assert len(page.context["page"].object_list) == 50
    assert connection.vendor in {"sqlite", "postgresql"}


def test_the_export_link_follows_filters_applied_by_htmx(
    client_as: Any, tenant: Tenant, events: None
) -> None:
    fragment = client_as("admin").get(
        f"/t/{tenant.slug}/audit/", {"action": "key."}, HTTP_HX_REQUEST="true"
    )
    html = fragment.content.decode()
    assert f"/t/{tenant.slug}/audit/export.csv?action=key." in html
