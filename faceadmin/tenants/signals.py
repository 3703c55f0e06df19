from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

from faceadmin.tenants.audit import audit_writable


@receiver(connection_created)
def register_audit_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The SQLite append-only triggers (migration 0002) ask this function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "faceadmin_audit_writable", 0, audit_writable, deterministic=False
        )
