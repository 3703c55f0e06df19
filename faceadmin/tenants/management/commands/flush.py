"""Django's `flush`, allowed to empty the append-only audit table too.

Emptying the whole database is the one deletion the audit triggers let through (migration
0002 explains why). PostgreSQL's flush truncates, which fires no row trigger; SQLite's
deletes, so it runs inside `audit_maintenance()`.
"""

from typing import Any

from django.core.management.commands import flush

from faceadmin.tenants.audit import audit_maintenance


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with audit_maintenance():
            super().handle(**options)
