from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import reencrypt_all_keys


class Command(BaseCommand):
    help = "Tenant maintenance: `list`, or `rotate-encryption` after adding a new first key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "rotate-encryption"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "rotate-encryption":
            count = reencrypt_all_keys()
            self.stdout.write(f"Re-encrypted the keys of {count} tenant(s) under the first key.")
            return
        for tenant in Tenant.objects.all():
            self.stdout.write(
                f"{tenant.slug}\t{tenant.name}\t{tenant.provider}\t"
                f"{tenant.endpoint_url or '(embedded)'}\tprimary {tenant.primary_key_masked}"
            )
