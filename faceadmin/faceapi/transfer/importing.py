"""Import a ZIP or folder of photos into a collection: the dry-run check, then the run.

Both are jobs (see `job_kinds`). The check (`checking`) reads every file and reports, before
anything is written, what the run would do. The run (here, with what both share) enrolls
photo by photo in threads (`threads`), recording each file as a finished step: a paused,
cancelled, failed or killed run continues where it stopped, and a photo whose SHA-256 is
already enrolled in the collection is skipped, so nothing is enrolled twice.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.transfer.recovery import intent_done, intent_record, intents_settle
from faceadmin.faceapi.transfer.sources import (
    Entry,
    Limits,
    Source,
    SourceError,
    open_source,
    read_entries,
)
from faceadmin.faceapi.transfer.targets import Target, patience, target_for
from faceadmin.faceapi.transfer.threads import in_threads
from faceadmin.jobs.models import Job, JobItem
from faceadmin.jobs.runner import JobContext, job_workdir
from faceadmin.tenants.audit import audit_record

POLICIES = {
    "largest": "Enroll the largest face",
    "skip": "Skip the photo",
    "pick": "Keep it to pick the face later",
}
DEFAULT_MATCH_THRESHOLD = 0.6
RESULT_COLUMNS = ("file", "person", "personId", "persistedFaceId", "status", "reason")
# How many rows of problems a report keeps (the counts always cover every file).
REPORT_ROWS = 500
PERSON_ONLY = ""  # the `file` of a manifest row that only creates a person


@dataclass(frozen=True)
class ImportParams:
    kind: str
    collection_id: str
    policy: str = "largest"
    detect: bool = True
    skip_small: bool = True
    match_threshold: float = DEFAULT_MATCH_THRESHOLD

    @classmethod
    def of(cls, params: dict[str, Any] | Any) -> ImportParams:
        return cls(
            kind=str(params["kind"]),
            collection_id=str(params["collection_id"]),
            policy=str(params.get("policy") or "largest"),
            detect=bool(params.get("detect", True)),
            skip_small=bool(params.get("skip_small", True)),
            match_threshold=float(params.get("match_threshold") or DEFAULT_MATCH_THRESHOLD),
        )

    def as_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "collection_id": self.collection_id,
            "policy": self.policy,
            "detect": self.detect,
            "skip_small": self.skip_small,
            "match_threshold": self.match_threshold,
        }


def source_path(job: Job) -> Path:
    """The photos a job imports: a path given by `manage.py import`, else the upload."""
    given = (job.params or {}).get("source_path")
    return Path(given) if given else job_workdir(job) / "source.zip"


def plan_path(job: Job) -> Path:
    return job_workdir(job) / "plan.json"


def min_face() -> int:
    return int(settings.FACEADMIN_IMPORT_MIN_FACE_PIXELS)


def _rect(values: list[int]) -> FaceRectangle:
    return FaceRectangle(*map(int, values))


def rects(faces: list[FaceRectangle]) -> list[list[int]]:
    return [[f.left, f.top, f.width, f.height] for f in faces]


def _target_info(options: ImportParams, target: Target) -> dict[str, str]:
    return {"kind": options.kind, "collection_id": options.collection_id, "label": target.label}


RUN_LABELS = {
    "enrolled": "enrolled",
    "person": "person created without photos",
    "pick": "kept to pick a face",
    "skipped": "skipped",
    "failed": "failed",
}


def read_checked(source: Source, entry: Entry, limits: Limits) -> bytes | str:
    """The photo's bytes, or why it cannot be used."""
    if entry.problem:
        return entry.problem
    try:
        data = source.read(entry.path, limits.max_file_bytes)
    except SourceError as exc:
        return str(exc)
    except Exception as exc:  # a corrupt entry (bad CRC, truncated) is that file's problem
        return f"cannot be read from the source ({type(exc).__name__})"
    return data


# --- the run -------------------------------------------------------------------------------


def _load_plan(ctx: JobContext) -> dict[str, Any]:
    check_id = ctx.params.get("check_job")
    if not check_id:
        return {}
    path = job_workdir(Job(pk=check_id)) / "plan.json"
    try:
        plan: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return plan


