from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest

from faceadmin.tenants.audit import audit_record, audit_writable
from faceadmin.tenants.models import Membership


@receiver(user_logged_in)
def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A login opens every tenant the user belongs to, so each tenant's trail shows it."""
    for membership in Membership.objects.filter(user=user).select_related("tenant"):
        audit_record(
            action="auth.login",
            tenant=membership.tenant,
            user=user,
            target_kind="user",
            target_id=user.get_username(),
        )


@receiver(connection_created)
def register_audit_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The SQLite append-only triggers (migration 0002) ask this function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "faceadmin_audit_writable", 0, audit_writable, deterministic=False
        )
