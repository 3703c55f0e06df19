"""Writes to tenants, keys and memberships. Each one leaves an audit event."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Membership, Provider, Role, Tenant

type Actor = AbstractBaseUser | AnonymousUser | None


def tenant_create(
    *,
    name: str,
    slug: str,
    provider: str,
    endpoint_url: str = "",
    primary_key: str = "",
    secondary_key: str = "",
    admin: Actor = None,
) -> Tenant:
    with transaction.atomic():
        tenant = Tenant(name=name, slug=slug, provider=provider, endpoint_url=endpoint_url)
        tenant.set_primary_key(primary_key)
        tenant.set_secondary_key(secondary_key)
        tenant.save()
        if admin is not None and admin.is_authenticated:
            Membership.objects.create(user_id=admin.pk, tenant=tenant, role=Role.ADMIN)
        audit_record(
            action="tenant.create", tenant=tenant, user=admin, target_kind="tenant", target_id=slug
        )
    return tenant


class KeysRequired(Exception):
    """The endpoint changed and the keys were not entered again."""


def _same_endpoint(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def may_move_keys(user: Actor) -> bool:
    """Staff who may change tenants in the admin may move the stored keys to a new endpoint."""
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "is_staff", False)
        and user.has_perm("tenants.change_tenant")  # type: ignore[attr-defined]
    )


def tenant_key_mint(*, provider: str, slug: str) -> str:
    """A new key on this server for a tenant served here: an engine account for the embedded
    engine, a token account for the FindFace facade. The plaintext is returned once, to be
    stored encrypted on the tenant; the engine keeps only its hash."""
    name = f"tenant-{slug}-{secrets.token_hex(3)}"
    from faceadmin.engine.keys import key_create

    return key_create(name=name, api="findface" if provider == Provider.FINDFACE else "azure")[1]


def tenant_update(
    *,
    tenant: Tenant,
    user: Actor,
    name: str,
    provider: str,
    endpoint_url: str,
    primary_key: str = "",
    secondary_key: str = "",
    rate_limit_per_second: float | None = None,
) -> Tenant:
    """Rename, change provider or endpoint. Keys are bound to their endpoint: a new endpoint
    needs the keys entered again (they replace both stored keys), unless `user` is staff
    allowed to change tenants (`may_move_keys`). Validate the endpoint first
    (faceapi.endpoints.endpoint_check); every connection checks it again."""
    # From the database: a ModelForm has already written the new value onto `tenant`.
    stored = Tenant.objects.filter(pk=tenant.pk).values_list("endpoint_url", flat=True).get()
    moved = not _same_endpoint(endpoint_url, stored)
    if moved and not primary_key and not may_move_keys(user):
        raise KeysRequired(
            "The endpoint changed: enter the keys for the new endpoint. The stored keys are "
            "only ever sent to the endpoint they were entered for."
        )
    tenant.name, tenant.provider, tenant.endpoint_url = name, provider, endpoint_url
    fields = ["name", "provider", "endpoint_url", "updated_at"]
    if primary_key:
        tenant.set_primary_key(primary_key)
        tenant.set_secondary_key(secondary_key)
        tenant.primary_key_failed_at = None
        fields += ["primary_key_token", "secondary_key_token", "primary_key_failed_at"]
    if rate_limit_per_second is not None:
        tenant.rate_limit_per_second = rate_limit_per_second
        fields.append("rate_limit_per_second")
    tenant.save(update_fields=fields)
    if moved:
        how = "keys entered again" if primary_key else "stored keys kept (staff)"
        reason = f"endpoint changed; {how}"
    else:
        reason = "keys replaced" if primary_key else ""
    audit_record(
        action="tenant.update",
        tenant=tenant,
        user=user,
        target_kind="tenant",
        target_id=tenant.slug,
        reason=reason,
    )
    return tenant


def key_replace(*, tenant: Tenant, user: Actor, which: str, key: str) -> None:
    """Replace the primary or secondary key. The audit event names the slot, never the key."""
    if which == "primary":
        tenant.set_primary_key(key)
        tenant.primary_key_failed_at = None
    elif which == "secondary":
        tenant.set_secondary_key(key)
    else:
        raise ValueError(f"Unknown key slot {which!r}.")
    tenant.save()
    audit_record(action="key.replace", tenant=tenant, user=user, target_kind="key", target_id=which)


def key_swap(*, tenant: Tenant, user: Actor) -> None:
    """Make the secondary key the primary one (the usual Azure rotation step)."""
    tenant.primary_key_token, tenant.secondary_key_token = (
        tenant.secondary_key_token,
        tenant.primary_key_token,
    )
    tenant.primary_key_failed_at = None
    tenant.save()
    audit_record(
        action="key.rotate",
        tenant=tenant,
        user=user,
        target_kind="key",
        target_id="primary<->secondary",
    )


def key_mark_primary_failed(*, tenant: Tenant, status: int | None, code: str) -> None:
    """Called by the face-API client when the primary key was refused and the secondary worked."""
    Tenant.objects.filter(pk=tenant.pk).update(primary_key_failed_at=timezone.now())
    tenant.primary_key_failed_at = timezone.now()
    audit_record(
        action="key.failover",
        tenant=tenant,
        user=None,
        target_kind="key",
        target_id="primary",
        outcome=code or str(status or "401"),
        reason="The provider refused the primary key; the secondary key was used.",
    )


class MemberError(Exception):
    """A membership change that would break a rule; the message is for the admin."""


class AlreadyMember(MemberError):
    pass


class LastAdmin(MemberError):
    pass


class NoSuchUser(MemberError):
    pass


# One message for every user who cannot be added, so the form does not tell which
# usernames exist on the server (an inactive account reads like a missing one).
NO_SUCH_USER_MESSAGE = (
    "That user cannot be added. Check the spelling, or ask a staff member to create the "
    "account (in /admin/) first."
)


def member_add(*, tenant: Tenant, user: Actor, username: str, role: str) -> Membership:
    """Add an existing, active user with `role`. Never changes an existing membership (use
    member_set_role): adding someone twice, yourself included, says so and does nothing."""
    member = get_user_model().objects.filter(username=username, is_active=True).first()
    if member is None:
        audit_record(
            action="member.add",
            tenant=tenant,
            user=user,
            target_kind="user",
            target_id=username,
            outcome="NoSuchUser",
        )
        raise NoSuchUser(NO_SUCH_USER_MESSAGE)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            tenant=tenant, user=member, defaults={"role": role}
        )
    if not created:
        raise AlreadyMember(
            f"{username} is already a member ({membership.get_role_display()}); nothing was "
            "changed. Change the role in the list above."
        )
    audit_record(
        action="member.add",
        tenant=tenant,
        user=user,
        target_kind="user",
        target_id=username,
        reason=f"role {role}",
    )
    return membership


def _refuse_losing_last_admin(tenant: Tenant, membership: Membership) -> None:
    """Inside a transaction: the tenant keeps at least one admin besides `membership`."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise LastAdmin(
            f"{membership.user} is the last admin of {tenant}; make someone else admin first."
        )


