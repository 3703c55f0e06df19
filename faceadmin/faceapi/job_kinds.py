"""Job kinds of the face-API app (autodiscovered by faceadmin.jobs when Django starts)."""

from faceadmin.faceapi.transfer import job_kinds as transfer_job_kinds

__all__ = ["transfer_job_kinds"]
