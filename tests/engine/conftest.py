"""Fixtures for the engine's HTTP tests: a live server, keys, the SDK, a photo server and
an enrolled "world" (a trained person group, a face list and detected probe faces).

Building the world costs ~30 detections, so it is built once per session through the
SDK and then snapshotted: every test that asks for it gets the same rows re-inserted into
its fresh database (the live server's tests are transactional and the database is emptied
after each), and the trained matrix files stay in the session's data directory.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.cognitiveservices.vision.face import FaceClient
from django.db import models
from django.test import override_settings
from django.utils import timezone
from msrest.authentication import CognitiveServicesCredentials

from faceadmin.engine.accounts import account_create
from faceadmin.engine.models import (
    Account,
    DetectedFace,
    FaceList,
    PersistedFace,
    Person,
    PersonGroup,
    Training,
)

DATA = Path(__file__).resolve().parent.parent / "data"
MANIFEST: dict[str, Any] = json.loads((DATA / "manifest.json").read_text())
ENROLL = {
    person.name: sorted(p.relative_to(DATA).as_posix() for p in person.glob("*.jpg"))
    for person in sorted((DATA / "enroll").iterdir())
}
INDEPENDENT_PROBES = {
    "probe/barack_obama.jpg": "barack_obama",
    "probe/barack_obama_2.jpg": "barack_obama",
    "probe/kit_harington.jpg": "kit_harington",
    "probe/alex_lacamoire.jpg": "alex_lacamoire",
}
MULTI = sorted(p.relative_to(DATA).as_posix() for p in (DATA / "multi").glob("*.jpg"))
KEY_HEADER = "Ocp-Apim-Subscription-Key"


def photo(path: str) -> bytes:
    return (DATA / path).read_bytes()


@pytest.fixture(scope="session", autouse=True)
def _engine_data_dir() -> Iterator[Path]:
    """Trained matrices go to a temporary directory, shared by the whole session.

    Not pytest's tmp_path_factory: pytest prunes old base directories, and another pytest
    session started meanwhile could remove this one under our feet.
    """
    path = Path(tempfile.mkdtemp(prefix="faceadmin-engine-tests-"))
    with override_settings(
        FACEADMIN_ENGINE_DATA_DIR=path, FACEADMIN_ENGINE_TRAINING_STALE_SECONDS=5.0
    ):
        yield path
    shutil.rmtree(path, ignore_errors=True)


# --- the photo server --------------------------------------------------------------------


class _PhotoHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, plus `/redirect/<path>` answering 302 to `/<path>`."""

    def do_GET(self) -> None:
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", "/" + self.path.removeprefix("/redirect/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def photo_server() -> Iterator[str]:
    """Serves tests/data over HTTP on 127.0.0.1, for the URL variants of detect/add-face."""
    handler = functools.partial(_PhotoHandler, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- keys, raw HTTP and the SDK ----------------------------------------------------------


@dataclass
class Api:
    """Raw HTTP to the engine, for wire-level checks."""

    base: str
    key: str
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        return f"{self.base}/face/v1.0/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {KEY_HEADER: self.key, **kwargs.pop("headers", {})}
        return self.session.request(method, self.url(path), headers=headers, timeout=60, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def error_code(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def engine_key(transactional_db: None) -> str:
    _, key = account_create(name="tests")
    return key


@pytest.fixture
def api(live_server: Any, engine_key: str) -> Iterator[Api]:
    # Clients are closed after each test: a keep-alive connection left open would be
    # served by a live-server thread until the session ends, after the server stopped
    # sharing the in-memory database with its threads.
    client = Api(live_server.url, engine_key)
    yield client
    client.session.close()


def sdk_client(base: str, key: str) -> FaceClient:
    return FaceClient(base, CognitiveServicesCredentials(key))


@pytest.fixture
def face_client(live_server: Any, engine_key: str) -> Iterator[FaceClient]:
    client = sdk_client(live_server.url, engine_key)
    yield client
    client.close()


def wait_for_training(client: FaceClient, group_id: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        status = client.person_group.get_training_status(group_id)
        if status.status in ("succeeded", "failed"):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"training of {group_id} did not finish: {status.status}")
        time.sleep(0.05)


# --- the enrolled world ------------------------------------------------------------------


@dataclass
class World:
    key: str
    group_id: str
    persons: dict[str, str]  # name -> personId
    face_list_id: str
    list_faces: dict[str, str]  # photo path -> persistedFaceId
    faces: dict[str, list[str]]  # photo path -> faceIds from detect, largest face first
    client: FaceClient | None = None
    api: Api | None = None


_SNAPSHOT_MODELS: list[type[models.Model]] = [
    Account,
    PersonGroup,
    Person,
    FaceList,
    PersistedFace,
    Training,
    DetectedFace,
]


def _rows_of(account: Account) -> dict[type[models.Model], list[models.Model]]:
    """Every engine row of `account`, in an order that bulk_create can insert."""
    querysets: dict[type[models.Model], Any] = {
        Account: Account.objects.filter(pk=account.pk),
        PersonGroup: PersonGroup.objects.filter(account=account),
        Person: Person.objects.filter(group__account=account),
        FaceList: FaceList.objects.filter(account=account),
        PersistedFace: PersistedFace.objects.filter(
            models.Q(person__group__account=account) | models.Q(face_list__account=account)
        ),
        Training: Training.objects.filter(group__account=account),
        DetectedFace: DetectedFace.objects.filter(account=account),
    }
    return {model: list(querysets[model]) for model in _SNAPSHOT_MODELS}


_snapshot: tuple[World, dict[type[models.Model], list[models.Model]]] | None = None


def _build_world(client: FaceClient, key: str, photo_base: str) -> World:
    group_id = "world"
    client.person_group.create(group_id, name="World", recognition_model="recognition_01")
    persons = {}
    for index, (name, photos) in enumerate(ENROLL.items()):
        person = client.person_group_person.create(group_id, name=name, user_data=f"#{index}")
        persons[name] = str(person.person_id)
        for number, path in enumerate(photos):
            if number == 0:
                with (DATA / path).open("rb") as handle:
                    client.person_group_person.add_face_from_stream(
                        group_id, person.person_id, handle
                    )
            else:
                client.person_group_person.add_face_from_url(
                    group_id, person.person_id, f"{photo_base}/{path}"
                )
    client.person_group.train(group_id)
    status = wait_for_training(client, group_id)
    assert status.status == "succeeded", status.message

    face_list_id = "world-list"
    client.face_list.create(face_list_id, name="World list")
    list_faces = {}
    for name, photos in ENROLL.items():
        path = photos[0]
        with (DATA / path).open("rb") as handle:
            added = client.face_list.add_face_from_stream(face_list_id, handle, user_data=name)
        list_faces[path] = str(added.persisted_face_id)

    faces = {}
    for path in [*INDEPENDENT_PROBES, *MULTI]:
        with (DATA / path).open("rb") as handle:
            detected = client.face.detect_with_stream(handle)
        faces[path] = [str(face.face_id) for face in detected]
    return World(key, group_id, persons, face_list_id, list_faces, faces)


@pytest.fixture
def world(live_server: Any, transactional_db: None, photo_server: str) -> Iterator[World]:
    """A trained group of the five enrolled people, a face list, and detected probe faces."""
    global _snapshot
    if _snapshot is None:
        account, key = account_create(name="world")
        builder = sdk_client(live_server.url, key)
        built = _build_world(builder, key, photo_server)
        builder.close()
        _snapshot = (built, _rows_of(account))
    else:
        built, rows = _snapshot
        fresh = timezone.now() + timedelta(hours=1)
        for model in _SNAPSHOT_MODELS:
            if model is DetectedFace:
                for face in rows[model]:
                    assert isinstance(face, DetectedFace)
                    face.expires_at = fresh
            model._default_manager.bulk_create(rows[model])
    client, api = sdk_client(live_server.url, built.key), Api(live_server.url, built.key)
    yield replace(built, client=client, api=api)
    client.close()
    api.session.close()
