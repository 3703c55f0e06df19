import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from faceadmin.tenants.models import Membership, Provider, Role, Tenant
from faceadmin.tenants.services import tenant_create

LOCAL_SLUG = "local"


class Command(BaseCommand):
    help = (
        "First-run setup, safe to repeat: an embedded-engine key, the 'Local engine' tenant "
        "pointing at it, and an admin user (DJANGO_SUPERUSER_USERNAME / _PASSWORD if set)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.created: list[str] = []
        with transaction.atomic():
            admin, password = self._admin()
            tenant = self._local_tenant(admin)
            _, joined = Membership.objects.get_or_create(
                user=admin, tenant=tenant, defaults={"role": Role.ADMIN}
            )
            if joined:
                self.created.append(f"made {admin.get_username()} admin of {tenant.name}")
        for line in self.created:
            self.stdout.write(f"Created: {line}.")
        if password:
            self.stdout.write(self.style.SUCCESS("Log in as the new admin user with:"))
            self.stdout.write(f"  username: {admin.get_username()}")
            self.stdout.write(f"  password: {password}")
            self.stdout.write("  (shown once; change it under /admin/)")
        if not self.created:
            self.stdout.write("Bootstrap: everything was already in place; nothing created.")

    def _admin(self) -> tuple[Any, str]:
        users = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        existing = users.objects.filter(username=username).first()
        if existing is not None:
            return existing, ""
        if users.objects.filter(is_superuser=True).exists() and (
            "DJANGO_SUPERUSER_USERNAME" not in os.environ
        ):
            return users.objects.filter(is_superuser=True).order_by("pk").first(), ""
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        user = users.objects.create_superuser(username=username, email="", password=password)
        shown = "" if os.environ.get("DJANGO_SUPERUSER_PASSWORD") else password
        source = "a random password, shown below" if shown else "the password from the environment"
        self.created.append(f"admin user {username!r} (superuser) with {source}")
        return user, shown

    def _local_tenant(self, admin: Any) -> Tenant:
        tenant = Tenant.objects.filter(slug=LOCAL_SLUG).first()
        if tenant is not None:
            return tenant
        # The engine is reached only through the management layer here, never from views.
        from faceadmin.engine.keys import key_create

        account_id, key = key_create(name="local-engine")
        self.created.append(f"embedded-engine account {account_id} (name local-engine) and its key")
        self.created.append(
            f"tenant 'Local engine' (/t/{LOCAL_SLUG}/, embedded engine) with "
            f"{admin.get_username()} as its admin"
        )
        return tenant_create(
            name="Local engine",
            slug=LOCAL_SLUG,
            provider=Provider.EMBEDDED,
            endpoint_url="",
            primary_key=key,
            admin=admin,
        )
