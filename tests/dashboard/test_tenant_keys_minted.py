"""Issue 17: staff creating a tenant on this server's embedded engine or FindFace facade
get its key minted; a FindFace Cloud tenant with no key is told how to get one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from faceadmin.faceapi.services import tenant_check_connection
from faceadmin.tenants.models import Tenant
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db: None) -> Client:
    client = Client()
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("provider", ["embedded", "findface"])
def test_a_tenant_served_here_gets_a_working_key(staff: Client, provider: str) -> None:
    response = staff.post("/tenants/new/", {"name": "Here", "slug": "here", "provider": provider,
                                            "endpoint_url": ""}, follow=True)  # fmt: skip
    assert "A key was minted for it on this server." in response.content.decode()
    tenant = Tenant.objects.get(slug="here")
    assert tenant.primary_key
    check = tenant_check_connection(tenant=tenant)
    assert check.ok, check


def test_a_findface_cloud_tenant_without_a_key_is_told_how_to_get_one(
    staff: Client, settings: Any
) -> None:
    # The cloud's host is not resolved here (no network): the key check is what is tested.
    settings.FACEADMIN_ALLOW_PRIVATE_ENDPOINTS = True
    cloud = {"name": "Cloud", "slug": "cloud", "provider": "findface",
             "endpoint_url": "https://api.findface.pro"}  # fmt: skip
    response = staff.post("/tenants/new/", cloud)
    assert response.status_code == 400
    assert "FindFace Cloud needs your account&#x27;s API token" in response.content.decode()
    assert not Tenant.objects.filter(slug="cloud").exists()


def test_a_key_typed_in_is_kept(staff: Client, local_tenant: Any) -> None:
    staff.post("/tenants/new/", {"name": "Mine", "slug": "mine", "provider": "embedded",
                                 "endpoint_url": "", "primary_key": "typed-key-1234"})  # fmt: skip
    assert Tenant.objects.get(slug="mine").primary_key == "typed-key-1234"
