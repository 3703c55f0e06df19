from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "faceadmin.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every app declares its kinds of job in a `job_kinds` module; the web process and the
        # worker both need the full registry.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("job_kinds")
