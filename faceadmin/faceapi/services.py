"""Tenant-aware face-API services: what the dashboard calls.

Views never build clients or send HTTP themselves; they call these functions, which pick the
tenant's provider and keys (`connection`), talk to it through the clients in
`faceadmin.clients`, and leave audit events. This module gathers the services most views use
in one place to import from; each lives in the module of its area.
"""

from __future__ import annotations

from faceadmin.faceapi.collections import (
    collection_create,
    collection_delete,
    collection_delete_preview,
    collection_get,
    collection_list,
    collection_page,
    collection_summaries,
    collection_update,
    face_list_add_face,
    face_list_delete_face,
    face_list_faces,
    face_list_page,
    person_add_face,
    person_create,
    person_delete,
    person_delete_face,
    person_face_get,
    person_get,
    person_page,
    person_update,
    photo_detect,
)
from faceadmin.faceapi.connection import (
    ConnectionCheck,
    client_for,
    findface_client_for,
    tenant_check_connection,
)
from faceadmin.faceapi.errors import ApiErrorView
from faceadmin.faceapi.imagestore import face_images, person_face_images
from faceadmin.faceapi.training import collection_train, training_state, training_status

__all__ = [
    "ApiErrorView",
    "ConnectionCheck",
    "client_for",
    "collection_create",
    "collection_delete",
    "collection_delete_preview",
    "collection_get",
    "collection_list",
    "collection_page",
    "collection_summaries",
    "collection_train",
    "collection_update",
    "face_images",
    "face_list_add_face",
    "face_list_delete_face",
    "face_list_faces",
    "face_list_page",
    "findface_client_for",
    "person_add_face",
    "person_create",
    "person_delete",
    "person_delete_face",
    "person_face_get",
    "person_face_images",
    "person_get",
    "person_page",
    "person_update",
    "photo_detect",
    "tenant_check_connection",
    "training_state",
    "training_status",
]
