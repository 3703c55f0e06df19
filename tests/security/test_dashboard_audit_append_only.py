"""Threat: someone with code or SQL access rewrites or deletes audit events.

The model refuses save()/delete() in Python; these tests go around Python, through the ORM's
lower paths and raw SQL, and expect the database's triggers to refuse (SQLite and
PostgreSQL: run with DATABASE_URL=postgres://... too).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(tenant: Tenant) -> AuditEvent:
    return audit_record(action="tenant.update", tenant=tenant, user=None, target_id="acme")


def refused(action: Any) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def test_base_manager_update_is_refused(event: AuditEvent) -> None:
    refused(lambda: AuditEvent._base_manager.filter(pk=event.pk).update(outcome="forged"))
    event.refresh_from_db()
    assert event.outcome == "ok"


def test_bulk_create_upsert_is_refused(event: AuditEvent) -> None:
    forged = AuditEvent(id=event.id, action="forged", tenant_slug="acme")
    refused(
        lambda: AuditEvent.objects.bulk_create(
            [forged],
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["action"],
        )
    )
    assert AuditEvent.objects.get(pk=event.pk).action == "tenant.update"


def test_raw_delete_is_refused(event: AuditEvent) -> None:
    refused(lambda: AuditEvent._base_manager.filter(pk=event.pk)._raw_delete(connection.alias))
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_and_delete_are_refused(event: AuditEvent) -> None:
    table = AuditEvent._meta.db_table

    def update() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET outcome = 'forged'")  # noqa: S608

    def delete() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608

    refused(update)
    refused(delete)
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
def test_sqlite_insert_or_replace_is_refused(event: AuditEvent) -> None:
    table = AuditEvent._meta.db_table

    def replace() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT OR REPLACE INTO {table} (id, created_at, username, tenant_slug, action, "  # noqa: S608
                "target_kind, target_id, outcome, reason, request_id) "
                "VALUES (%s, %s, '', 'acme', 'forged', '', '', 'ok', '', '')",
                [event.id.hex, event.created_at],
            )

    refused(replace)
    assert AuditEvent.objects.get(pk=event.pk).action == "tenant.update"


def test_new_events_are_still_written(event: AuditEvent) -> None:
    target = str(uuid.uuid4())
    audit_record(action="tenant.update", tenant=None, user=None, target_id=target)
    assert AuditEvent.objects.filter(target_id=target).exists()


def test_deleting_a_tenant_or_user_keeps_its_events(tenant: Tenant) -> None:
    user = make_user("leaver")
    audit_record(action="member.add", tenant=tenant, user=user, target_id="leaver")
    user.delete()
    tenant.delete()
    event = AuditEvent.objects.get(action="member.add")
    assert (event.username, event.tenant_slug) == ("leaver", "acme")


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database(tenant: Tenant) -> None:
    """The test suite's reset between transactional tests, and `manage.py flush`."""
    audit_record(action="tenant.update", tenant=tenant, user=None)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert not Tenant.objects.exists()
