"""Training: the panel polls every 2 s while training runs and stops by itself."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant

from .conftest import enroll

PG = CollectionKind.PERSON_GROUP
URL = "/t/local/collections/persongroups/staff/"
HTMX = {"HTTP_HX_REQUEST": "true"}
POLLING = 'hx-trigger="every 2s"'


def poll_until_finished(client: Any, url: str, html: str) -> str:
    deadline = time.monotonic() + 120
    while POLLING in html and time.monotonic() < deadline:
        time.sleep(0.3)
        html = client.get(url, **HTMX).content.decode()
    return html


def status_of(html: str) -> str:
    match = re.search(r'data-testid="training-status">(?:<span[^>]*></span> )?([a-z ]+)<', html)
    assert match, html
    return match.group(1)


@pytest.mark.django_db
def test_a_group_never_trained_says_so_and_does_not_poll(local_client_as: Any, group: str) -> None:
    html = local_client_as("viewer").get(URL + "training/", **HTMX).content.decode()
    assert status_of(html) == "never trained"
    assert POLLING not in html
    assert "/train/" not in html  # viewers get no Train button


@pytest.mark.django_db(transaction=True)
def test_training_is_polled_until_it_succeeds_and_then_the_polling_stops(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    enroll(local_tenant, operator, group, "Barack", "enroll/barack_obama/1.jpg")
    enroll(local_tenant, operator, group, "Kit", "enroll/kit_harington/1.jpg")
    client = local_client_as("operator")
    before = client.get(URL + "training/", **HTMX).content.decode()
    assert "needs training" in before
    started = client.post(URL + "train/", **HTMX)
    assert started.status_code == 200
    html = started.content.decode()
    if status_of(html) in ("not started", "running"):
        assert POLLING in html  # keeps asking while it runs
    final = poll_until_finished(client, URL + "training/", html)
    assert status_of(final) == "succeeded"
    assert POLLING not in final
    assert "needs training" not in final
    assert "Last successful training" in final and "never</dd>" not in final
    assert re.search(r"<dt>Duration</dt><dd>[\d.]+ s", final)


@pytest.mark.django_db(transaction=True)
def test_a_change_after_training_shows_needs_training(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    enroll(local_tenant, operator, group, "Barack", "enroll/barack_obama/1.jpg")
    client = local_client_as("operator")
    final = poll_until_finished(
        client, URL + "training/", client.post(URL + "train/", **HTMX).content.decode()
    )
    assert status_of(final) == "succeeded" and "needs training" not in final
    services.person_create(
        tenant=local_tenant, user=operator, kind=PG, group_id=group, name="New hire"
    )
    badge = client.get(URL + "training/badge/", **HTMX).content.decode()
    assert "succeeded" in badge and "needs training" in badge and POLLING not in badge


@pytest.mark.django_db
def test_training_an_empty_or_missing_group_shows_the_provider_error(
    local_client_as: Any,
) -> None:
    response = local_client_as("operator").post(
        "/t/local/collections/persongroups/ghost/train/", **HTMX
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert "PersonGroupNotFound" in html and POLLING not in html


@pytest.mark.django_db
def test_a_plain_post_starts_training_and_redirects(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    enroll(local_tenant, operator, group, "Barack", "enroll/barack_obama/1.jpg")
    response = local_client_as("operator").post(URL + "train/")
    assert response.status_code == 302 and response["Location"] == URL


@pytest.mark.django_db
def test_viewers_cannot_train_and_face_lists_have_no_training(
    local_client_as: Any, group: str, face_list: str
) -> None:
    assert local_client_as("viewer").post(URL + "train/").status_code == 403
    assert (
        local_client_as("operator")
        .post("/t/local/collections/facelists/visitors/train/")
        .status_code
        == 404
    )
