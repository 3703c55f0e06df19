from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "faceadmin.tenants"
    label = "tenants"
