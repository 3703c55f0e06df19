from django.apps import AppConfig
from django.conf import settings


class EngineConfig(AppConfig):
    name = "faceadmin.engine"
    label = "engine"

    def ready(self) -> None:
        from faceadmin.engine.blas import limit_blas_threads

        limit_blas_threads(int(settings.FACEADMIN_ENGINE_BLAS_THREADS))
