from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.types import TrainingStatus
from faceadmin.faceapi.services import client_for
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA


def photo(path: str) -> bytes:
    return (DATA / path).read_bytes()


@pytest.fixture(scope="session")
def photo_server() -> Iterator[str]:
    """Serve tests/data over real HTTP on loopback, for the add-face and detect by URL calls."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def client(local_tenant: Tenant) -> AzureFaceClient:
    """The dashboard's own client for the embedded engine (in-process transport)."""
    return client_for(local_tenant)


def wait_for_training(get: Callable[[], TrainingStatus], timeout: float = 60) -> TrainingStatus:
    deadline = time.monotonic() + timeout
    while True:
        status = get()
        if status.is_finished or time.monotonic() > deadline:
            return status
        time.sleep(0.2)
