"""The face-API work that runs as background jobs (registered when Django starts)."""

from __future__ import annotations

from faceadmin.faceapi import privacy, retention  # noqa: F401 - they register their own kinds
from faceadmin.faceapi.calibration_gallery import calibration_job  # noqa: F401 - registers itself
from faceadmin.faceapi.duplicates import KIND as DUPLICATES
from faceadmin.faceapi.duplicates import duplicate_scan_handler
from faceadmin.faceapi.grouping import KIND as GROUPING
from faceadmin.faceapi.grouping import group_photos, grouping_forget_images
from faceadmin.faceapi.snapshot_jobs import KIND as SNAPSHOT_OPERATION
from faceadmin.faceapi.snapshot_jobs import follow_operation
from faceadmin.faceapi.transfer import job_kinds as transfer_job_kinds  # noqa: F401
from faceadmin.jobs.registry import job_kind

job_kind(
    GROUPING,
    label="Photo grouping",
    result_template="jobs/result_photo_grouping.html",
    forget=grouping_forget_images,
)(group_photos)

job_kind(
    DUPLICATES,
    label="Face-list duplicate scan",
    result_template="jobs/result_duplicate_scan.html",
)(duplicate_scan_handler)

job_kind(
    SNAPSHOT_OPERATION,
    label="Snapshot operation",
    result_template="jobs/result_snapshot_operation.html",
)(follow_operation)
