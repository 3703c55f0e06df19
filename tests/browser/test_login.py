"""An operator's first minute: the login page, then the Local engine tenant page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_logs_in_and_lands_on_the_local_engine(
    live_server: Any, page: Any, logged_in_page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    password = re.search(r"password: (\S+)", out.getvalue())
    assert password

    page.goto(live_server.url + "/")
    assert "/login/" in page.url
    screenshot(page, "login")

    logged_in_page("admin", password.group(1))
    assert page.url.endswith("/t/local/")
    assert page.get_by_role("heading", name="Local engine").is_visible()
    # The provider check loads by htmx and reports that the embedded engine answers.
    page.get_by_text("answers").wait_for(timeout=15000)
    screenshot(page, "tenant-home")


def test_a_wrong_password_is_refused_with_a_message(
    live_server: Any, page: Any, members: Any
) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("wrong")
    page.keyboard.press("Enter")
    assert page.get_by_role("alert").inner_text().startswith("Your username and password")
