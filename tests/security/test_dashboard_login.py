"""Threat: password guessing through the login form, and using it as a CPU flood (each
attempt hashes a password); logins nobody can account for afterwards."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, override_settings

from faceadmin.tenants.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting every hash it computes."""

    calls: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls.append("encode")
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.calls.append("verify")
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def counting_hasher() -> Any:
    CountingHasher.calls.clear()
    with override_settings(PASSWORD_HASHERS=[f"{__name__}.CountingHasher"]):
        yield CountingHasher.calls


def login(client: Client, username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_right_password_after_many_wrong_ones_is_refused(
    members: dict[str, Any], settings: Any
) -> None:
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [login(client, "admin", "wrong").status_code for _ in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]  # the failure that reaches the limit locks
    response = login(client, "admin", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Too many failed logins" in page and "Try again in 15 minutes" in page
    assert int(response["Retry-After"]) > 0


def test_a_locked_out_attempt_does_not_hash_a_password(
    members: dict[str, Any], settings: Any, counting_hasher: list[str]
) -> None:
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"guess-{i}", "wrong")
    counting_hasher.clear()
    for i in range(20):
        assert login(client, f"other-{i}", "wrong").status_code == 429
    assert login(client, "admin", PASSWORD).status_code == 429
    assert counting_hasher == []


def test_other_addresses_still_log_in(members: dict[str, Any], settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "admin", "wrong", ip="203.0.113.7")
    response = login(Client(), "admin", PASSWORD, ip="198.51.100.1")
    assert response.status_code == 302


def test_logins_failures_logouts_and_lockouts_are_audited(
    members: dict[str, Any], settings: Any
) -> None:
    client = Client()
    login(client, "admin", PASSWORD)
    client.post("/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        login(client, "admin", "wrong")
    actions = list(AuditEvent.objects.order_by("created_at").values_list("action", flat=True))
    auth = [a for a in actions if a.startswith("auth.")]
    # The lock is recorded while its last failure is; attempts refused during it are not.
    assert auth[:2] == ["auth.login", "auth.logout"]
    assert sorted(auth[2:]) == ["auth.locked", *["auth.login_failed"] * settings.AXES_FAILURE_LIMIT]
    failed = AuditEvent.objects.filter(action="auth.login_failed").first()
    assert failed is not None and failed.tenant is None
    assert (failed.target_id, failed.reason) == ("admin", "from 203.0.113.7")
    locked = AuditEvent.objects.get(action="auth.locked")
    assert locked.target_id == "203.0.113.7"


def test_staff_see_server_wide_auth_events(members: dict[str, Any]) -> None:
    from tests.conftest import make_user

    login(Client(), "nobody", "wrong")
    staff = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    page = client.get("/audit/?action=auth.").content.decode()
    assert "auth.login_failed" in page and "nobody" in page
    client.force_login(members["admin"])  # a tenant admin, not staff
    assert client.get("/audit/").status_code in (403, 302)


@override_settings(
    BEHIND_TLS_PROXY=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_behind_the_proxy_the_address_the_proxy_saw_counts(settings: Any) -> None:
    from django.test import RequestFactory

    from faceadmin.tenants.auth_audit import client_ip

    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9", REMOTE_ADDR="10.0.0.2"
    )
    assert client_ip(request) == "198.51.100.9"
