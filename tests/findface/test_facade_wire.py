"""The facade on the wire: paths and aliases of both versions, the four parameter encodings,
statuses and error bodies, thumbnails, and `manage.py engine createkey --api findface`."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from faceadmin.engine.findface.accounts import token_account_for_key

from .conftest import photo

OBAMA = "enroll/barack_obama/1.jpg"
PROBE = "probe/barack_obama.jpg"
OBAMA_BOX = {"x1": 349, "y1": 142, "x2": 618, "y2": 410}

pytestmark = pytest.mark.django_db


def upload(name: str) -> dict[str, Any]:
    return {"photo": (name.rsplit("/", 1)[-1], photo(name), "image/jpeg")}


def enroll(raw: Any, meta: str = "Barack Obama", **fields: str) -> dict[str, Any]:
    answer = raw("POST", "face/", files=upload(OBAMA), data={"meta": meta, **fields})
    assert answer.status_code == 200, answer.text
    face: dict[str, Any] = answer.json()["results"][0]
    return face


def test_a_face_has_the_contract_fields(raw: Any) -> None:
    face = enroll(raw)

    assert set(face) == {
        "id", "timestamp", "photo", "photo_hash", "thumbnail",
        "x1", "y1", "x2", "y2", "meta", "galleries",
    }  # fmt: skip
    assert isinstance(face["id"], int)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", face["timestamp"])
    assert re.fullmatch(r"[0-9a-f]{32}", face["photo_hash"])
    assert {k: face[k] for k in OBAMA_BOX} == OBAMA_BOX
    assert face["galleries"] == ["default"] and face["photo"] == "1.jpg"


def test_identify_keys_results_by_the_query_box_as_text(raw: Any) -> None:
    enroll(raw)

    answer = raw("POST", "identify/", json={"photo": None, "threshold": "low"}, files=None)
    assert answer.status_code == 400  # no photo: a BAD_PARAM naming it
    assert answer.json()["param"] == "photo"

    answer = raw("POST", "identify", files=upload(PROBE), data={"n": "3"})
    (key,) = answer.json()["results"]
    assert re.fullmatch(r"\[\d+, \d+, \d+, \d+\]", key)


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_both_spellings_of_the_face_paths_answer_on_both_versions(raw: Any, version: str) -> None:
    face = enroll(raw, meta="Sam Berry")
    raw("POST", "galleries/", json={"name": "ppl"}, version=version)
    raw("PUT", f"faces/id/{face['id']}/", json={"galleries": {"add": ["ppl"]}})

    for path in (
        f"face/id/{face['id']}",
        f"faces/id/{face['id']}/",
        "face/meta/Sam%20Berry/",
        "faces/meta/Sam%20Berry",
        "face/gallery/ppl/meta/Sam%20Berry/",
        "faces/gallery/ppl/",
        "meta/gallery/ppl/",
    ):
        answer = raw("GET", path, version=version)
        assert answer.status_code == 200, (path, answer.text)
    for path in ("face/gallery/ppl/identify", "faces/gallery/ppl/identify/"):
        answer = raw("POST", path, version=version, files=upload(PROBE))
        assert answer.status_code == 200, (path, answer.text)


def test_the_get_of_a_face_is_a_bare_object(raw: Any) -> None:
    face = enroll(raw)

    answer = raw("GET", f"faces/id/{face['id']}/")

    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == face


def test_both_gallery_create_forms_answer_201_with_the_name(raw: Any) -> None:
    cloud = raw("POST", "galleries/", json={"name": "gal1"})
    server = raw("POST", "galleries/testgal", version="v0")
    form = raw("POST", "galleries/", data={"name": "gal2"})
    query = raw("POST", "galleries/?name=gal3")

    assert [a.status_code for a in (cloud, server, form, query)] == [201] * 4
    assert server.json() == {"name": "testgal"}
    assert raw("GET", "galleries").json() == {
        "results": ["default", "gal1", "gal2", "gal3", "testgal"]
    }


def test_deletes_answer_204_with_an_empty_body(raw: Any) -> None:
    face = enroll(raw, meta="x")
    raw("POST", "galleries/", json={"name": "gone"})

    answers = [
        raw("DELETE", f"faces/id/{face['id']}/"),
        raw("DELETE", "faces/meta/x/"),
        raw("DELETE", "galleries/gone/"),
    ]

    assert [(a.status_code, a.content) for a in answers] == [(204, b"")] * 3


def test_parameters_may_come_as_form_fields_query_or_json_text(raw: Any) -> None:
    """Box lists as JSON text in a form; galleries as comma-joined text; a threshold in the
    query string of a multipart request."""
    raw("POST", "galleries/", json={"name": "a"})
    raw("POST", "galleries/", json={"name": "b"})

    created = raw(
        "POST",
        "face/",
        files=upload(OBAMA),
        data={"galleries": "a,b", "bbox": json.dumps([[349, 142, 618, 410]]), "meta": "m"},
    )
    found = raw("POST", "identify/?threshold=strict&n=2", files=upload(PROBE))

    face = created.json()["results"][0]
    assert face["galleries"] == ["default", "a", "b"]
    assert {k: face[k] for k in OBAMA_BOX} == OBAMA_BOX
    (matches,) = found.json()["results"].values()
    assert [m["face"]["id"] for m in matches] == [face["id"]]


def test_empty_strings_count_as_not_given(raw: Any) -> None:
    """The Go client sends `"mf_selector": ""` and `"threshold": ""` for unset values."""
    answer = raw(
        "POST",
        "verify/",
        files={"photo1": ("a.jpg", photo(OBAMA)), "photo2": ("b.jpg", photo(PROBE))},
        data={"mf_selector": "", "threshold": "", "bbox1": "", "bbox2": ""},
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["verified"] is True


def test_identify_takes_the_self_hosted_loose_box_fields(raw: Any) -> None:
    enroll(raw)

    answer = raw("POST", "identify/", files=upload(OBAMA), data=OBAMA_BOX)

    assert list(answer.json()["results"]) == ["[349, 142, 618, 410]"]


@pytest.mark.parametrize(
    ("path", "fields", "param"),
    [
        ("identify/", {"threshold": "very"}, "threshold"),
        ("identify/", {"n": "0"}, "n"),
        ("identify/", {"mf_selector": "some"}, "mf_selector"),
        ("face/", {"bbox": "[[1, 2]]"}, "bbox"),
        ("detect/", {"gender": "perhaps"}, "gender"),
    ],
)
def test_a_bad_parameter_is_named_in_a_bad_param_error(
    raw: Any, path: str, fields: dict[str, str], param: str
) -> None:
    answer = raw("POST", path, files=upload(OBAMA), data=fields)

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "BAD_PARAM" and body["param"] == param
    assert body["reason"] and "value" in body


def test_a_body_that_is_not_json_is_malformed_json(raw: Any) -> None:
    answer = raw(
        "POST", "identify/", data=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "MALFORMED_JSON"


def test_a_bad_gallery_name_is_refused(raw: Any) -> None:
    answer = raw("POST", "galleries/", json={"name": "no spaces"})

    assert answer.status_code == 400
    assert answer.json()["param"] == "name"


def test_unknown_paths_ids_and_methods_answer_in_json(raw: Any) -> None:
    nothing = raw("GET", "similar/")
    no_face = raw("GET", "faces/id/999999/")
    not_a_number = raw("GET", "faces/id/abc/")
    wrong_method = raw("GET", "detect/")

    assert (nothing.status_code, nothing.json()["code"]) == (404, "NOT_FOUND")
    assert (no_face.status_code, no_face.json()["code"]) == (404, "NOT_FOUND")
    assert not_a_number.status_code == 404
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "POST"


@pytest.mark.parametrize(
    "header", [None, "Token", "Bearer 0123", "Token 0123456789abcdef0123456789abcdef"]
)
def test_every_method_needs_the_token(raw: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    client = Client()

    answer = client.get("/findface/v1/galleries/", headers=headers)

    assert answer.status_code == 401
    assert answer.json()["code"] == "AUTH_FAILED"


def test_the_token_word_is_case_insensitive(ff_key: str) -> None:
    answer = Client().get("/findface/v1/galleries/", headers={"Authorization": f"token {ff_key}"})

    assert answer.status_code == 200


def test_a_thumbnail_url_serves_the_face_crop_without_the_token(raw: Any) -> None:
    face = enroll(raw)

    path = face["thumbnail"].removeprefix("http://embedded.invalid")
    answer = Client().get(path)
    missing = Client().get("/findface/v1/thumbnails/" + "0" * 32 + ".jpg")

    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer.content.startswith(b"\xff\xd8")
    assert missing.status_code == 404


def test_a_webp_photo_is_read(raw: Any) -> None:
    from PIL import Image

    webp = io.BytesIO()
    Image.open(io.BytesIO(photo(OBAMA))).save(webp, format="WEBP", quality=90)

    answer = raw("POST", "detect/", files={"photo": ("p.webp", webp.getvalue(), "image/webp")})

    assert answer.status_code == 200, answer.text
    assert len(answer.json()["faces"]) == 1


def test_createkey_with_api_findface_prints_a_working_token(db: None) -> None:
    out = io.StringIO()

    call_command("engine", "createkey", "--name", "cli", "--api", "findface", stdout=out)

    first, key = out.getvalue().strip().splitlines()
    account = token_account_for_key(key)
    assert account is not None and first == f"account {account.pk}"
    answer = Client().get("/findface/v0/galleries", headers={"Authorization": f"Token {key}"})
    assert answer.status_code == 200
