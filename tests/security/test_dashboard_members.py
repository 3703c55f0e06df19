"""Threat: an admin (or a slip of one) locks a tenant out of administration, re-roles users
silently, or uses the add-member form to learn which usernames exist on the server."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.tenants import services
from faceadmin.tenants.models import AuditEvent, Membership, Role, Tenant
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def add(client: Any, tenant: Tenant, username: str, role: str) -> Any:
    return client.post(f"/t/{tenant.slug}/members/", {"username": username, "role": role})


def test_adding_yourself_does_not_demote_you(
    client_as: Any, members: dict[str, Any], tenant: Tenant
) -> None:
    response = add(client_as("admin"), tenant, "admin", Role.VIEWER)
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert Membership.objects.get(user=members["admin"], tenant=tenant).role == Role.ADMIN


def test_adding_an_existing_member_says_so_and_changes_nothing(
    client_as: Any, members: dict[str, Any], tenant: Tenant
) -> None:
    response = add(client_as("admin"), tenant, "viewer", Role.ADMIN)
    assert "already a member" in response.content.decode()
    assert Membership.objects.get(user=members["viewer"], tenant=tenant).role == Role.VIEWER
    assert not AuditEvent.objects.filter(action="member.add", outcome="ok").exists()


def test_unknown_and_inactive_users_get_the_same_answer(
    client_as: Any, members: dict[str, Any], tenant: Tenant
) -> None:
    make_user("dormant", is_active=False)
    client = client_as("admin")
    unknown = add(client, tenant, "nobody-by-this-name", Role.VIEWER)
    inactive = add(client, tenant, "dormant", Role.VIEWER)
    assert unknown.status_code == inactive.status_code == 400
    for response in (unknown, inactive):
        assert services.NO_SUCH_USER_MESSAGE.split(".")[0] in response.content.decode()
    assert AuditEvent.objects.filter(action="member.add", outcome="NoSuchUser").count() == 2


def test_a_new_user_is_added(client_as: Any, members: dict[str, Any], tenant: Tenant) -> None:
    newcomer = make_user("newcomer")
    response = add(client_as("admin"), tenant, "newcomer", Role.OPERATOR)
    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer, tenant=tenant).role == Role.OPERATOR


def test_the_last_admin_cannot_be_demoted_or_removed(
    members: dict[str, Any], tenant: Tenant
) -> None:
    admin = Membership.objects.get(user=members["admin"], tenant=tenant)
    with pytest.raises(services.LastAdmin):
        services.member_set_role(tenant=tenant, user=None, membership=admin, role=Role.VIEWER)
    with pytest.raises(services.LastAdmin):
        services.member_remove(tenant=tenant, user=None, membership=admin)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_an_admin_can_go_once_another_admin_exists(
    client_as: Any, members: dict[str, Any], tenant: Tenant
) -> None:
    second = Membership.objects.get(user=members["operator"], tenant=tenant)
    services.member_set_role(tenant=tenant, user=None, membership=second, role=Role.ADMIN)
    client = client_as("operator")  # now an admin
    first = Membership.objects.get(user=members["admin"], tenant=tenant)
    client.post(f"/t/{tenant.slug}/members/{first.pk}/role/", {"role": Role.VIEWER})
    first.refresh_from_db()
    assert first.role == Role.VIEWER
    # ...and now `operator` is the last admin: demoting them through the form is refused.
    response = client_as("admin")  # a viewer now
    assert response.post(f"/t/{tenant.slug}/members/{second.pk}/remove/").status_code == 403
    with pytest.raises(services.LastAdmin):
        services.member_remove(tenant=tenant, user=None, membership=second)
