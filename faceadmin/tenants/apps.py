from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "faceadmin.tenants"
    label = "tenants"
    verbose_name = "Tenants, members and audit"

    def ready(self) -> None:
        from faceadmin.tenants import auth_audit, checks, signals  # noqa: F401
