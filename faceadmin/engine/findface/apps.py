from django.apps import AppConfig


class FindFaceEngineConfig(AppConfig):
    name = "faceadmin.engine.findface"
    label = "findface_engine"
    verbose_name = "FindFace facade"
