"""The import check (dry run): what the import would do, before anything is written.

It reads every file and reports persons to create or reuse, files that are not photos, too
large, duplicated (same SHA-256) or already enrolled, and, when asked (one detect call per
photo, plus one identify call per ten faces when the target is trained), photos without a
face, with several faces, with a face too small, and faces that already match a *different*
person. The faces found and the duplicates' first files are kept in the job's plan file,
which the run reuses.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.transfer.importing import (
    PERSON_ONLY,
    POLICIES,
    REPORT_ROWS,
    ImportParams,
    min_face,
    plan_path,
    read_checked,
    rects,
    source_path,
)
from faceadmin.faceapi.transfer.sources import Entry, Limits, Source, open_source, read_entries
from faceadmin.faceapi.transfer.targets import Target, chunks, patience, target_for
from faceadmin.faceapi.transfer.threads import in_threads
from faceadmin.jobs.runner import JobContext

CHECK_LABELS = {
    "ok": "ready",
    "refused": "refused before reading",
    "not_image": "not an image",
    "duplicate": "duplicate file in the source",
    "already_enrolled": "already enrolled here (skipped)",
    "no_person": "no person folder",
    "no_face": "no face found",
    "several_faces": "several faces",
    "small_face": "face too small",
    "matches_other": "already matches another person",
}


@dataclass
class _Row:
    file: str
    person: str
    status: str = "ok"
    reason: str = ""
    sha256: str = ""
    faces: list[list[int]] | None = None

    def report(self) -> dict[str, str]:
        return {
            "file": self.file,
            "person": self.person,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass
class _Reading:
    """What reading the files finds: a row per file, the persons, the first file per photo."""

    existing: dict[str, str]
    enrolled: set[str]
    seen: dict[str, str] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)


def import_check(ctx: JobContext) -> dict[str, Any]:
    """The dry-run report (a job's result); writes nothing but the plan file of the job."""
    options = ImportParams.of(ctx.params)
    target = target_for(tenant=ctx.tenant, kind=options.kind, collection_id=options.collection_id)
    limits = Limits.from_settings()
    source = open_source(source_path(ctx.job))
    try:
        entries = read_entries(source, limits)
        ctx.progress(done=0, total=len(entries), message="Reading the files", force=True)
        reading = _Reading(existing=target.persons(), enrolled=target.enrolled_sha256())
        for entry in entries:
            ctx.check_control()
            _read_entry(reading, source, entry, target, limits)
            ctx.progress(advance=1)
        rows = reading.rows
        ready = [r for r in rows if r.status == "ok" and r.file != PERSON_ONLY]
        detect_calls = len(ready) if options.detect else 0
        identify_calls = 0
        if options.detect and ready:
            identify_calls = _check_faces(ctx, source, entries, ready, target, options, limits)
        ctx.progress(message="Finished", force=True)
        # What the run reuses: the faces found (no second detect), and which file of a
        # duplicated photo goes in (the first; with threads it would otherwise be a race).
        plan = {
            r.file: {
                "sha256": r.sha256,
                "faces": r.faces,
                "duplicate_of": reading.seen[r.sha256] if r.status == "duplicate" else "",
            }
            for r in rows
            if r.sha256
        }
        plan_path(ctx.job).parent.mkdir(parents=True, exist_ok=True)
        plan_path(ctx.job).write_text(json.dumps(plan))
    finally:
        source.close()
    return _report(options, target, rows, reading.persons, detect_calls, identify_calls)


def _read_entry(
    reading: _Reading, source: Source, entry: Entry, target: Target, limits: Limits
) -> None:
    """One file's row (read, hashed, opened; no provider call), and its person."""
    row = _Row(entry.path, entry.person_name)
    reading.rows.append(row)
    if entry.path == PERSON_ONLY:
        row.status, row.reason = "ok", "person without photos"
    elif entry.problem:
        row.status, row.reason = "refused", entry.problem
    elif target.has_persons and not entry.person_ref:
        row.status, row.reason = "no_person", "put it in a folder named after the person"
    else:
        got = read_checked(source, entry, limits)
        if isinstance(got, str):
            row.status, row.reason = "refused", got
        else:
            row.sha256 = imagestore.sha256_of(got)
            try:
                imagestore.open_upright(got)
            except imagestore.UnreadableImage:
                row.status, row.reason = "not_image", "not an image we can read"
            else:
                if row.sha256 in reading.enrolled:
                    row.status = "already_enrolled"
                elif row.sha256 in reading.seen:
                    row.status, row.reason = "duplicate", f"same file as {reading.seen[row.sha256]}"
                else:
                    reading.seen[row.sha256] = entry.path
    if target.has_persons and entry.person_ref and row.status not in ("refused",):
        info = reading.persons.setdefault(
            entry.person_ref,
            {
                "ref": entry.person_ref,
                "name": entry.person_name,
                "action": "reuse" if entry.person_ref in reading.existing else "create",
                "person_id": reading.existing.get(entry.person_ref, ""),
                "photos": 0,
            },
        )
        if row.status == "ok" and entry.path != PERSON_ONLY:
            info["photos"] += 1


def _report(
    options: ImportParams,
    target: Target,
    rows: list[_Row],
    persons: dict[str, dict[str, Any]],
    detect_calls: int,
    identify_calls: int,
) -> dict[str, Any]:
    counts = Counter(r.status for r in rows if r.file != PERSON_ONLY)
    will_enroll = sum(
        1
        for r in rows
        if r.file != PERSON_ONLY
        and (
            r.status in ("ok", "matches_other")
            or (r.status == "several_faces" and options.policy == "largest")
        )
    )
    problems = [r.report() for r in rows if r.status != "ok"][:REPORT_ROWS]
    person_list = sorted(persons.values(), key=lambda p: str(p["name"]))
    return {
        "target": {
            "kind": options.kind,
            "collection_id": options.collection_id,
            "label": target.label,
        },
        "options": options.as_params(),
        "files": len([r for r in rows if r.file != PERSON_ONLY]),
        "counts": dict(counts),
        "count_rows": [[k, label, counts[k]] for k, label in CHECK_LABELS.items() if counts[k]],
        "will_enroll": will_enroll,
        "persons_create": sum(1 for p in person_list if p["action"] == "create"),
        "persons_reuse": sum(1 for p in person_list if p["action"] == "reuse"),
        "persons": person_list[:REPORT_ROWS],
        "problems": problems,
        "problems_cut": max(0, sum(1 for r in rows if r.status != "ok") - REPORT_ROWS),
        "calls": {
            "detect": detect_calls,
            "identify": identify_calls,
            # The run: one enroll per photo, one create per new person; no detect again for
            # photos this check already detected.
            "run": will_enroll + sum(1 for p in person_list if p["action"] == "create"),
        },
        "trained": target.trainable and options.detect and target.is_trained(),
    }


def _check_faces(
    ctx: JobContext,
    source: Source,
    entries: list[Entry],
    ready: list[_Row],
    target: Target,
    options: ImportParams,
    limits: Limits,
) -> int:
    """Detect each ready photo (one call each); identify against a trained target."""
    faces = _FaceCheck(ctx, source, target, options, limits, {row.file: row for row in ready})
    ctx.progress(done=0, total=len(ready), message="Detecting faces", force=True)
    by_ref = {e.path: e for e in entries}
    # Detected in threads like the import; the rows are filled in here, in this thread.
    in_threads(ctx, [(row.file, by_ref[row.file]) for row in ready], faces.detect, faces.record)
    return _identify_others(ctx, target, options, faces.to_identify, by_ref)


class _FaceCheck:
    """Detect a photo (in a worker thread) and fill in its row (in the job's thread)."""

    def __init__(
        self,
        ctx: JobContext,
        source: Source,
        target: Target,
        options: ImportParams,
        limits: Limits,
        rows: dict[str, _Row],
    ) -> None:
        self.ctx, self.source, self.target = ctx, source, target
        self.options, self.limits, self.rows = options, limits, rows
        self.trained = target.is_trained()
        self.to_identify: list[tuple[str, _Row]] = []

    def detect(self, entry: Entry) -> dict[str, Any]:
        data = self.source.read(entry.path, self.limits.max_file_bytes)
        try:
            found = patience(
                functools.partial(self.target.detect, data, want_ids=self.trained),
                tenant=self.ctx.tenant,
                check=self.ctx.check_control,
            )
        except FaceApiError as exc:
            return {"error": f"the provider refused it: {exc.code} {exc.message}"}
        return {"faces": found.faces, "face_ids": found.face_ids}

    def record(self, key: str, entry: Entry, found: dict[str, Any]) -> None:
        row = self.rows[entry.path]
        self.ctx.progress(advance=1)
        if "error" in found:
            row.status, row.reason = "not_image", found["error"]
            return
        faces: list[FaceRectangle] = found["faces"]
        row.faces = rects(faces)
        if not faces:
            row.status, row.reason = "no_face", ""
        elif len(faces) > 1:
            row.status = "several_faces"
            row.reason = f"{len(faces)} faces: {POLICIES[self.options.policy].lower()}"
        elif faces[0].width < min_face():
            row.status = "small_face"
            row.reason = f"{faces[0].width} px wide; at least {min_face()} px needed"
        if self.trained and found["face_ids"] and row.status in ("ok", "several_faces"):
            self.to_identify.append((found["face_ids"][0], row))


def _identify_others(
    ctx: JobContext,
    target: Target,
    options: ImportParams,
    to_identify: list[tuple[str, _Row]],
    by_ref: dict[str, Entry],
) -> int:
    """Identify the detected faces (ten a call): mark those matching another person."""
    calls = 0
    persons = target.persons() if to_identify else {}
    names = {pid: name for name, pid in persons.items() if name != pid}
    for batch in chunks(to_identify, 10):
        ctx.check_control()
        calls += 1
        best = patience(
            functools.partial(target.identify, [fid for fid, _ in batch], options.match_threshold),
            tenant=ctx.tenant,
            check=ctx.check_control,
        )
        for face_id, row in batch:
            if face_id not in best:
                continue
            person_id, confidence = best[face_id]
            entry = by_ref[row.file]
            own = persons.get(entry.person_ref)
            if person_id != own:
                row.status = "matches_other"
                row.reason = (
                    f"looks like {names.get(person_id, person_id)} "
                    f"(confidence {confidence:.2f}); enrolled anyway"
                )
    return calls
