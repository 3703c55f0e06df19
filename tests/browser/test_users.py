"""Users in the dashboard (issue 17) in Chromium: an admin invites a colleague and hands
over the one-time link; the colleague chooses a password and logs in; the admin deactivates
the account. At 1280 and 390 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_invites_a_colleague_who_sets_a_password(
    width: int, live_server: Any, page: Any, logged_in_page: Any, members: Any, browser: Any
) -> None:
    logged_in_page("admin")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/t/acme/")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Users").click()
    page.get_by_label("Username").fill("colleague")
    page.get_by_label("Role", exact=True).select_option("operator")
    page.get_by_role("button", name="Invite").click()
    link = page.get_by_test_id("password-link-url").input_value()
    assert "/set-password/" in link
    expect(page.locator('tr[data-user="colleague"]')).to_contain_text("no password yet")
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    screenshot(page, f"users-invited-{width}")

    other = browser.new_context(viewport={"width": width, "height": 900})
    them = other.new_page()
    them.goto(link)
    them.get_by_label("New password", exact=True).fill("a brand new passphrase 42")
    them.get_by_label("New password confirmation").fill("a brand new passphrase 42")
    them.get_by_role("button", name="Set password").click()
    them.wait_for_url(f"{live_server.url}/login/")
    them.get_by_label("Username").fill("colleague")
    them.get_by_label("Password").fill("a brand new passphrase 42")
    them.get_by_role("button", name="Log in").click()
    them.wait_for_url(f"{live_server.url}/t/acme/")
    other.close()

    page.reload()
    expect(page.locator('tr[data-user="colleague"]')).to_contain_text("active")
    page.locator('tr[data-user="colleague"]').get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("colleague was deactivated")).to_be_visible()
    expect(page.locator('tr[data-user="colleague"]')).to_contain_text("deactivated")
