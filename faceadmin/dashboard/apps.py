from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "faceadmin.dashboard"
    label = "dashboard"
