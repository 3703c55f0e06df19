"""Threat: a leaked FindFace token cannot be found or stopped (issue 13, item 6).

Both kinds of embedded-engine key, Azure subscription keys and FindFace tokens, are listed
by `manage.py engine listkeys`, revoked by `manage.py engine revokekey`, and listed masked and
revocable in the Django admin.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from faceadmin.engine.accounts import account_create, account_for_key
from faceadmin.engine.findface.accounts import token_account_create, token_account_for_key
from faceadmin.engine.findface.models import TokenAccount
from faceadmin.engine.models import Account

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("engine", *args, stdout=out)
    return out.getvalue()


def test_listkeys_lists_findface_tokens_masked() -> None:
    account, key = account_create(name="azure-client")
    token_account, token = token_account_create(name="findface-client")
    lines = run("listkeys").splitlines()
    azure_line = next(line for line in lines if str(account.pk) in line)
    findface_line = next(line for line in lines if str(token_account.pk) in line)
    assert azure_line.split()[:2] == ["azure", "azure-client"]
    assert findface_line.split()[:2] == ["findface", "findface-client"]
    assert token[-4:] in findface_line and token not in "\n".join(lines)
    assert key not in "\n".join(lines)
    only = run("listkeys", "--api", "findface")
    assert "findface-client" in only and "azure-client" not in only


def test_revokekey_finds_a_findface_token_by_name_and_by_id() -> None:
    _, first_token = token_account_create(name="leaked")
    second, second_token = token_account_create(name="other")
    assert "Revoked the findface key" in run("revokekey", "leaked")
    run("revokekey", str(second.pk))
    assert token_account_for_key(first_token) is None
    assert token_account_for_key(second_token) is None
    with pytest.raises(CommandError):
        run("revokekey", "leaked")  # already revoked


def test_revokekey_refuses_a_name_shared_by_both_kinds_unless_told_which() -> None:
    _, key = account_create(name="shared")
    _, token = token_account_create(name="shared")
    with pytest.raises(CommandError, match="use the id"):
        run("revokekey", "shared")
    run("revokekey", "shared", "--api", "findface")
    assert token_account_for_key(token) is None
    assert account_for_key(key) is not None


def admin_client() -> Client:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    ("model", "create", "url"),
    [
        (TokenAccount, token_account_create, "/admin/findface_engine/tokenaccount/"),
        (Account, account_create, "/admin/engine/account/"),
    ],
    ids=["findface-token", "azure-key"],
)
def test_the_admin_lists_keys_masked_and_revokes_them(model: Any, create: Any, url: str) -> None:
    row, key = create(name="in-admin")
    client = admin_client()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "in-admin" in html and key[-4:] in html and key not in html
    response = client.post(url, {"action": "revoke_keys", "_selected_action": [str(row.pk)]})
    assert response.status_code == 302
    assert model.objects.get(pk=row.pk).revoked_at is not None
    assert client.get(f"{url}{row.pk}/delete/").status_code == 403
