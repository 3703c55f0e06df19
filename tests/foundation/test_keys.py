"""API keys: encrypted at rest, masked in HTML, never in logs or audit events, rotatable."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from faceadmin.tenants.models import AuditEvent, Tenant
from tests.conftest import PRIMARY_KEY, SECONDARY_KEY

pytestmark = pytest.mark.django_db

NEW_FERNET = "bHhOr1m0a8bVvS2kqW0s7y6oZ9XyQyq2a7p1c3d5e6g="


def raw_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM tenants_tenant")
        return repr(cursor.fetchall())


def test_it_stores_no_plaintext_key(tenant: Tenant) -> None:
    rows = raw_rows()
    assert PRIMARY_KEY not in rows and SECONDARY_KEY not in rows
    assert PRIMARY_KEY[-12:] not in rows
    assert Tenant.objects.get(pk=tenant.pk).primary_key == PRIMARY_KEY


def test_it_shows_keys_masked_to_admins(client_as: Any, tenant: Tenant) -> None:
    html = client_as("admin").get(f"/t/{tenant.slug}/keys/").content.decode()
    assert PRIMARY_KEY[-4:] in html and SECONDARY_KEY[-4:] in html
    assert PRIMARY_KEY not in html and SECONDARY_KEY not in html
    assert PRIMARY_KEY[:-4] not in html


def test_it_hides_keys_from_viewers(client_as: Any, tenant: Tenant) -> None:
    viewer = client_as("viewer")
    assert viewer.get(f"/t/{tenant.slug}/keys/").status_code == 403
    html = viewer.get(f"/t/{tenant.slug}/").content.decode()
    assert PRIMARY_KEY[-4:] not in html


def test_replace_and_swap_keep_keys_out_of_logs_and_audit(
    client_as: Any, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    admin = client_as("admin")
    new_key = "replacement-key-7777777777777777-NEWK"
    with caplog.at_level(logging.DEBUG):
        response = admin.post(
            f"/t/{tenant.slug}/keys/replace/", {"which": "secondary", "key": new_key}
        )
        assert response.status_code == 302
        admin.post(f"/t/{tenant.slug}/keys/swap/")
    tenant.refresh_from_db()
    assert tenant.primary_key == new_key and tenant.secondary_key == PRIMARY_KEY
    secrets = (new_key, PRIMARY_KEY, SECONDARY_KEY)
    for record in caplog.records:
        assert not any(s in record.getMessage() for s in secrets)
    actions = list(AuditEvent.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert "key.replace" in actions and "key.rotate" in actions
    for event in AuditEvent.objects.all():
        assert not any(s in repr(event.__dict__) for s in secrets)
    assert new_key not in raw_rows()


def test_replace_form_never_echoes_the_key(client_as: Any, tenant: Tenant) -> None:
    secret = "typed-but-invalid-" + "z" * 600  # too long: the form re-renders
    response = client_as("admin").post(
        f"/t/{tenant.slug}/keys/replace/", {"which": "primary", "key": secret}
    )
    assert response.status_code == 400
    assert secret not in response.content.decode()


def test_rotate_encryption_reencrypts_under_the_new_first_key(
    tenant: Tenant, settings: Any
) -> None:
    old_keys = list(settings.FACEADMIN_KEY_ENCRYPTION_KEYS)
    before = Tenant.objects.get(pk=tenant.pk).primary_key_token
    with override_settings(FACEADMIN_KEY_ENCRYPTION_KEYS=[NEW_FERNET, *old_keys]):
        call_command("tenants", "rotate-encryption")
        after = Tenant.objects.get(pk=tenant.pk)
        assert after.primary_key_token != before
    # Only the new key is left, and the keys still decrypt.
    with override_settings(FACEADMIN_KEY_ENCRYPTION_KEYS=[NEW_FERNET]):
        fresh = Tenant.objects.get(pk=tenant.pk)
        assert fresh.primary_key == PRIMARY_KEY
        assert fresh.secondary_key == SECONDARY_KEY
