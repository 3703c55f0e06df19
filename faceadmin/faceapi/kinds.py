"""The one home of collection kinds: slugs, labels, recognition models and defaults.

Azure keeps four kinds of collection (person groups, face lists and their large forms); the
dashboard's URLs, labels and forms all come from here.
"""

from __future__ import annotations

from faceadmin.clients.types import CollectionKind

__all__ = [
    "DEFAULT_RECOGNITION_MODEL",
    "DETECTION_MODEL",
    "FACE_LIST_KINDS",
    "KIND_BY_SLUG",
    "KIND_LABELS",
    "KIND_SLUGS",
    "PERSON_KINDS",
    "RECOGNITION_MODELS",
    "TRAINABLE_KINDS",
    "CollectionKind",
]

PERSON_KINDS = (CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP)
FACE_LIST_KINDS = (CollectionKind.FACE_LIST, CollectionKind.LARGE_FACE_LIST)
TRAINABLE_KINDS = (
    CollectionKind.PERSON_GROUP,
    CollectionKind.LARGE_PERSON_GROUP,
    CollectionKind.LARGE_FACE_LIST,
)
RECOGNITION_MODELS = ("recognition_01", "recognition_02", "recognition_03", "recognition_04")
# The most accurate model, and the one Azure recommends for new collections. A collection's
# model is fixed at creation and faces are only ever compared within one model.
DEFAULT_RECOGNITION_MODEL = "recognition_04"
# Must match between detect and add-face, so a detected rectangle is a valid targetFace.
DETECTION_MODEL = "detection_01"

# URL segments, as in the Azure paths.
KIND_SLUGS = {
    CollectionKind.PERSON_GROUP: "persongroups",
    CollectionKind.LARGE_PERSON_GROUP: "largepersongroups",
    CollectionKind.FACE_LIST: "facelists",
    CollectionKind.LARGE_FACE_LIST: "largefacelists",
}
KIND_BY_SLUG = {slug: kind for kind, slug in KIND_SLUGS.items()}
KIND_LABELS = {
    CollectionKind.PERSON_GROUP: "Person group",
    CollectionKind.LARGE_PERSON_GROUP: "Large person group",
    CollectionKind.FACE_LIST: "Face list",
    CollectionKind.LARGE_FACE_LIST: "Large face list",
}
