"""Make the audit trail append-only in the database itself, on SQLite and PostgreSQL.

`AuditEvent` refuses `save()` on an existing row and `delete()` in Python, but the ORM has
paths that skip those methods (`_base_manager.update`, `bulk_create(update_conflicts=True)`,
`QuerySet._raw_delete`) and raw SQL skips Python entirely. These triggers refuse every
UPDATE and DELETE of a row of `tenants_auditevent` (an upsert's DO UPDATE is an UPDATE):

- PostgreSQL: one plpgsql function, `BEFORE UPDATE OR DELETE ... FOR EACH ROW`.
- SQLite: `BEFORE UPDATE` and `BEFORE DELETE` triggers, plus a `BEFORE INSERT` trigger that
  refuses an insert whose id already exists: `INSERT OR REPLACE` deletes the old row without
  firing delete triggers (unless `recursive_triggers` is on), so it is refused at the insert.

The one way to empty the table is emptying the whole database (`manage.py flush`, which is
also how the test suite resets the database between transactional tests):

- PostgreSQL's flush is `TRUNCATE`, which fires no row trigger. No trigger on TRUNCATE is
  added on purpose: only the table owner may truncate, and the owner can drop triggers anyway.
- SQLite's flush is `DELETE FROM`. The SQLite triggers ask the SQL function
  `faceadmin_audit_writable()`, which faceadmin registers on each of its own connections
  (`faceadmin.tenants.signals`); it answers 1 only inside `audit_maintenance()`, a Python
  context manager that faceadmin's `flush` command (an override of Django's) enters. The
  flag lives in the Python process, so no SQL statement can switch it on, and a connection
  that has not registered the function (the sqlite3 shell, another program) gets
  "no such function" instead of a deletion.

Deleting a tenant or a user never touches events: the event's foreign keys are
`db_constraint=False, on_delete=DO_NOTHING` (0001), so Django issues no DELETE here.

Not defended: anyone who can run DDL on the database (the table owner on PostgreSQL, anyone
with write access to the SQLite file) can drop the triggers. On SQLite, a later migration that
makes Django remake this table (most column changes) drops the triggers with the old table
and must create them again; `tests/security/test_dashboard_audit_append_only.py` fails if
they are missing.
"""

from django.db import migrations

TABLE = "tenants_auditevent"
MESSAGE = "audit events are append-only"

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION faceadmin_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION faceadmin_audit_refuse_change();
"""
POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS faceadmin_audit_refuse_change();
"""

SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_no_update BEFORE UPDATE ON {TABLE}
        WHEN NOT faceadmin_audit_writable()
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER audit_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT faceadmin_audit_writable()
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER audit_no_replace BEFORE INSERT ON {TABLE}
        WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_no_update;",
    "DROP TRIGGER IF EXISTS audit_no_delete;",
    "DROP TRIGGER IF EXISTS audit_no_replace;",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [POSTGRES_CREATE])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
    else:  # settings.py accepts only these two
        raise RuntimeError(f"No append-only triggers for database vendor {vendor!r}.")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [POSTGRES_DROP])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_tenant_retention")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
