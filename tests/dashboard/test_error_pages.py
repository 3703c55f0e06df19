"""Issue 17, defects 3 and 6: styled error pages within the layout, no links a role cannot
use, 403 (not the login form) for /tenants/new/, and 400 (not 502) for an impossible id."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import enroll

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/t/local/[^"#?]*)(?:\?[^"]*)?"')


@pytest.fixture
def filled(local_tenant: Tenant, local_members: dict[str, Any]) -> str:
    user = local_members["operator"]
    services.collection_create(
        tenant=local_tenant, user=user, kind=CollectionKind.PERSON_GROUP,
        collection_id="staff", name="Staff",
    )  # fmt: skip
    services.collection_create(
        tenant=local_tenant, user=user, kind=CollectionKind.FACE_LIST,
        collection_id="visitors", name="Visitors",
    )  # fmt: skip
    return enroll(local_tenant, user, "staff", "Barack Obama", "enroll/barack_obama/1.jpg")


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_no_page_offers_a_link_the_role_cannot_open(
    role: str, filled: str, local_client_as: Any
) -> None:
    client: Client = local_client_as(role)
    start = [
        "/t/local/",
        "/t/local/collections/",
        "/t/local/collections/?kind=facelists",
        "/t/local/collections/persongroups/staff/",
        f"/t/local/collections/persongroups/staff/persons/{filled}/",
        "/t/local/collections/facelists/visitors/",
        "/t/local/snapshots/",
        "/t/local/operations/",
        "/t/local/jobs/",
    ]
    seen: dict[str, int] = {}
    for url in start:
        response = client.get(url)
        assert response.status_code == 200, url
        for link in LINK.findall(response.content.decode()):
            if link not in seen:
                seen[link] = client.get(link).status_code
    forbidden = sorted(link for link, status in seen.items() if status == 403)
    assert forbidden == []
    assert seen  # the crawl found links at all


def test_a_viewer_opening_photo_lookup_gets_a_styled_403(local_client_as: Any) -> None:
    response = local_client_as("viewer").get("/t/local/lookup/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-403"' in page
    assert "This needs the operator role" in page
    assert "You are viewer in Local engine" in page
    assert 'class="topbar"' in page and "Back to Local engine" in page


@pytest.mark.parametrize(
    "url",
    [
        "/t/nosuch/",
        "/t/local/operations/nosuch/",
        "/t/local/collections/nosuchkind/x/",
        "/t/local/no/such/page/",
    ],
)
def test_unknown_addresses_get_a_styled_404(url: str, local_client_as: Any) -> None:
    response = local_client_as("operator").get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page
    assert "Your tenants" in page and 'class="topbar"' in page


def test_the_404_says_why_when_the_view_knows(local_client_as: Any) -> None:
    page = local_client_as("operator").get("/t/local/operations/nosuch/").content.decode()
    assert "faceadmin did not start such an operation in this tenant." in page
    assert "Back to Local engine" in page


def test_a_non_staff_user_opening_new_tenant_gets_403_not_the_login_form(
    client_as: Any,
) -> None:
    response = client_as("admin").get("/tenants/new/")
    assert response.status_code == 403
    assert "Only staff administrators create tenants." in response.content.decode()


def test_the_500_page_renders_without_a_request_context() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert 'data-testid="error-500"' in page
    assert "Something went wrong on our side" in page


def test_an_impossible_collection_id_is_a_400_with_the_reason(
    local_client_as: Any, local_tenant: Tenant
) -> None:
    response = local_client_as("viewer").get("/t/local/collections/persongroups/BAD%20ID!/")
    assert response.status_code == 400
    assert "1 to 64 characters of lower-case letters" in response.content.decode()
