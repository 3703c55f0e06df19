"""Found by the jobs app's autodiscovery in a worker run with tests.jobs.worker_settings."""

from tests.jobs import kinds  # noqa: F401