def member_set_role(*, tenant: Tenant, user: Actor, membership: Membership, role: str) -> None:
    with transaction.atomic():
        if membership.role == Role.ADMIN and role != Role.ADMIN:
            _refuse_losing_last_admin(tenant, membership)
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        action="member.role",
        tenant=tenant,
        user=user,
        target_kind="user",
        target_id=membership.user.get_username(),
        reason=f"role {role}",
    )


def member_remove(*, tenant: Tenant, user: Actor, membership: Membership) -> None:
    username = membership.user.get_username()
    with transaction.atomic():
        if membership.role == Role.ADMIN:
            _refuse_losing_last_admin(tenant, membership)
        membership.delete()
    audit_record(
        action="member.remove", tenant=tenant, user=user, target_kind="user", target_id=username
    )


def reencrypt_all_keys() -> int:
    """Re-encrypt every stored key under the first FACEADMIN_KEY_ENCRYPTION_KEYS key."""
    from faceadmin.tenants.crypto import reencrypt

    count = 0
    with transaction.atomic():
        for tenant in Tenant.objects.select_for_update():
            if tenant.primary_key_token:
                tenant.primary_key_token = reencrypt(tenant.primary_key_token)
            if tenant.secondary_key_token:
                tenant.secondary_key_token = reencrypt(tenant.secondary_key_token)
            tenant.save(update_fields=["primary_key_token", "secondary_key_token"])
            count += 1
    return count
