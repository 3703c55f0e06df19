"""Collection pages through the Django test client, against the embedded engine."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import AuditEvent, Tenant

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def create(client: Client, **fields: str) -> Any:
    data = {
        "kind": "persongroups",
        "collection_id": "staff",
        "name": "Staff",
        "recognition_model": "recognition_04",
        "user_data": "",
    } | fields
    return client.post("/t/local/collections/new/", data, **{})


def test_an_operator_creates_a_group_with_the_chosen_model(local_client_as: Any) -> None:
    client = local_client_as("operator")
    response = create(client, user_data='{"site": "HQ"}', recognition_model="recognition_03")
    assert response.status_code == 302
    assert response["Location"] == "/t/local/collections/persongroups/staff/"
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Staff</h1>" in page
    assert 'data-testid="recognition-model">recognition_03<' in page
    assert "&quot;site&quot;: &quot;HQ&quot;" in page


def test_the_create_form_defaults_to_recognition_04_and_says_why(local_client_as: Any) -> None:
    page = local_client_as("operator").get("/t/local/collections/new/").content.decode()
    assert '<option value="recognition_04" selected>' in page
    assert "most accurate" in page


def test_it_shows_the_provider_code_and_keeps_the_typed_name_when_the_group_exists(
    local_client_as: Any, group: str
) -> None:
    response = create(local_client_as("operator"), name="Typed by hand", user_data='{"a": 1}')
    assert response.status_code == 409
    page = response.content.decode()
    assert "PersonGroupExists" in page
    assert 'value="Typed by hand"' in page
    assert "{&quot;a&quot;: 1}" in page  # the userData textarea kept its text
    assert AuditEvent.objects.filter(action="collection.create", outcome="PersonGroupExists")


def test_with_htmx_the_error_comes_back_as_the_form_fragment(
    local_client_as: Any, group: str
) -> None:
    client = local_client_as("operator")
    data = {
        "kind": "persongroups",
        "collection_id": "staff",
        "name": "Again",
        "recognition_model": "recognition_04",
    }
    response = client.post("/t/local/collections/new/", data, **HTMX)
    assert response.status_code == 409
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<form id="collection-form"')
    assert "PersonGroupExists" in fragment and 'value="Again"' in fragment


def test_with_htmx_a_created_group_redirects_the_client(local_client_as: Any) -> None:
    data = {
        "kind": "facelists",
        "collection_id": "visitors",
        "name": "Visitors",
        "recognition_model": "recognition_04",
    }
    response = local_client_as("operator").post("/t/local/collections/new/", data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/t/local/collections/facelists/visitors/"


@pytest.mark.parametrize(
    ("user_data", "message"),
    [("not json", "must be valid JSON"), ('"' + "x" * 16_400 + '"', "the limit is 16,384 bytes")],
)
def test_it_refuses_user_data_that_is_not_json_or_too_long(
    local_client_as: Any, user_data: str, message: str
) -> None:
    response = create(local_client_as("operator"), user_data=user_data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_refuses_an_id_the_api_would_refuse(local_client_as: Any) -> None:
    response = create(local_client_as("operator"), collection_id="Has Spaces")
    assert response.status_code == 400
    assert "lower-case letters" in response.content.decode()


def test_the_index_shows_each_kind_on_its_tab_with_an_empty_state(
    local_client_as: Any, group: str, face_list: str
) -> None:
    client = local_client_as("viewer")
    groups = client.get("/t/local/collections/").content.decode()
    assert "/t/local/collections/persongroups/staff/" in groups
    assert "recognition_04" in groups
    lists = client.get("/t/local/collections/?kind=facelists").content.decode()
    assert "/t/local/collections/facelists/visitors/" in lists
    client_op = local_client_as("operator")
    services.collection_delete(
        tenant=Tenant.objects.get(slug="local"),
        user=None,
        kind=CollectionKind.FACE_LIST,
        collection_id="visitors",
    )
    empty = client_op.get("/t/local/collections/?kind=facelists").content.decode()
    assert "No face lists yet." in empty and "Create the first one" in empty
    assert (
        "An operator or admin can create one."
        in client.get("/t/local/collections/?kind=facelists").content.decode()
    )


def test_an_admin_renames_a_group_and_edits_its_user_data(
    local_client_as: Any, group: str, local_tenant: Tenant
) -> None:
    client = local_client_as("operator")
    form = client.get("/t/local/collections/persongroups/staff/edit/").content.decode()
    assert 'value="Staff"' in form
    response = client.post(
        "/t/local/collections/persongroups/staff/edit/",
        {"name": "Staff 2026", "user_data": '{"floor": 3}'},
    )
    assert response.status_code == 302
    staff = services.collection_get(
        tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, collection_id="staff"
    )
    assert (staff.name, staff.user_data) == ("Staff 2026", '{"floor": 3}')


def test_an_edit_of_a_missing_group_shows_the_provider_error_and_keeps_the_input(
    local_client_as: Any,
) -> None:
    response = local_client_as("operator").post(
        "/t/local/collections/persongroups/ghost/edit/", {"name": "Kept name", "user_data": ""}
    )
    assert response.status_code == 404
    page = response.content.decode()
    assert "PersonGroupNotFound" in page and 'value="Kept name"' in page


def test_the_delete_step_names_what_will_be_lost(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    from .conftest import enroll

    enroll(
        local_tenant,
        operator,
        group,
        "Barack",
        "enroll/barack_obama/1.jpg",
        "enroll/barack_obama/2.jpg",
    )
    enroll(local_tenant, operator, group, "Kit")
    page = (
        local_client_as("admin")
        .get("/t/local/collections/persongroups/staff/delete/")
        .content.decode()
    )
    assert "<strong>2</strong> persons" in page
    assert "<strong>2</strong> enrolled faces" in page
    assert "<strong>2</strong> photos kept by faceadmin" in page


def test_only_admins_delete_collections(local_client_as: Any, group: str) -> None:
    url = "/t/local/collections/persongroups/staff/delete/"
    assert local_client_as("operator").post(url).status_code == 403
    assert local_client_as("viewer").get(url).status_code == 403
    response = local_client_as("admin").post(url)
    assert response.status_code == 302
    assert response["Location"] == "/t/local/collections/?kind=persongroups"


def test_viewers_see_pages_without_the_forms_that_change_things(
    local_client_as: Any, group: str
) -> None:
    client = local_client_as("viewer")
    page = client.get("/t/local/collections/persongroups/staff/").content.decode()
    assert "Add a person" not in page and "Delete…" not in page
    assert "An operator can add persons" in page
    assert client.post("/t/local/collections/new/", {}).status_code == 403
    assert client.post("/t/local/collections/persongroups/staff/persons/new/").status_code == 403


def test_the_overview_counts_each_kind(local_client_as: Any, group: str, face_list: str) -> None:
    html = local_client_as("viewer").get("/t/local/overview/collections/").content.decode()
    assert 'data-testid="count-persongroups"' in html
    counts = html.split('data-testid="count-persongroups"')[1]
    assert '<span class="stat">1</span>' in counts.split("</a>")[0]
    assert "/t/local/collections/persongroups/staff/training/badge/" in html


def test_the_tenant_home_loads_the_overview_with_htmx(local_client_as: Any) -> None:
    html = local_client_as("viewer").get("/t/local/").content.decode()
    assert 'hx-get="/t/local/overview/collections/"' in html
