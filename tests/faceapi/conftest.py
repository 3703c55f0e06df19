"""Fixtures for the faceapi client tests: a transport that never really sleeps, and
`responses` standing in for a remote Azure endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.transport import HttpTransport

from .support import BASE_URL, PRIMARY, SleepRecorder


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_transport(sleeps: SleepRecorder) -> Callable[..., HttpTransport]:
    """HttpTransport(BASE_URL, PRIMARY) that records its sleeps; options override."""

    def factory(**options: Any) -> HttpTransport:
        options.setdefault("sleep", sleeps)
        base_url = options.pop("base_url", BASE_URL)
        primary_key = options.pop("primary_key", PRIMARY)
        return HttpTransport(base_url, primary_key, **options)

    return factory


@pytest.fixture
def client(make_transport: Callable[..., HttpTransport]) -> AzureFaceClient:
    return AzureFaceClient(make_transport())


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps
