"""`manage.py import`: the dashboard's import, for sets too big to upload.

Runs the same two jobs (check, then import) in this process, on a ZIP or a folder on the
server's disk; they show on the Jobs screen like uploaded imports, and a stopped run is
resumed from there (or by running this command again: enrolled photos are skipped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from faceadmin.faceapi.transfer.importing import POLICIES, ImportParams, import_csv_lines
from faceadmin.faceapi.transfer.services import import_check_create, import_create
from faceadmin.faceapi.transfer.targets import TARGET_KINDS
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.jobs.runner import execute
from faceadmin.tenants.models import Tenant


class Command(BaseCommand):
    help = "Import a ZIP or a folder of photos (a folder per person, or manifest.csv)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="A .zip file or a folder.")
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument("--kind", required=True, choices=TARGET_KINDS)
        parser.add_argument("--collection", required=True, help="Collection id (or gallery).")
        parser.add_argument("--policy", choices=list(POLICIES), default="largest")
        parser.add_argument(
            "--no-detect", action="store_true", help="Check files only (no provider call)."
        )
        parser.add_argument("--check-only", action="store_true", help="Stop after the check.")
        parser.add_argument("--user", default="", help="Username the faces are enrolled as.")
        parser.add_argument("--csv", default="", help="Write the per-file result CSV here.")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        params = ImportParams(
            kind=options["kind"],
            collection_id=options["collection"],
            policy=options["policy"],
            detect=not options["no_detect"],
        )
        check = import_check_create(
            tenant=tenant, user=user, options=params, path=source, enqueue=False
        )
        check = self._run(check)
        report = check.result or {}
        self.stdout.write(
            f"Check: {report.get('files', 0)} files, {report.get('will_enroll', 0)} to enroll, "
            f"{report.get('persons_create', 0)} persons to create, "
            f"{report.get('persons_reuse', 0)} to reuse."
        )
        for status, label, count in report.get("count_rows", []):
            self.stdout.write(f"  {label} ({status}): {count}")
        if options["check_only"]:
            return
        job = self._run(import_create(check=check, user=user, enqueue=False))
        result = job.result or {}
        for status, label, count in result.get("count_rows", []):
            self.stdout.write(f"  {label} ({status}): {count}")
        elapsed = job.elapsed.total_seconds() if job.elapsed else 0
        self.stdout.write(self.style.SUCCESS(f"Imported in {elapsed:.1f} s (job {job.pk})."))
        if options["csv"]:
            with Path(options["csv"]).open("w", newline="") as out:
                out.writelines(import_csv_lines(job))

    def _run(self, job: Job) -> Job:
        execute(str(job.pk))
        job.refresh_from_db()
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"{job.title}: {job.status}. {job.error}")
        return job
