"""Calibration on the embedded engine: the job's numbers against a direct computation."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import numpy as np
import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.engine.recognition.detection import detect_faces
from faceadmin.engine.recognition.images import decode_image
from faceadmin.engine.recognition.matching import distance_to_confidence
from faceadmin.faceapi import calibration, services
from faceadmin.faceapi.models import FaceImage
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import enroll

PEOPLE = {
    "Barack Obama": ("enroll/barack_obama/1.jpg", "enroll/barack_obama/2.jpg"),
    "Joe Biden": ("enroll/joe_biden/1.jpg", "enroll/joe_biden/2.jpg"),
    "Kit Harington": ("enroll/kit_harington/1.jpg", "enroll/kit_harington/2.jpg"),
    "Rose Leslie": ("enroll/rose_leslie/1.jpg", "enroll/rose_leslie/2.jpg"),
    # One face only: no genuine pair, so left out of the sample.
    "Alex Lacamoire": ("enroll/alex_lacamoire/1.jpg",),
}


@pytest.fixture
def staff(local_tenant: Tenant, local_members: dict[str, Any]) -> dict[str, str]:
    """Group "staff" with the people above; returns person name -> personId."""
    operator = local_members["operator"]
    services.collection_create(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    return {
        name: enroll(local_tenant, operator, "staff", name, *photos)
        for name, photos in PEOPLE.items()
    }


def _direct_scores(tenant: Tenant) -> dict[frozenset[str], tuple[bool, float]]:
    """Every pair of stored faces scored straight from dlib descriptors, without the API."""
    vectors: dict[str, tuple[str, np.ndarray]] = {}
    images = list(FaceImage.objects.filter(tenant=tenant, collection_id="staff"))
    counts = Counter(image.person_id for image in images)
    for image in images:
        if counts[image.person_id] < 2:
            continue  # no genuine pair: not in the sample
        with image.original.open("rb") as handle:
            faces = detect_faces(decode_image(handle.read()))
        assert faces and faces[0].descriptor is not None
        vectors[image.persisted_face_id] = (image.person_id, faces[0].descriptor)
    scores = {}
    for (a, (pa, va)), (b, (pb, vb)) in itertools.combinations(vectors.items(), 2):
        distance = float(np.linalg.norm(va.astype(np.float64) - vb.astype(np.float64)))
        scores[frozenset((a, b))] = (pa == pb, float(distance_to_confidence(distance)))
    return scores


def test_plan_counts_pairs_and_calls(local_tenant: Tenant, staff: dict[str, str]) -> None:
    plan = calibration.calibration_plan(
        tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, group_id="staff"
    )
    assert plan.persons_used == 4  # Alex has one face
    assert len(plan.faces) == 8
    assert len(plan.genuine) == 4
    assert len(plan.impostor) == 8 * 7 // 2 - 4
    assert plan.calls == 8 + 28 + 1


def test_sample_caps_the_pairs(local_tenant: Tenant, staff: dict[str, str]) -> None:
    plan = calibration.calibration_plan(
        tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, group_id="staff", sample=10
    )
    assert (len(plan.genuine), len(plan.impostor)) == (4, 6)
    assert plan.calls == len(plan.faces) + 10 + 1


def test_job_scores_match_a_direct_computation(
    run_jobs: Any, local_tenant: Tenant, local_members: dict[str, Any], staff: dict[str, str]
) -> None:
    plan = calibration.calibration_plan(
        tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, group_id="staff"
    )
    job = calibration.calibration_start(
        tenant=local_tenant, user=local_members["operator"], plan=plan
    )
    run_jobs()
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    result = job.result
    direct = _direct_scores(local_tenant)
    want_genuine = sorted(s for same, s in direct.values() if same)
    want_impostor = sorted(s for same, s in direct.values() if not same)
    assert result["counts"]["genuine"] == 4
    assert result["counts"]["impostor"] == 24
    assert sorted(result["genuine_scores"]) == pytest.approx(want_genuine, abs=2e-4)
    assert sorted(result["impostor_scores"]) == pytest.approx(want_impostor, abs=2e-4)
    # The rates at every threshold of the curve, recounted from the direct scores.
    curve = result["curve"]
    for t, fmr, fnmr in zip(curve["thresholds"], curve["fmr"], curve["fnmr"], strict=True):
        if any(abs(s - t) < 3e-4 for s in want_genuine + want_impostor):
            continue  # a score on the threshold itself: rounding decides
        assert fmr == pytest.approx(sum(s >= t for s in want_impostor) / 24, abs=1e-5)
        assert fnmr == pytest.approx(sum(s < t for s in want_genuine) / 4, abs=1e-5)
    # 24 impostor pairs support no target: 1 % needs 300.
    assert [r["threshold"] for r in result["recommendations"]] == [None, None, None]
    assert [r["needed"] for r in result["recommendations"]] == [300, 3000, 30000]
    # The closest impostor pair is the highest impostor score, named and linked by person.
    top = result["closest_impostors"][0]
    assert top["score"] == pytest.approx(want_impostor[-1], abs=2e-4)
    assert top["a"]["person"] != top["b"]["person"]
    assert top["a"]["name"] in PEOPLE
    low = result["farthest_genuine"][0]
    assert low["score"] == pytest.approx(want_genuine[0], abs=2e-4)
    assert low["a"]["person"] == low["b"]["person"]
    # Same faces, same people: the dlib rule (0.6 distance = 0.5) separates them here.
    assert min(want_genuine) > max(want_impostor)


def test_a_retry_reuses_detected_faces(
    run_jobs: Any, local_tenant: Tenant, local_members: dict[str, Any], staff: dict[str, str]
) -> None:
    plan = calibration.calibration_plan(
        tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, group_id="staff"
    )
    job = calibration.calibration_start(
        tenant=local_tenant, user=local_members["operator"], plan=plan
    )
    run_jobs()
    from faceadmin.jobs.services import job_retry

    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    from faceadmin.faceapi.models import ProviderCallStat

    before = ProviderCallStat.objects.filter(
        tenant=local_tenant, operation="POST /detect"
    ).values_list("calls", flat=True)
    detects_before = sum(before)
    job_retry(job=job, user=local_members["operator"])
    run_jobs()
    after = sum(
        ProviderCallStat.objects.filter(tenant=local_tenant, operation="POST /detect").values_list(
            "calls", flat=True
        )
    )
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert after == detects_before  # every faceId reused, nothing detected again


@pytest.mark.parametrize(
    ("impostor", "target", "want"),
    [
        ([0.1] * 299, 0.01, None),  # 299 < 3 / 1 %
        ([0.1] * 297 + [0.4, 0.6, 0.7], 0.01, 0.101),  # 3 of 300 may pass: above the 4th
        ([0.1] * 296 + [0.3, 0.4, 0.6, 0.7], 0.01, 0.301),
        ([i / 1000 for i in range(300)], 0.01, 0.297),
    ],
)
def test_recommended_threshold(impostor: list[float], target: float, want: float | None) -> None:
    assert calibration.recommended_threshold(impostor, target) == want
