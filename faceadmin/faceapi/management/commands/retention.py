"""`manage.py retention`: remove expired stored photos now (for cron), or queue the daily run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from faceadmin.faceapi.retention import next_run, retention_enforce, retention_schedule_ensure
from faceadmin.tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Enforce every tenant's retention settings now, or with --enqueue put the daily "
        "retention task in the job queue (once; a db_worker then runs it every day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the self-renewing daily task instead of enforcing now.",
        )
        parser.add_argument("--tenant", help="Only this tenant (slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            if retention_schedule_ensure():
                self.stdout.write(
                    f"Daily retention queued; first run after {next_run():%Y-%m-%d %H:%M} UTC."
                )
            else:
                self.stdout.write("Daily retention is already queued.")
            return
        tenants = Tenant.objects.all()
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
        for tenant in tenants:
            report = retention_enforce(tenant=tenant)
            self.stdout.write(
                f"{tenant.slug}: {report.originals_removed} originals, "
                f"{report.thumbnails_removed} thumbnails, {report.pending_removed} pending photos "
                f"removed ({report.bytes_freed} bytes)"
            )