class _Persons:
    """Person refs of the source -> personIds, creating the missing ones once (recorded)."""

    def __init__(self, ctx: JobContext, target: Target) -> None:
        self.ctx = ctx
        self.target = target
        self.known = target.persons() if target.has_persons else {}
        for key, item in ctx.finished_steps().items():
            if key.startswith("person:"):
                self.known[key[len("person:") :]] = str(item.data.get("person_id", ""))
        self.created = 0
        self._lock = threading.Lock()

    def created_by_this_import(self) -> set[str]:
        """The personIds this job created (in any attempt)."""
        return {
            str(item.data.get("person_id", ""))
            for key, item in self.ctx.finished_steps().items()
            if key.startswith("person:")
        }

    def id_for(self, entry: Entry) -> str:
        if not self.target.has_persons:
            return entry.person_name  # a gallery's meta
        # One thread creates a person; the others with photos of that person wait for it.
        with self._lock:
            return self._id_for(entry)

    def _id_for(self, entry: Entry) -> str:
        ref = entry.person_ref
        if ref in self.known:
            return self.known[ref]
        person_id = patience(
            lambda: self.target.create_person(
                user=self.ctx.job.created_by, name=entry.person_name, user_data=entry.user_data
            ),
            tenant=self.target.tenant,
            check=self.ctx.check_control,
        )
        self.ctx.record_step(f"person:{ref}", data={"person_id": person_id})
        self.known[ref] = person_id
        # A person is found by its name too, so a second import of the set reuses it.
        self.known.setdefault(entry.person_name, person_id)
        self.created += 1
        return str(person_id)


def _one_file(
    ctx: JobContext,
    source: Source,
    entry: Entry,
    target: Target,
    persons: _Persons,
    options: ImportParams,
    plan: dict[str, Any],
    shared: _Shared,
    limits: Limits,
) -> dict[str, str]:
    row = {"file": entry.path, "person": entry.person_name, "personId": "", "persistedFaceId": ""}

    def done(status: str, reason: str = "", **extra: str) -> dict[str, str]:
        return row | {"status": status, "reason": reason} | extra

    if entry.path == PERSON_ONLY:
        row["personId"] = persons.id_for(entry)
        return done("person", "person without photos")
    if entry.problem:
        return done("failed", entry.problem)
    if target.has_persons and not entry.person_ref:
        return done("skipped", "not in a person folder")
    got = read_checked(source, entry, limits)
    if isinstance(got, str):
        return done("failed", got)
    sha = imagestore.sha256_of(got)
    planned = plan.get(entry.path) or {}
    if planned.get("sha256") == sha and planned.get("duplicate_of"):
        return done("skipped", f"same file as {planned['duplicate_of']}", sha256=sha)
    why_not = shared.claim(sha)
    if why_not:
        return done("skipped", why_not, sha256=sha)
    enrolled = False
    try:
        row = _enroll_file(ctx, entry, got, sha, target, persons, options, plan, row)
        enrolled = row["status"] == "enrolled"
        return row
    finally:
        shared.release(sha, enrolled=enrolled)


def _enroll_file(
    ctx: JobContext,
    entry: Entry,
    got: bytes,
    sha: str,
    target: Target,
    persons: _Persons,
    options: ImportParams,
    plan: dict[str, Any],
    row: dict[str, str],
) -> dict[str, str]:
    def done(status: str, reason: str = "", **extra: str) -> dict[str, str]:
        return row | {"status": status, "reason": reason, "sha256": sha} | extra

    try:
        imagestore.open_upright(got)
    except imagestore.UnreadableImage:
        return done("failed", "not an image we can read")
    user = ctx.job.created_by
    try:
        faces = _faces_of(ctx, target, got, sha, plan.get(entry.path))
        if not faces:
            return done("failed", "no face found")
        if options.skip_small and faces[0].width < min_face():
            return done("skipped", f"face too small ({faces[0].width} px)")
        person_id = persons.id_for(entry) if target.has_persons or entry.person_name else ""
        row["personId"] = person_id if target.has_persons else ""
        if len(faces) > 1 and options.policy == "skip":
            return done("skipped", f"{len(faces)} faces (policy: skip)")
        if len(faces) > 1 and options.policy == "pick" and target.supports_pick:
            token = target.keep_for_pick(
                user=user, person_id=row["personId"], image=got, filename=entry.path, faces=faces
            )
            return done("pick", f"{len(faces)} faces: pick one on the person's page", pending=token)
        # Written ahead: a retry after a kill between the provider's answer and the face
        # image store finds the face the provider kept (recovery.py).
        intent_record(ctx, sha=sha, person_id=person_id)
        face_id = patience(
            lambda: target.enroll(
                user=user,
                person_id=person_id,
                image=got,
                filename=entry.path,
                face=faces[0],
                user_data="" if target.has_persons else entry.user_data,
            ),
            tenant=target.tenant,
            check=ctx.check_control,
        )
    except FaceApiError as exc:
        if exc.status == 429:
            raise  # waited long enough: stop the job, a retry resumes at this file
        return done("failed", f"{exc.code}: {exc.message}")
    reason = f"largest of {len(faces)} faces" if len(faces) > 1 else ""
    return done("enrolled", reason, persistedFaceId=face_id)


def _faces_of(
    ctx: JobContext, target: Target, got: bytes, sha: str, planned: dict[str, Any] | None
) -> list[FaceRectangle]:
    """The faces the check found on this very photo, else detected now."""
    if planned is not None and planned.get("sha256") == sha and planned.get("faces") is not None:
        return [_rect(f) for f in planned["faces"]]
    faces: list[FaceRectangle] = patience(
        lambda: target.detect(got).faces, tenant=target.tenant, check=ctx.check_control
    )
    return faces


