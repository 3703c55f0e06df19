"""Settings of the processes the job tests start (a db_worker, gunicorn): the test settings,
plus the test job kinds."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobs.apps.JobTestsConfig"]  # noqa: F405
