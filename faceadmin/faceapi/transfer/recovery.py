"""An import killed between the provider's answer and faceadmin's record of it.

Each enrolment is two writes in two systems: the provider persists the face and answers its
id, then faceadmin stores the image, thumbnail and provenance (`FaceImage`, whose sha256 is
what makes a re-run skip the photo). A worker killed between the two leaves a face the
provider holds and faceadmin does not know, and the retry would enroll the photo again.

So the import writes an intent step (`intent:<sha256>`, with the person) before each
enrolment and drops it once the file's step is recorded. A retry first settles the intents
left by the dead attempt: when the photo is not in `FaceImage`, the faces of that person
that faceadmin does not know are the dead attempt's, if the import created the person; they
are deleted, and the file is enrolled again as if for the first time. A person that existed
before the import may hold faces enrolled by other tools, so nothing of it is deleted: the
intent is reported instead (the file's CSV row says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from faceadmin.faceapi import services
from faceadmin.faceapi.errors import FaceApiError, NotFoundError
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.targets import CollectionTarget, Target
from faceadmin.jobs.models import JobItem

if TYPE_CHECKING:
    from faceadmin.jobs.runner import JobContext

__all__ = ["INTENT_PREFIX", "Recovery", "intent_done", "intent_record", "intents_settle"]

INTENT_PREFIX = "intent:"


def intent_record(ctx: JobContext, *, sha: str, person_id: str) -> None:
    """Before an enrolment: this photo is about to be enrolled into this person."""
    ctx.record_step(f"{INTENT_PREFIX}{sha}", status="pending", data={"person_id": person_id})


def intent_done(ctx: JobContext, *, sha: str) -> None:
    """After the file's step is recorded (whatever its outcome)."""
    JobItem.objects.filter(job=ctx.job, key=f"{INTENT_PREFIX}{sha}").delete()


@dataclass
class Recovery:
    settled: int = 0  # intents whose photo was recorded after all
    faces_deleted: int = 0  # faces of the dead attempt removed from the provider
    unresolved: int = 0  # intents on persons that existed before the import
    unresolved_sha256: set[str] = field(default_factory=set)

    UNRESOLVED_REASON = "the person may hold this face twice (an earlier attempt was killed)"

    def as_dict(self) -> dict[str, int]:
        return {
            "settled": self.settled,
            "faces_deleted": self.faces_deleted,
            "unresolved": self.unresolved,
        }


def intents_settle(ctx: JobContext, target: Target, created_persons: set[str]) -> Recovery:
    """Settle the intents a killed attempt left, before the retry enrolls anything."""
    recovery = Recovery()
    intents = list(JobItem.objects.filter(job=ctx.job, key__startswith=INTENT_PREFIX))
    if not intents:
        return recovery
    known = target.enrolled_sha256()
    for item in intents:
        sha = item.key[len(INTENT_PREFIX) :]
        person_id = str(item.data.get("person_id") or "")
        if sha in known:
            recovery.settled += 1
        elif (
            isinstance(target, CollectionTarget)
            and target.has_persons
            and (person_id in created_persons)
        ):
            recovery.faces_deleted += _delete_unknown_faces(ctx, target, person_id)
        else:
            recovery.unresolved += 1
            recovery.unresolved_sha256.add(sha)
        item.delete()
    return recovery


def _delete_unknown_faces(ctx: JobContext, target: CollectionTarget, person_id: str) -> int:
    """Delete the faces of a person this import created that faceadmin has no record of."""
    kind = target.kind
    try:
        person = services.person_get(
            tenant=target.tenant, kind=kind, group_id=target.collection_id, person_id=person_id
        )
    except NotFoundError:
        return 0
    recorded = set(
        FaceImage.objects.filter(
            tenant=target.tenant,
            kind=kind.value,
            collection_id=target.collection_id,
            person_id=person_id,
        ).values_list("persisted_face_id", flat=True)
    )
    deleted = 0
    for face_id in person.persisted_face_ids:
        if face_id in recorded:
            continue
        try:
            services.person_delete_face(
                tenant=target.tenant,
                user=ctx.job.created_by,
                kind=kind,
                group_id=target.collection_id,
                person_id=person_id,
                persisted_face_id=face_id,
            )
        except FaceApiError:
            continue  # the retry's own enrolment still goes ahead; the row says nothing new
        deleted += 1
    return deleted
