"""Every tenant view checks the role; tenants never see each other; CSRF is enforced."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from faceadmin.tenants.access import VIEW_ROLES
from faceadmin.tenants.models import Role, Tenant

pytestmark = pytest.mark.django_db


def tenant_routes() -> list[tuple[str, str]]:
    """(view name, URL with placeholders) for every dashboard URL under /t/<slug>/."""
    routes: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("t/<slug:slug>/"):
                    routes.append((p.callback.__name__, route))

    walk(get_resolver().url_patterns, "")
    assert routes, "no tenant routes found"
    return routes


def concrete(route: str, slug: str) -> str:
    url = route.replace("<slug:slug>", slug)
    url = re.sub(r"<int:[a-z_]+>", "1", url)
    url = re.sub(r"<uuid:[a-z_]+>", "00000000-0000-0000-0000-000000000001", url)
    url = re.sub(r"<(str|slug|path):[a-z_]+>", "x", url)
    return "/" + url


def test_every_tenant_view_declares_its_role() -> None:
    for name, route in tenant_routes():
        assert name in VIEW_ROLES, f"{route} ({name}) is not behind @tenant_view"


def test_it_returns_403_to_viewers_on_every_mutating_view(client_as: Any, tenant: Tenant) -> None:
    viewer = client_as("viewer")
    mutating = [(n, r) for n, r in tenant_routes() if VIEW_ROLES[n] != Role.VIEWER]
    assert len(mutating) >= 5
    for name, route in mutating:
        url = concrete(route, tenant.slug)
        assert viewer.post(url, {}).status_code == 403, f"viewer POST {url} ({name})"
        assert viewer.get(url).status_code in {403, 405}, f"viewer GET {url} ({name})"


def test_it_returns_404_for_another_tenants_urls(client_as: Any, tenant: Tenant) -> None:
    outsider = client_as("outsider")  # admin of other_tenant only
    for name, route in tenant_routes():
        url = concrete(route, tenant.slug)
        assert outsider.get(url).status_code == 404, f"GET {url} ({name})"
        assert outsider.post(url, {}).status_code == 404, f"POST {url} ({name})"


def test_it_sends_anonymous_users_to_login(tenant: Tenant) -> None:
    response = Client().get(f"/t/{tenant.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_lists_only_my_tenants_in_the_switcher(client_as: Any, tenant: Tenant) -> None:
    html = client_as("viewer").get(f"/t/{tenant.slug}/").content.decode()
    assert "Acme Azure" in html
    assert "Other Co" not in html


def test_it_enforces_csrf_on_forms(members: dict[str, Any], tenant: Tenant) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(members["admin"])
    response = client.post(f"/t/{tenant.slug}/keys/swap/")
    assert response.status_code == 403
    page = client.get(f"/t/{tenant.slug}/keys/")
    token = page.context["csrf_token"]
    ok = client.post(f"/t/{tenant.slug}/keys/swap/", {"csrfmiddlewaretoken": str(token)})
    assert ok.status_code == 302


def test_operators_cannot_manage_keys_or_members(client_as: Any, tenant: Tenant) -> None:
    operator = client_as("operator")
    assert operator.get(f"/t/{tenant.slug}/keys/").status_code == 403
    assert (
        operator.post(
            f"/t/{tenant.slug}/members/", {"username": "viewer", "role": "admin"}
        ).status_code
        == 403
    )


def test_only_superusers_create_tenants(client_as: Any) -> None:
    response = client_as("admin").get("/tenants/new/")
    assert response.status_code == 403  # logged in, not a superuser: refused, not the login form
