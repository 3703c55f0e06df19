from django.apps import AppConfig


class JobTestsConfig(AppConfig):
    """Lets a `manage.py db_worker` started by the tests find the test job kinds."""

    name = "tests.jobs"
    label = "jobs_tests"
