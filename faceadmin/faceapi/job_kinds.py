"""Job kinds of the faceapi app (imported by the jobs app when Django starts)."""

from faceadmin.faceapi.calibration import calibration_job as calibration_job

__all__ = ["calibration_job"]
