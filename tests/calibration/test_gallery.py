"""Calibration of a FindFace gallery on this server's facade: the job's numbers against a
direct computation on FindFace's own face crops (the images the job sends)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.embedded import embedded_session
from faceadmin.engine.findface.faces import confidence
from faceadmin.engine.recognition.detection import detect_faces
from faceadmin.engine.recognition.images import decode_image
from faceadmin.faceapi import calibration_gallery as cg
from faceadmin.faceapi.connection import findface_client_for
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import Tenant
from tests.findface.conftest import ff_client_as, ff_key, ff_members, ff_tenant  # noqa: F401

DATA = Path(__file__).resolve().parent.parent / "data"
PEOPLE = {
    "Barack Obama": ("enroll/barack_obama/1.jpg", "enroll/barack_obama/2.jpg"),
    "Joe Biden": ("enroll/joe_biden/1.jpg", "enroll/joe_biden/2.jpg"),
    "Kit Harington": ("enroll/kit_harington/1.jpg", "enroll/kit_harington/2.jpg"),
    "Rose Leslie": ("enroll/rose_leslie/1.jpg", "enroll/rose_leslie/2.jpg"),
    # One face only: no genuine pair, so left out of the sample.
    "Alex Lacamoire": ("enroll/alex_lacamoire/1.jpg",),
}


@pytest.fixture
def staff(ff_tenant: Tenant) -> dict[int, str]:  # noqa: F811
    """Gallery "staff" with the people above (meta = name), and one face without a meta."""
    client = findface_client_for(ff_tenant)
    client.gallery_create(name="staff")
    faces: dict[int, str] = {}
    for name, paths in PEOPLE.items():
        for path in paths:
            created = client.face_create(
                photo=(DATA / path).read_bytes(), meta=name, galleries=["staff"]
            )
            faces[created[0].id] = name
    client.face_create(
        photo=(DATA / "probe/barack_obama.jpg").read_bytes(), meta="", galleries=["staff"]
    )
    return faces


def _direct(tenant: Tenant) -> dict[frozenset[int], tuple[bool, float]]:
    """Every pair of named faces, scored from descriptors of their crops, without the API."""
    session = embedded_session()
    vectors = {}
    for face in findface_client_for(tenant).iter_faces(gallery="staff"):
        if not face.meta or face.meta == "Alex Lacamoire":
            continue
        data = session.get(face.thumbnail or "", timeout=60).content
        found = detect_faces(decode_image(data))
        assert found and found[0].descriptor is not None
        best = max(found, key=lambda f: f.rect.width * f.rect.height)
        vectors[face.id] = (face.meta, best.descriptor)
    return {
        frozenset((a, b)): (ma == mb, confidence(va, vb))
        for (a, (ma, va)), (b, (mb, vb)) in itertools.combinations(vectors.items(), 2)
    }


def test_plan_groups_faces_by_meta(ff_tenant: Tenant, staff: dict[int, str]) -> None:  # noqa: F811
    plan = cg.gallery_calibration_plan(tenant=ff_tenant, gallery="staff")
    assert plan.listed == 10
    assert plan.metas_with_faces == 5
    assert plan.persons_used == 4
    assert len(plan.faces) == 8
    assert len(plan.genuine) == 4
    assert len(plan.impostor) == 8 * 7 // 2 - 4
    assert plan.calls == 1 + 28
    capped = cg.gallery_calibration_plan(tenant=ff_tenant, gallery="staff", sample=10)
    assert (len(capped.genuine), len(capped.impostor)) == (4, 6)
    assert capped.calls == 1 + 10


def test_gallery_job_matches_a_direct_computation(
    run_jobs: Any,
    ff_tenant: Tenant,  # noqa: F811
    ff_members: dict[str, Any],  # noqa: F811
    staff: dict[int, str],
) -> None:
    plan = cg.gallery_calibration_plan(tenant=ff_tenant, gallery="staff")
    job = cg.gallery_calibration_start(tenant=ff_tenant, user=ff_members["operator"], plan=plan)
    run_jobs()
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    result = job.result
    direct = _direct(ff_tenant)
    want_genuine = sorted(s for same, s in direct.values() if same)
    want_impostor = sorted(s for same, s in direct.values() if not same)
    assert result["counts"]["genuine"] == 4
    assert result["counts"]["impostor"] == 24
    assert sorted(result["genuine_scores"]) == pytest.approx(want_genuine, abs=2e-4)
    assert sorted(result["impostor_scores"]) == pytest.approx(want_impostor, abs=2e-4)
    curve = result["curve"]
    for t, fmr, fnmr in zip(curve["thresholds"], curve["fmr"], curve["fnmr"], strict=True):
        if any(abs(s - t) < 3e-4 for s in want_genuine + want_impostor):
            continue
        assert fmr == pytest.approx(sum(s >= t for s in want_impostor) / 24, abs=1e-5)
        assert fnmr == pytest.approx(sum(s < t for s in want_genuine) / 4, abs=1e-5)
    assert [r["threshold"] for r in result["recommendations"]] == [None, None, None]
    # FindFace's default (medium) marks the charts until the tenant saves its own.
    assert result["current_threshold"] == pytest.approx(0.6616)
    top = result["closest_impostors"][0]
    assert top["score"] == pytest.approx(want_impostor[-1], abs=2e-4)
    assert top["a"]["person"] != top["b"]["person"]
    assert top["a"]["person"] in PEOPLE
    assert top["a"]["thumb"].startswith("/findface/v1/thumbnails/")
    low = result["farthest_genuine"][0]
    assert low["score"] == pytest.approx(want_genuine[0], abs=2e-4)
    assert low["a"]["person"] == low["b"]["person"]


def test_gallery_page_shows_plan_and_result(
    run_jobs: Any,
    ff_tenant: Tenant,  # noqa: F811
    ff_client_as: Any,  # noqa: F811
    ff_members: dict[str, Any],  # noqa: F811
    staff: dict[int, str],
) -> None:
    client = ff_client_as("operator")
    url = f"/t/{ff_tenant.slug}/galleries/staff/calibration/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Same person = same meta" in body
    assert "Start calibration (29 calls)" in body
    started = client.post(url, {"sample": "100"})
    assert started.status_code == 302
    run_jobs()
    body = client.get(url).content.decode()
    assert 'data-testid="calibration-result"' in body
    assert "/findface/v1/thumbnails/" in body
    assert client.get(f"/t/{ff_tenant.slug}/jobs/{Job.objects.get().pk}/").status_code == 200


def test_closest_preset() -> None:
    assert cg.closest_preset(0.7)["name"] == "medium"
    assert cg.closest_preset(0.9)["name"] == "strict"
    assert cg.closest_preset(0.1)["name"] == "low"


def test_gallery_lookup_preselects_the_closest_preset(
    ff_tenant: Tenant,  # noqa: F811
    ff_client_as: Any,  # noqa: F811
) -> None:
    client = ff_client_as("operator")
    page = client.get(f"/t/{ff_tenant.slug}/lookup/").content.decode()
    assert 'value="medium" selected' in page
    ff_tenant.identify_threshold = 0.8
    ff_tenant.save(update_fields=["identify_threshold"])
    page = client.get(f"/t/{ff_tenant.slug}/lookup/").content.decode()
    assert 'value="strict" selected' in page
