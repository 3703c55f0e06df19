"""A refused primary key fails over to the secondary key, visibly and on the record."""

from __future__ import annotations

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.engine.accounts import account_create
from faceadmin.faceapi.services import client_for, tenant_check_connection
from faceadmin.tenants.models import AuditEvent, Provider, Tenant
from faceadmin.tenants.services import tenant_create

pytestmark = pytest.mark.django_db


def test_a_refused_primary_key_fails_over_to_the_secondary() -> None:
    _, good_key = account_create(name="failover")
    tenant = tenant_create(
        name="Failover",
        slug="failover",
        provider=Provider.EMBEDDED,
        primary_key="revoked-or-wrong-key",
        secondary_key=good_key,
    )
    check = tenant_check_connection(tenant=tenant)
    assert check.ok
    tenant = Tenant.objects.get(pk=tenant.pk)
    assert tenant.primary_key_failed_at is not None
    event = AuditEvent.objects.get(tenant=tenant, action="key.failover")
    assert event.outcome == "401"
    assert "revoked-or-wrong-key" not in event.reason and good_key not in event.reason
    # Later calls keep using the secondary key without another failover event.
    client_for(tenant).collection_list(CollectionKind.PERSON_GROUP)
    assert AuditEvent.objects.filter(tenant=tenant, action="key.failover").count() == 1


def test_both_keys_refused_shows_the_provider_error() -> None:
    tenant = tenant_create(
        name="Broken",
        slug="broken",
        provider=Provider.EMBEDDED,
        primary_key="bad-one",
        secondary_key="bad-two",
    )
    check = tenant_check_connection(tenant=tenant)
    assert not check.ok and check.error is not None
    assert check.error.code == "401"
    assert check.error.title == "The provider refused the API key."
