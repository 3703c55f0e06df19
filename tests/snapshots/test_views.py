"""Snapshot and operation pages against the embedded engine (pytest-django's Client).
Skipped only while the engine answers 404 on /snapshots."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from faceadmin.faceapi.models import SnapshotOperation
from faceadmin.faceapi.snapshots import snapshot_get, tenant_subscription_id
from faceadmin.tenants.models import Membership, Role, Tenant

from .conftest import HTMX, POLLING, engine_jobs_end, finished

pytestmark = pytest.mark.django_db(transaction=True)
TAKE = "/t/local/collections/persongroups/staff/snapshot/"


def follow(client: Any, url: str) -> str:
    """Poll an operation's fragment the way htmx does, until it stops asking."""
    html = client.get(url, **HTMX).content.decode()
    deadline = time.monotonic() + 120
    while POLLING in html:
        assert time.monotonic() < deadline, "the operation did not end within 120 s"
        time.sleep(0.3)
        html = client.get(url, **HTMX).content.decode()
    engine_jobs_end()
    return html


def status_of(html: str) -> str:
    match = re.search(r'data-testid="operation-status">(?:<span[^>]*></span> )?([a-z ]+)<', html)
    assert match, html
    return match.group(1)


def take_through_the_page(client: Any, **data: str) -> SnapshotOperation:
    response = client.post(TAKE, {"own_account": "on", **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    operation = SnapshotOperation.objects.get()
    assert response["Location"] == operation.url
    return operation


def test_an_admin_takes_a_snapshot_and_the_page_follows_it_until_it_is_done(
    trained_group: str, local_client_as: Any, local_tenant: Tenant
) -> None:
    admin = local_client_as("admin")
    own_id = tenant_subscription_id(tenant=local_tenant)
    group_page = admin.get("/t/local/collections/persongroups/staff/").content.decode()
    assert TAKE in group_page  # the "Take snapshot" button
    form = admin.get(TAKE).content.decode()
    assert own_id and own_id in form and 'name="own_id"' not in form

    operation = take_through_the_page(admin, user_data="nightly")
    page = admin.get(operation.url).content.decode()
    assert "Snapshot of person group staff" in page
    if status_of(page) in ("not started", "running"):
        assert POLLING in page
    final = follow(admin, operation.url)
    assert status_of(final) == "succeeded"
    operation.refresh_from_db()
    assert f'href="/t/local/snapshots/{operation.snapshot_id}/"' in final
    assert "Open the snapshot" in final

    snapshot = admin.get(f"/t/local/snapshots/{operation.snapshot_id}/").content.decode()
    assert 'data-testid="snapshot-type">PersonGroup<' in snapshot
    assert re.search(r'data-testid="expires-in">4[78] h', snapshot)
    assert "this tenant" in snapshot and "nightly" in snapshot


def test_viewers_see_snapshots_and_operations_but_no_actions(
    trained_group: str, local_client_as: Any, local_tenant: Tenant, local_members: Any
) -> None:
    operation = take_through_the_page(local_client_as("admin"))
    viewer = local_client_as("viewer")
    page = viewer.get("/t/local/snapshots/").content.decode()
    assert "Recent operations" in page and operation.operation_id in page
    finished(operation)
    page = viewer.get("/t/local/snapshots/").content.decode()
    operation.refresh_from_db()
    assert operation.snapshot_id in page
    assert "Apply…" not in page and "Delete…" not in page and "Edit<" not in page
    detail = viewer.get(f"/t/local/snapshots/{operation.snapshot_id}/").content.decode()
    assert "apply-form" not in detail and "edit-form" not in detail
    assert TAKE not in viewer.get("/t/local/collections/persongroups/staff/").content.decode()
    assert viewer.get(TAKE).status_code == 403
    assert viewer.post(f"/t/local/snapshots/{operation.snapshot_id}/delete/").status_code == 403


def test_the_operations_panel_polls_while_one_runs_and_stops_when_none_does(
    trained_group: str, local_client_as: Any
) -> None:
    admin = local_client_as("admin")
    empty = admin.get("/t/local/operations/", **HTMX).content.decode()
    assert "No snapshot operations" in empty and POLLING not in empty
    operation = take_through_the_page(admin)
    panel = admin.get("/t/local/operations/", **HTMX).content.decode()
    assert "<html" not in panel and 'id="operations-panel"' in panel
    operation.refresh_from_db()
    assert (POLLING in panel) == operation.is_running
    final = follow(admin, "/t/local/operations/")
    assert status_of(final) == "succeeded" and 'data-running="no"' in final
    # The poll that saw the end tells the page, and the snapshots table reloads itself.
    ended = admin.get("/t/local/operations/", **HTMX)
    assert ended["HX-Trigger"] == "operations-ended"
    table = admin.get("/t/local/snapshots/", **HTMX).content.decode()
    operation.refresh_from_db()
    assert 'id="snapshots-table"' in table
    assert f'data-snapshot="{operation.snapshot_id}"' in table and "<html" not in table


def test_apply_to_a_new_id_from_the_snapshot_page_makes_the_same_group(
    trained_group: str, local_client_as: Any
) -> None:
    admin = local_client_as("admin")
    snapshot_id = finished(take_through_the_page(admin)).snapshot_id
    url = f"/t/local/snapshots/{snapshot_id}/apply/"

    bad = admin.post(url, {"target": "local", "collection_id": "Staff Copy!"}, **HTMX)
    assert bad.status_code == 400
    assert 'value="Staff Copy!"' in bad.content.decode() and "<html" not in bad.content.decode()

    response = admin.post(url, {"target": "local", "collection_id": "staff-copy"}, **HTMX)
    operation = SnapshotOperation.objects.get(kind="apply")
    assert response["HX-Redirect"] == operation.url
    final = follow(admin, operation.url)
    assert status_of(final) == "succeeded"
    assert 'href="/t/local/collections/persongroups/staff-copy/"' in final
    group = admin.get("/t/local/collections/persongroups/staff-copy/").content.decode()
    assert "Barack Obama" in group and "Kit Harington" in group


def test_a_refused_apply_shows_the_providers_code_and_keeps_the_form(
    trained_group: str, local_client_as: Any
) -> None:
    admin = local_client_as("admin")
    snapshot_id = finished(take_through_the_page(admin)).snapshot_id
    response = admin.post(
        f"/t/local/snapshots/{snapshot_id}/apply/",
        {"target": "local", "collection_id": "staff"},  # exists already
        **HTMX,
    )
    if response.status_code == 409:  # refused at once
        page = response.content.decode()
        assert "api-error" in page and 'value="staff"' in page
    else:  # or accepted and then failed
        final = follow(admin, SnapshotOperation.objects.get(kind="apply").url)
        assert status_of(final) == "failed"


def test_edit_keeps_what_was_typed_on_error_and_saves_scope_and_user_data(
    trained_group: str, local_client_as: Any, local_tenant: Tenant, second_tenant: Tenant
) -> None:
    admin = local_client_as("admin")
    snapshot_id = finished(take_through_the_page(admin)).snapshot_id
    url = f"/t/local/snapshots/{snapshot_id}/edit/"
    own_id = tenant_subscription_id(tenant=local_tenant) or ""
    other_id = tenant_subscription_id(tenant=second_tenant) or ""

    bad = admin.post(url, {"apply_scope": f"{own_id}\nnot-an-id", "user_data": "kept"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "not-an-id" in page and "kept" in page and "Not a subscription id" in page

    saved = admin.post(url, {"apply_scope": f"{own_id}, {other_id.upper()}", "user_data": "v2"})
    assert saved.status_code == 302
    row = snapshot_get(tenant=local_tenant, snapshot_id=snapshot_id)
    assert [s.lower() for s in row.snapshot.apply_scope] == [own_id, other_id]
    assert row.snapshot.user_data == "v2"


def test_delete_asks_first_then_removes_the_snapshot(
    trained_group: str, local_client_as: Any
) -> None:
    admin = local_client_as("admin")
    snapshot_id = finished(take_through_the_page(admin)).snapshot_id
    url = f"/t/local/snapshots/{snapshot_id}/delete/"
    confirm = admin.get(url).content.decode()
    assert "cannot be undone" in confirm and snapshot_id in confirm
    response = admin.post(url)
    assert response.status_code == 302 and response["Location"] == "/t/local/snapshots/"
    listing = admin.get("/t/local/snapshots/").content.decode()
    assert f"Snapshot {snapshot_id} was deleted." in listing
    assert f'data-snapshot="{snapshot_id}"' not in listing
    gone = admin.get(f"/t/local/snapshots/{snapshot_id}/")
    assert gone.status_code == 404 and "api-error" in gone.content.decode()


def test_an_admin_of_both_tenants_applies_into_the_other_with_its_key(
    trained_group: str, local_client_as: Any, local_tenant: Tenant, second_tenant: Tenant
) -> None:
    admin = local_client_as("admin")
    own_id = tenant_subscription_id(tenant=local_tenant) or ""
    other_id = tenant_subscription_id(tenant=second_tenant) or ""
    operation = take_through_the_page(admin, other_ids=other_id)
    snapshot_id = finished(operation).snapshot_id
    page = admin.get(f"/t/local/snapshots/{snapshot_id}/").content.decode()
    assert '<option value="second"' in page

    response = admin.post(
        f"/t/local/snapshots/{snapshot_id}/apply/",
        {"target": "second", "collection_id": "staff"},
    )
    applied = SnapshotOperation.objects.get(kind="apply")
    assert applied.tenant == second_tenant
    assert response["Location"] == f"/t/second/operations/{applied.operation_id}/"
    assert status_of(follow(admin, response["Location"])) == "succeeded"
    group = admin.get("/t/second/collections/persongroups/staff/").content.decode()
    assert "Barack Obama" in group and "Kit Harington" in group
    # The operation is the second tenant's: the first does not list it.
    assert admin.get(f"/t/local/operations/{applied.operation_id}/").status_code == 404
    assert own_id != other_id


def test_a_tenant_where_the_user_is_not_admin_is_not_a_target(
    trained_group: str, local_client_as: Any, local_members: Any, second_tenant: Tenant
) -> None:
    Membership.objects.filter(tenant=second_tenant).update(role=Role.VIEWER)
    admin = local_client_as("admin")
    other_id = tenant_subscription_id(tenant=second_tenant) or ""
    snapshot_id = finished(take_through_the_page(admin, other_ids=other_id)).snapshot_id
    page = admin.get(f"/t/local/snapshots/{snapshot_id}/").content.decode()
    assert '<option value="second"' not in page
    response = admin.post(
        f"/t/local/snapshots/{snapshot_id}/apply/", {"target": "second", "collection_id": "x"}
    )
    assert response.status_code == 400
    assert not SnapshotOperation.objects.filter(kind="apply").exists()
