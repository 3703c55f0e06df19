"""User accounts managed by a tenant's admins: invite (a one-time set-password link),
reset a password, deactivate and reactivate. Roles are memberships (services.member_set_role).

No mail is sent: the link is shown to the admin, who hands it over. A link works once (its
token covers the password hash, which setting the password changes) and expires after
PASSWORD_RESET_TIMEOUT (Django's setting, 3 days by default). Keys never appear here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Membership, Role, Tenant


def password_link_path(*, user: Any) -> str:
    """The path of a one-time link that lets `user` choose a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_set", args=[uid, token])


def user_invite(
    *, tenant: Tenant, actor: Any, username: str, email: str, role: str
) -> tuple[Membership, str]:
    """A new account with no usable password, a member of `tenant`; returns the membership
    and the path of its set-password link."""
    with transaction.atomic():
        member = get_user_model().objects.create_user(username=username, email=email)
        member.set_unusable_password()
        member.save(update_fields=["password"])
        membership = Membership.objects.create(tenant=tenant, user=member, role=role)
        audit_record(action="user.invite", tenant=tenant, user=actor, target_kind="user",
                     target_id=username, reason=f"role {role}")  # fmt: skip
    return membership, password_link_path(user=member)


def _check_may_manage(*, tenant: Tenant, actor: Any, membership: Membership) -> None:
    """A tenant admin manages an account only if every tenant it belongs to is one where the
    admin is admin too (or the admin is a superuser); never a superuser's, never their own."""
    member = membership.user
    if member.pk == actor.pk:
        raise PermissionDenied("You cannot do this to your own account.")
    if actor.is_superuser:
        return
    if member.is_superuser or member.is_staff:
        raise PermissionDenied("Only a superuser manages staff accounts.")
    theirs = set(Membership.objects.filter(user=member).values_list("tenant_id", flat=True))
    mine = set(
        Membership.objects.filter(user=actor, role=Role.ADMIN).values_list("tenant_id", flat=True)
    )
    if not theirs <= mine:
        raise PermissionDenied(
            f"{member.get_username()} also belongs to tenants you do not administer; "
            "ask a staff administrator."
        )


def user_reset_password(*, tenant: Tenant, actor: Any, membership: Membership) -> str:
    """The old password stops working at once; returns the path of a set-password link."""
    _check_may_manage(tenant=tenant, actor=actor, membership=membership)
    member = membership.user
    member.set_unusable_password()
    member.save(update_fields=["password"])
    audit_record(action="user.password_reset", tenant=tenant, user=actor, target_kind="user",
                 target_id=member.get_username())  # fmt: skip
    return password_link_path(user=member)


def user_set_active(*, tenant: Tenant, actor: Any, membership: Membership, active: bool) -> None:
    """Deactivate (cannot log in; sessions end at their next request) or reactivate."""
    _check_may_manage(tenant=tenant, actor=actor, membership=membership)
    member = membership.user
    member.is_active = active
    member.save(update_fields=["is_active"])
    audit_record(action="user.activate" if active else "user.deactivate", tenant=tenant,
                 user=actor, target_kind="user", target_id=member.get_username())  # fmt: skip
