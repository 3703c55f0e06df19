"""Shared fixtures: users of each role in a tenant, an outsider tenant, logged-in clients and
browser pages."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from faceadmin.tenants.models import Membership, Provider, Role, Tenant
from faceadmin.tenants.services import tenant_create

# The engine's core slots (engine/recognition/cores.py) are machine-wide: this run's own, so
# that another run or a server on the same machine does not change what the tests see (the
# processes a test starts inherit them).
os.environ["FACEADMIN_CORE_SLOTS"] = tempfile.mkdtemp(prefix="faceadmin-cores-tests-")

DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct horse battery staple"
PRIMARY_KEY = "pk-0123456789abcdef0123456789abcdef-PRIM"
SECONDARY_KEY = "sk-fedcba9876543210fedcba9876543210-SECO"


@pytest.fixture(scope="session", autouse=True)
def _clean_media_root() -> Iterator[None]:
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def make_user(username: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def tenant(db: None) -> Tenant:
    """A cloud tenant with both keys set (nothing here calls its endpoint)."""
    return tenant_create(
        name="Acme Azure",
        slug="acme",
        provider=Provider.AZURE,
        endpoint_url="https://acme.cognitiveservices.example",
        primary_key=PRIMARY_KEY,
        secondary_key=SECONDARY_KEY,
    )


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return tenant_create(
        name="Other Co",
        slug="other",
        provider=Provider.AZURE,
        endpoint_url="https://other.cognitiveservices.example",
        primary_key="other-key-0000",
    )


@pytest.fixture
def members(tenant: Tenant, other_tenant: Tenant) -> dict[str, Any]:
    """admin / operator / viewer of `tenant`, and `outsider`, an admin of `other_tenant` only."""
    users = {}
    for role in (Role.ADMIN, Role.OPERATOR, Role.VIEWER):
        user = make_user(str(role))
        Membership.objects.create(user=user, tenant=tenant, role=role)
        users[str(role)] = user
    outsider = make_user("outsider")
    Membership.objects.create(user=outsider, tenant=other_tenant, role=Role.ADMIN)
    users["outsider"] = outsider
    return users


@pytest.fixture
def client_as(members: dict[str, Any]) -> Any:
    def login(name: str) -> Client:
        client = Client()
        client.force_login(members[name])
        return client

    return login


# --- browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless, with the flags this closed network needs."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def logged_in_page(page: Any, live_server: Any) -> Any:
    """Return a function that logs a user in through the real login form."""

    def login(username: str, password: str = PASSWORD) -> Any:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        return page

    return login


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def local_tenant(db: None) -> Tenant:
    """A tenant on this server's embedded engine, with a real engine account and key."""
    from faceadmin.engine.accounts import account_create

    _, key = account_create(name="tests")
    return tenant_create(
        name="Local engine",
        slug="local",
        provider=Provider.EMBEDDED,
        endpoint_url="",
        primary_key=key,
    )


@pytest.fixture
def local_members(local_tenant: Tenant) -> dict[str, Any]:
    """admin / operator / viewer users of `local_tenant` (usernames local-admin, ...)."""
    users = {}
    for role in (Role.ADMIN, Role.OPERATOR, Role.VIEWER):
        user = make_user(f"local-{role}")
        Membership.objects.create(user=user, tenant=local_tenant, role=role)
        users[str(role)] = user
    return users


@pytest.fixture
def local_client_as(local_members: dict[str, Any]) -> Any:
    def login(role: str) -> Client:
        client = Client()
        client.force_login(local_members[role])
        return client

    return login


# --- jobs ------------------------------------------------------------------------------------


def drain_job_queue(max_tasks: int | None = None) -> None:
    """Run queued tasks with the real django-tasks-db worker (batch mode) until none is left.

    Needs a database the worker can commit to: use it from tests with `transactional_db`.
    """
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="pytest-worker",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def run_jobs(transactional_db: None) -> Any:
    return drain_job_queue


@pytest.fixture
def job_worker(transactional_db: None) -> Iterator[None]:
    """A worker for live-server tests: the real db_worker loop (batch runs) in a thread."""
    import threading

    from django.db import connections

    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                drain_job_queue()
                stop.wait(0.2)
        finally:
            connections.close_all()

    thread = threading.Thread(target=loop, name="test-job-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=300)
