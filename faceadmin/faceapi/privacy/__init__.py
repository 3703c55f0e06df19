"""Privacy operations: find a person everywhere from one photo, erase them, export them.

A data-subject request ("delete everything you hold about me") starts from a photo: every
collection of the tenant is searched (identify across the trained person groups and large
person groups, find-similar across face lists and trained large face lists, identify over
every FindFace face), and each match is listed with where it is. Person groups that cannot
identify because they are not trained are checked with verify (face to person, which needs no
training) when they have at most VERIFY_UNTRAINED_LIMIT persons; the rest, and untrained large
face lists, are named as not searched, with the reason. The admin ticks the matches to
erase; a job (`privacy_erase`) deletes them at the provider and every stored image and
pending photo of them here, retrains what needs it, and writes an **erasure receipt** into
the audit trail: what was found, what was deleted, when, by whom, with the provider's
request ids. The receipt holds ids, collection names, confidences and counts only: no
image, no descriptor, no name or userData of the person erased.

The query photo is never stored: the search runs inside the request on the photo in memory,
and the job it starts receives only the matches (signed, so a page cannot add targets).

One module per step: `matches` (what a search finds), `search`, `erase` (the job and its
start), `receipts` (written into and read back from the audit trail), `export` (everything
held about one person, as a ZIP).
"""

from __future__ import annotations

from faceadmin.faceapi.privacy.erase import ErasureRequestError, erase_run, erase_start
from faceadmin.faceapi.privacy.export import Export, findface_subject_export, person_export
from faceadmin.faceapi.privacy.matches import GALLERY, ErasureMatch, ErasureSearch
from faceadmin.faceapi.privacy.receipts import RECEIPT_ACTION, erasure_receipt, erasure_receipts
from faceadmin.faceapi.privacy.search import (
    FINDFACE_CANDIDATES,
    FINDFACE_THRESHOLD,
    IDENTIFY_CANDIDATES,
    SIMILAR_CANDIDATES,
    VERIFY_UNTRAINED_LIMIT,
    erase_search,
    erase_search_person,
)

__all__ = [
    "FINDFACE_CANDIDATES",
    "FINDFACE_THRESHOLD",
    "GALLERY",
    "IDENTIFY_CANDIDATES",
    "RECEIPT_ACTION",
    "SIMILAR_CANDIDATES",
    "VERIFY_UNTRAINED_LIMIT",
    "ErasureMatch",
    "ErasureRequestError",
    "ErasureSearch",
    "Export",
    "erase_run",
    "erase_search",
    "erase_search_person",
    "erase_start",
    "erasure_receipt",
    "erasure_receipts",
    "findface_subject_export",
    "person_export",
]
