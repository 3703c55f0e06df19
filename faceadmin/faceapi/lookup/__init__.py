"""Photo lookup: detect, identify, verify, find similar and group, for one tenant.

What the dashboard's lookup pages call, through the provider interface
(`provider_for(tenant).identify(...)`, implemented by `lookup.operations`). Photos arrive
as bytes (or as a URL the provider fetches itself) and leave as provider-neutral results
(`lookup.results`); nothing here stores a photo. Enrolling a face from a result goes through
the collections services, which keep the face's thumbnail in the face image store.

One module per operation: `photos` (checking uploads), `recording` (every Azure call of a
lookup recorded for "copy as curl"), `detect`, `identify`, `verify`, `similar`, `group`
and `crops`, `enroll`, `targets` (the collections searched), `findface` (FindFace's
detect, identify and verify), `audit` (every lookup leaves an audit event).

This package re-exports the names its callers used when it was one module.
"""

from __future__ import annotations

from faceadmin.faceapi.lookup.crops import (
    MAX_CLUSTER_ENROLL,
    ClusterFace,
    parse_crop,
)
from faceadmin.faceapi.lookup.detect import photo_detect
from faceadmin.faceapi.lookup.enroll import cluster_enroll, photo_enroll_face
from faceadmin.faceapi.lookup.group import (
    MAX_GROUP_FACES,
    MAX_GROUP_PHOTOS,
    Cluster,
    Grouping,
    photo_group,
)
from faceadmin.faceapi.lookup.identify import photo_identify
from faceadmin.faceapi.lookup.photos import (
    MAX_IMAGE_BYTES,
    Photo,
    PhotoError,
    photo_from_bytes,
    photo_from_url,
)
from faceadmin.faceapi.lookup.recording import ApiCall, AzureSession
from faceadmin.faceapi.lookup.results import (
    DETECTION_MODELS,
    RECOGNITION_MODELS,
    Candidate,
    Detection,
    DetectSettings,
    Enrollment,
    Face,
    FaceAttributes,
    FaceBox,
    FaceIdentity,
    GroupRef,
    Identification,
    IdentifyQuery,
    PersonCandidate,
    SimilarMatch,
    SimilarSearch,
    SkippedGroup,
    Verdict,
    Verification,
)
from faceadmin.faceapi.lookup.similar import photo_find_similar
from faceadmin.faceapi.lookup.targets import (
    LIST_KINDS,
    PERSON_KINDS,
    collection_options,
    person_options,
)
from faceadmin.faceapi.lookup.verify import photo_verify

__all__ = [
    "DETECTION_MODELS",
    "LIST_KINDS",
    "MAX_CLUSTER_ENROLL",
    "MAX_GROUP_FACES",
    "MAX_GROUP_PHOTOS",
    "MAX_IMAGE_BYTES",
    "PERSON_KINDS",
    "RECOGNITION_MODELS",
    "ApiCall",
    "AzureSession",
    "Candidate",
    "Cluster",
    "ClusterFace",
    "DetectSettings",
    "Detection",
    "Enrollment",
    "Face",
    "FaceAttributes",
    "FaceBox",
    "FaceIdentity",
    "GroupRef",
    "Grouping",
    "Identification",
    "IdentifyQuery",
    "PersonCandidate",
    "Photo",
    "PhotoError",
    "SimilarMatch",
    "SimilarSearch",
    "SkippedGroup",
    "Verdict",
    "Verification",
    "cluster_enroll",
    "collection_options",
    "parse_crop",
    "person_options",
    "photo_detect",
    "photo_enroll_face",
    "photo_find_similar",
    "photo_from_bytes",
    "photo_from_url",
    "photo_group",
    "photo_identify",
    "photo_verify",
]
