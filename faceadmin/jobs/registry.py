"""Kinds of job: each names a handler (the work) and a template (its result on the job page).

Apps declare their kinds in a `job_kinds` module (imported when Django starts, in the web
server and in the worker alike), e.g. `faceadmin/faceapi/job_kinds.py`:

    @job_kind("photo_grouping", label="Photo grouping", result_template="jobs/result_grouping.html")
    def group_photos(ctx: JobContext) -> dict[str, Any]: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faceadmin.jobs.context import JobContext
    from faceadmin.jobs.models import Job

type JobHandler = Callable[["JobContext"], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    handler: JobHandler
    # Rendered on the job page once the job has a result; gets `job` and `result`.
    result_template: str = ""
    # Whether the handler obeys "pause" (resumable at a step boundary).
    pausable: bool = False
    # Called when the job's files are removed after FACEADMIN_JOBS_FILES_RETENTION_HOURS
    # (see jobs.retention): drop whatever in `job.result` refers to them or holds personal data.
    forget: Callable[[Job], None] | None = None


_KINDS: dict[str, JobKind] = {}


class UnknownJobKind(LookupError):
    pass


def job_kind(
    name: str,
    *,
    label: str,
    result_template: str = "",
    pausable: bool = False,
    forget: Callable[[Job], None] | None = None,
) -> Callable[[JobHandler], JobHandler]:
    def register(handler: JobHandler) -> JobHandler:
        _KINDS[name] = JobKind(
            name=name,
            label=label,
            handler=handler,
            result_template=result_template,
            pausable=pausable,
            forget=forget,
        )
        return handler

    return register


def get_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"No job kind {name!r} is registered.") from None


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
