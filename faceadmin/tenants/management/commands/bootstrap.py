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
        with transaction.atomic():
            admin, password = self._admin()
            tenant = self._local_tenant(admin)
            Membership.objects.get_or_create(
                user=admin, tenant=tenant, defaults={"role": Role.ADMIN}
            )
        if password:
            self.stdout.write(self.style.SUCCESS("Created the admin user. Log in with:"))
            self.stdout.write(f"  username: {admin.get_username()}")
            self.stdout.write(f"  password: {password}")
            self.stdout.write("  (shown once; change it under /admin/)")
        else:
            self.stdout.write("Bootstrap: everything was already in place.")

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
        if not shown:
            self.stdout.write(
                f"Created admin user {username!r} with the password from the environment."
            )
        return user, shown

    def _local_tenant(self, admin: Any) -> Tenant:
        tenant = Tenant.objects.filter(slug=LOCAL_SLUG).first()
        if tenant is not None:
            return tenant
        # The engine is reached only through the management layer here, never from views.
        from faceadmin.engine.accounts import account_create

        account, key = account_create(name="local-engine")
        self.stdout.write(f"Created embedded-engine account {account.pk}.")
        return tenant_create(
            name="Local engine",
            slug=LOCAL_SLUG,
            provider=Provider.EMBEDDED,
            endpoint_url="",
            primary_key=key,
            admin=admin,
        )
