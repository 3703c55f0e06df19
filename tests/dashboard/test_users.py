"""Users in the dashboard (issue 17): tenant admins invite people with a one-time
set-password link, reset passwords, deactivate accounts and set roles, with no trip to
/admin; the link works once; an admin cannot touch accounts of tenants they do not run."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from faceadmin.tenants.models import AuditEvent, Membership, Role, Tenant
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase 42"


def link_in(html: str) -> str:
    found = re.search(r'value="http://testserver(/set-password/[^"]+)"', html)
    assert found, html
    return found.group(1)


def set_password(path: str, password: str = NEW_PASSWORD) -> Any:
    anonymous = Client()
    form = anonymous.get(path, follow=True)  # Django swaps the token for a session key
    assert "Choose a password" in form.content.decode()
    return anonymous.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": password, "new_password2": password},
    )


def test_an_admin_invites_someone_who_sets_a_password_once(client_as: Any, tenant: Tenant) -> None:
    admin = client_as("admin")
    page = admin.post("/t/acme/users/", {"username": "newbie", "email": "n@example.com",
                                         "role": "operator"}).content.decode()  # fmt: skip
    assert "One-time link for newbie" in page and "No mail server is configured" in page
    path = link_in(page)
    newbie = get_user_model().objects.get(username="newbie")
    assert not newbie.has_usable_password()
    assert Membership.objects.get(user=newbie, tenant=tenant).role == Role.OPERATOR
    done = set_password(path)
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert _logs_in(username="newbie", password=NEW_PASSWORD)
    used_again = Client().get(path, follow=True).content.decode()
    assert "This link no longer works" in used_again
    assert AuditEvent.objects.filter(action="user.invite", target_id="newbie").exists()


def test_reset_deactivate_and_role(client_as: Any, members: dict[str, Any]) -> None:
    admin = client_as("admin")
    viewer = Membership.objects.get(user=members["viewer"])
    page = admin.post(f"/t/acme/users/{viewer.pk}/password/").content.decode()
    assert not _logs_in(username="viewer", password=PASSWORD)  # the old one is gone
    set_password(link_in(page))
    assert _logs_in(username="viewer", password=NEW_PASSWORD)

    admin.post(f"/t/acme/users/{viewer.pk}/role/", {"role": "operator"})
    viewer.refresh_from_db()
    assert viewer.role == Role.OPERATOR

    admin.post(f"/t/acme/users/{viewer.pk}/active/", {"active": "0"})
    assert not _logs_in(username="viewer", password=NEW_PASSWORD)
    listing = admin.get("/t/acme/users/").content.decode()
    assert "deactivated" in listing
    admin.post(f"/t/acme/users/{viewer.pk}/active/", {"active": "1"})
    assert _logs_in(username="viewer", password=NEW_PASSWORD)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"user.password_reset", "user.deactivate", "user.activate", "member.role"} <= actions


def test_only_admins_and_only_their_own_accounts(
    client_as: Any, members: dict[str, Any], tenant: Tenant, other_tenant: Tenant
) -> None:
    assert client_as("operator").get("/t/acme/users/").status_code == 403
    # Someone who also belongs to a tenant this admin does not run.
    shared = make_user("shared")
    Membership.objects.create(user=shared, tenant=tenant, role=Role.VIEWER)
    Membership.objects.create(user=shared, tenant=other_tenant, role=Role.VIEWER)
    membership = Membership.objects.get(user=shared, tenant=tenant)
    admin = client_as("admin")
    assert admin.post(f"/t/acme/users/{membership.pk}/active/", {"active": "0"}).status_code == 403
    assert admin.post(f"/t/acme/users/{membership.pk}/password/").status_code == 403
    own = Membership.objects.get(user=members["admin"], tenant=tenant)
    assert admin.post(f"/t/acme/users/{own.pk}/active/", {"active": "0"}).status_code == 403
    # Another tenant's membership is not found here.
    outsider = Membership.objects.get(user=members["outsider"])
    assert admin.post(f"/t/acme/users/{outsider.pk}/active/", {"active": "0"}).status_code == 404
    shared.refresh_from_db()
    assert shared.is_active and shared.has_usable_password()


def test_a_taken_username_is_refused_with_a_pointer_to_members(client_as: Any) -> None:
    page = client_as("admin").post("/t/acme/users/", {"username": "Viewer", "role": "viewer"})
    assert page.status_code == 400
    assert "That username is taken" in page.content.decode()


def _logs_in(*, username: str, password: str) -> bool:
    """Through the real login form (django-axes needs the request that Client.login lacks)."""
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302
