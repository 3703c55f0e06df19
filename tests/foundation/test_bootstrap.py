"""`manage.py bootstrap`: an engine key, the Local engine tenant and an admin, idempotently."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from faceadmin.faceapi.services import tenant_check_connection
from faceadmin.tenants.models import Membership, Provider, Role, Tenant

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def test_it_creates_the_local_engine_tenant_and_an_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    output = bootstrap()
    password = re.search(r"password: (\S+)", output)
    assert password, output
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password.group(1))
    tenant = Tenant.objects.get(slug="local")
    assert (tenant.name, tenant.provider, tenant.endpoint_url) == (
        "Local engine",
        Provider.EMBEDDED,
        "",
    )
    assert Membership.objects.get(user=admin, tenant=tenant).role == Role.ADMIN
    # The key it stored really opens the embedded engine.
    assert tenant_check_connection(tenant=tenant).ok


def test_it_is_idempotent_and_shows_the_password_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    first = bootstrap()
    second = bootstrap()
    assert "password:" in first
    assert "password:" not in second
    assert Tenant.objects.filter(slug="local").count() == 1
    assert get_user_model().objects.count() == 1


def test_it_takes_the_admin_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-from-env")
    output = bootstrap()
    assert "s3cret-from-env" not in output
    assert get_user_model().objects.get(username="ops").check_password("s3cret-from-env")


def test_the_stored_key_is_refused_once_revoked() -> None:
    from faceadmin.engine.accounts import account_revoke

    bootstrap()
    tenant = Tenant.objects.get(slug="local")
    account_revoke(account="local-engine")
    check = tenant_check_connection(tenant=Tenant.objects.get(pk=tenant.pk))
    assert not check.ok
    assert check.error is not None and check.error.status == 401
