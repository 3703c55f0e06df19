"""The client covers the whole contract: every operation of endpoints.json has a method, and
calling it with the contract example's arguments sends what the example shows.

Everything is derived from the contract files: the method from the SDK method name
(`face.identify` → `identify`; the four collection kinds share their methods, the kind the
first argument: `large_person_group_person.create` → `person_create(LARGE_PERSON_GROUP, ...)`),
the keyword arguments from the example's parameters, the canned answer from the example's
response.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import responses

from faceadmin.clients.azure import ENDPOINTS, AzureFaceClient
from faceadmin.clients.types import CollectionKind, FaceRectangle

from .support import BASE_URL, contract_endpoints, example, example_answer

IMAGE = b"\xff\xd8\xff\xe0 not really a jpeg"
# Example parameters that are not arguments of the call.
NOT_ARGUMENTS = {"Endpoint", "Ocp-Apim-Subscription-Key", "Content-Type"}
ROWS = contract_endpoints()


KIND_GROUPS = {
    "person_group": CollectionKind.PERSON_GROUP,
    "large_person_group": CollectionKind.LARGE_PERSON_GROUP,
    "face_list": CollectionKind.FACE_LIST,
    "large_face_list": CollectionKind.LARGE_FACE_LIST,
}
COLLECTION_ACTIONS = {"train": "train", "get_training_status": "training_status"}
ID_ARGUMENTS = {"person_group_id", "large_person_group_id", "face_list_id", "large_face_list_id"}


def method_of(row: dict[str, Any]) -> tuple[str, CollectionKind | None]:
    """The client method for the SDK method, and the collection kind it is called with."""
    group, action = row["sdk_method"].split(".")
    if group == "face":
        return action, None
    if group == "snapshot":
        return f"snapshot_{action}", None
    if group.endswith("_person"):
        return f"person_{action}", KIND_GROUPS[group.removesuffix("_person")]
    if action in ("create", "delete", "get", "update", "list"):
        return f"collection_{action}", KIND_GROUPS[group]
    return COLLECTION_ACTIONS.get(action, action), KIND_GROUPS[group]


def method_name(row: dict[str, Any]) -> str:
    return method_of(row)[0]


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def call_arguments(row: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the client method, read off the operation's example."""
    arguments: dict[str, Any] = {}
    for name, value in example(row["operationId"])["parameters"].items():
        if name in NOT_ARGUMENTS:
            continue
        if name == "body":
            for field, field_value in value.items():
                arguments[snake(field)] = field_value
        elif name == "Image":
            arguments["image"] = IMAGE
        elif name == "ImageUrl":
            arguments["url"] = value["url"]
        elif name == "targetFace":
            left, top, width, height = value
            arguments["target_face"] = FaceRectangle(left, top, width, height)
        else:
            arguments[snake(name)] = value
    if "type" in arguments:  # the snapshot's collection type
        arguments["kind"] = CollectionKind(arguments.pop("type"))
    if method_of(row)[1] is not None:  # a collection's own id is `collection_id`
        for name in ID_ARGUMENTS & arguments.keys():
            arguments["collection_id"] = arguments.pop(name)
    return arguments


def expected_query(row: dict[str, Any]) -> dict[str, str]:
    params = example(row["operationId"])["parameters"]
    path_names = set(re.findall(r"\{(\w+)\}", row["path"]))
    query: dict[str, str] = {}
    for name, value in params.items():
        if name in NOT_ARGUMENTS | path_names | {"body", "Image", "ImageUrl"}:
            continue
        if isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, list):
            query[name] = ",".join(str(item) for item in value)
        else:
            query[name] = str(value)
    return query


def expected_path(row: dict[str, Any]) -> str:
    params = example(row["operationId"])["parameters"]
    path = re.sub(r"\{(\w+)\}", lambda m: quote(str(params[m.group(1)]), safe=""), row["path"])
    return urlsplit(BASE_URL).path + path


def expected_body(row: dict[str, Any]) -> Any:
    params = example(row["operationId"])["parameters"]
    if "Image" in params:
        return IMAGE
    if "ImageUrl" in params:
        return params["ImageUrl"]
    return params.get("body")


@pytest.fixture
def spied_client(
    client: AzureFaceClient, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[AzureFaceClient, list[str]]]:
    """The client, and the operationIds its methods passed to `_call`."""
    called: list[str] = []
    original = AzureFaceClient._call

    def spy(self: AzureFaceClient, operation_id: str, *args: Any, **kwargs: Any) -> Any:
        called.append(operation_id)
        return original(self, operation_id, *args, **kwargs)

    monkeypatch.setattr(AzureFaceClient, "_call", spy)
    yield client, called


def test_endpoints_table_matches_the_contract() -> None:
    ours = {(e.operation_id, e.method, e.path, e.success_status) for e in ENDPOINTS}
    contract = {(r["operationId"], r["method"], r["path"], r["success_status"]) for r in ROWS}

    assert len(ENDPOINTS) == len(ROWS) == 69
    assert ours == contract
    assert len({(e.method, e.path) for e in ENDPOINTS}) == 63


def test_only_posts_that_compute_are_retried_as_idempotent() -> None:
    retried_posts = {e.operation_id for e in ENDPOINTS if e.method == "POST" and e.idempotent}

    assert retried_posts == {
        "Face_DetectWithStream",
        "Face_DetectWithUrl",
        "Face_FindSimilar",
        "Face_Group",
        "Face_Identify",
        "Face_VerifyFaceToFace",
        "Face_VerifyFaceToPerson",
    }
    assert all(e.idempotent for e in ENDPOINTS if e.method != "POST")


def test_every_public_method_is_an_operation_or_a_pager() -> None:
    public = {
        name
        for name in dir(AzureFaceClient)
        if not name.startswith("_") and callable(getattr(AzureFaceClient, name))
    }
    operations = {method_name(row) for row in ROWS}

    assert operations <= public
    assert {name for name in public - operations if not name.startswith("iter_")} == {
        "for_endpoint"
    }


@pytest.mark.parametrize("row", ROWS, ids=[r["operationId"] for r in ROWS])
def test_each_operation_is_sent_as_the_contract_example_shows(
    row: dict[str, Any],
    spied_client: tuple[AzureFaceClient, list[str]],
    mocked: responses.RequestsMock,
) -> None:
    client, called = spied_client
    status, answer = example_answer(row["operationId"])
    assert status == row["success_status"]
    mocked.add(
        row["method"],
        urlsplit(BASE_URL)._replace(path=expected_path(row)).geturl(),
        status=status,
        body=json.dumps(answer["body"]) if "body" in answer else "",
        headers=answer.get("header", {}),
        content_type="application/json",
    )

    name, kind = method_of(row)
    method = getattr(client, name)
    arguments = call_arguments(row)
    result = method(kind, **arguments) if kind is not None else method(**arguments)

    assert called == [row["operationId"]]
    (call,) = mocked.calls
    request = call.request
    sent = urlsplit(request.url)
    assert request.method == row["method"]
    assert sent.path == expected_path(row)
    assert expected_query(row).items() <= dict(parse_qsl(sent.query)).items()
    content_type = request.headers.get("Content-Type")
    if row["request_content_type"] is None:
        assert content_type is None
    else:
        assert content_type.split(";")[0] == row["request_content_type"]
    body = expected_body(row)
    if isinstance(body, bytes):
        assert request.body == body
    elif body is not None:
        assert json.loads(request.body) == body
    else:
        assert not request.body
    if "body" in answer or "header" in answer:
        assert result is not None
        assert result != []
    else:
        assert result is None
