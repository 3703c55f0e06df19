"""The faceapi app's kinds of background job (imported by the jobs app when Django starts)."""

from faceadmin.faceapi import privacy, retention  # noqa: F401
