"""The provider's records as the service layer hands them to the dashboard.

Re-exported from `faceadmin.clients.types`, so the dashboard reads them without importing the
clients.
"""

from __future__ import annotations

from faceadmin.clients.types import Collection, CollectionKind, FaceRectangle, PersistedFace, Person

__all__ = ["Collection", "CollectionKind", "FaceRectangle", "PersistedFace", "Person"]