def _step_key(index: int, entry: Entry) -> str:
    # Zero-padded, so the steps sort in the source's order (the CSV follows it).
    return f"file:{index:07d}:{entry.path}"[:300]


class _Shared:
    """What the threads of one import share: the photos enrolled, and those being enrolled
    (so two copies of one photo in the source never go in at the same time)."""

    def __init__(self, enrolled: set[str]) -> None:
        self.enrolled = enrolled
        self.in_flight: set[str] = set()
        self.lock = threading.Lock()

    def claim(self, sha: str) -> str:
        """ "" when this thread may enroll the photo, else why not."""
        with self.lock:
            if sha in self.enrolled:
                return "already enrolled in this collection"
            if sha in self.in_flight:
                return "the same photo is being enrolled from another file"
            self.in_flight.add(sha)
            return ""

    def release(self, sha: str, *, enrolled: bool) -> None:
        with self.lock:
            self.in_flight.discard(sha)
            if enrolled:
                self.enrolled.add(sha)


def run_import(
    ctx: JobContext, *, path: Path, options: ImportParams, target: Target | None = None
) -> dict[str, Any]:
    """Enroll every photo of the source at `path`; the body of the import job (and of copy)."""
    target = target or target_for(
        tenant=ctx.tenant, kind=options.kind, collection_id=options.collection_id
    )
    limits = Limits.from_settings()
    source = open_source(path)
    try:
        entries = read_entries(source, limits)
        finished = {k for k in ctx.finished_steps() if k.startswith("file:")}
        ctx.progress(done=len(finished), total=len(entries), message="Enrolling", force=True)
        plan = _load_plan(ctx)
        persons = _Persons(ctx, target)
        recovery = intents_settle(ctx, target, persons.created_by_this_import())
        shared = _Shared(target.enrolled_sha256())
        todo = [
            (key, entry)
            for index, entry in enumerate(entries)
            if (key := _step_key(index, entry)) not in finished
        ]

        def one(entry: Entry) -> dict[str, str]:
            return _one_file(ctx, source, entry, target, persons, options, plan, shared, limits)

        def record(key: str, entry: Entry, row: dict[str, str]) -> None:
            if row.get("sha256") in recovery.unresolved_sha256 and row["status"] == "enrolled":
                row = row | {"reason": recovery.UNRESOLVED_REASON}
            ctx.record_step(key, status=row["status"], data=row)
            if row.get("sha256"):
                intent_done(ctx, sha=row["sha256"])
            ctx.progress(advance=1, message=f"{entry.path}: {row['status']}")

        in_threads(ctx, todo, one, record)
    finally:
        source.close()
    ctx.progress(force=True, message="Finished")
    return _run_result(ctx, target, options, recovery.as_dict(), len(entries))


def _run_result(
    ctx: JobContext, target: Target, options: ImportParams, recovery: dict[str, Any], files: int
) -> dict[str, Any]:
    """Audit the import (counts of every attempt) and return the job's result."""
    counts = Counter(
        JobItem.objects.filter(job=ctx.job, key__startswith="file:").values_list(
            "status", flat=True
        )
    )
    created = JobItem.objects.filter(job=ctx.job, key__startswith="person:").count()
    audit_record(
        action="collection.import",
        tenant=target.tenant,
        user=ctx.job.created_by,
        target_kind=options.kind,
        target_id=options.collection_id,
        outcome="ok" if not counts.get("failed") else "partial",
        reason=", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        + f"; {created} persons created",
    )
    return {
        "target": _target_info(options, target),
        "recovery": recovery,
        "counts": dict(counts),
        "count_rows": [[k, label, counts[k]] for k, label in RUN_LABELS.items() if counts[k]],
        "files": files,
        "persons_created": created,
        "trainable": target.trainable,
    }


def import_run(ctx: JobContext) -> dict[str, Any]:
    options = ImportParams.of(ctx.params)
    return run_import(ctx, path=source_path(ctx.job), options=options)


# --- the per-file result -------------------------------------------------------------------


def import_rows(job: Job) -> Iterator[dict[str, str]]:
    steps = JobItem.objects.filter(job=job, key__startswith="file:").order_by("key")
    for item in steps.iterator():
        data = item.data if isinstance(item.data, dict) else {}
        yield {column: str(data.get(column, "")) for column in RESULT_COLUMNS}


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas, and file names come from an
    uploaded ZIP: quote them (CSV injection), as the other CSV exports do."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def import_csv_lines(job: Job) -> Iterator[str]:
    """The per-file result as CSV text, line by line (for a streamed download)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RESULT_COLUMNS)
    writer.writeheader()
    for row in import_rows(job):
        writer.writerow({column: _cell(value) for column, value in row.items()})
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.getvalue():
        yield out.getvalue()
