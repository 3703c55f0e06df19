"""Background jobs of the dashboard: long work run by a worker through Django's tasks framework.

A `Job` row is what the dashboard shows (who started it, progress, result, failure reason);
the queue underneath is `django.tasks` with the `django-tasks-db` backend (see settings.TASKS).
Kinds of job register a handler in `registry`; the handler reports progress and records each
finished step as a `JobItem`, so a retried job skips the steps that already happened.
"""
