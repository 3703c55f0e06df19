from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "faceadmin.engine"
    label = "engine"
