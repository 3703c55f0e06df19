"""The transfer jobs: import check (dry run), import, export and copy."""

from __future__ import annotations

from faceadmin.faceapi.transfer import checking, copying, exporting, importing
from faceadmin.jobs.registry import job_kind

job_kind(
    "import_check",
    label="Import check (dry run)",
    result_template="transfer/result_check.html",
    pausable=True,
)(checking.import_check)
job_kind(
    "import",
    label="Import",
    result_template="transfer/result_import.html",
    pausable=True,
)(importing.import_run)
job_kind(
    "export",
    label="Export",
    result_template="transfer/result_export.html",
)(exporting.export_job)
job_kind(
    "copy",
    label="Copy",
    result_template="transfer/result_copy.html",
    pausable=True,
)(copying.copy_job)
