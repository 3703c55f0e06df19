"""Moved to `faceadmin.faceapi.lookup.findface`; this name stays until its importers
(`faceapi.privacy`, `faceapi.transfer.targets`) import the package."""

from __future__ import annotations

from faceadmin.faceapi.lookup.findface import (
    GalleryIdentification,
    photo_detect_faces,
    photo_identify_in_gallery,
    photo_verify_faces,
)

__all__ = [
    "GalleryIdentification",
    "photo_detect_faces",
    "photo_identify_in_gallery",
    "photo_verify_faces",
]
