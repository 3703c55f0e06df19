"""Engine accounts and the `manage.py engine` key commands."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.management import CommandError, call_command

from faceadmin.engine.accounts import (
    AccountNotFound,
    account_create,
    account_for_key,
    account_list,
    account_revoke,
)
from faceadmin.engine.models import Account


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("engine", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_stores_only_a_hash_of_the_key() -> None:
    account, key = account_create(name="alpha")
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    stored = Account.objects.get(pk=account.pk)
    assert key not in (stored.key_hash, stored.name)
    assert stored.key_last4 == key[-4:]
    assert account_for_key(key) == account
    assert account_for_key(key.upper()) is None
    assert account_for_key("") is None


@pytest.mark.django_db
def test_createkey_prints_the_account_then_the_key_alone_on_the_last_line() -> None:
    lines = run("createkey", "--name", "ci").splitlines()
    assert re.fullmatch(r"account [0-9a-f-]{36}", lines[0])
    account = account_for_key(lines[-1])
    assert account is not None
    assert str(account.pk) == lines[0].split()[1]
    assert account.name == "ci"


@pytest.mark.django_db
def test_listkeys_masks_the_keys() -> None:
    account, key = account_create(name="listed")
    output = run("listkeys")
    assert str(account.pk) in output and "listed" in output
    assert key not in output
    assert key[-4:] in output


@pytest.mark.django_db
def test_revokekey_by_name_or_id() -> None:
    _, first_key = account_create(name="first")
    second, second_key = account_create(name="second")
    assert "Revoked" in run("revokekey", "first")
    run("revokekey", str(second.pk))
    assert account_for_key(first_key) is None
    assert account_for_key(second_key) is None
    assert all(a.revoked_at is not None for a in account_list())
    with pytest.raises(CommandError):
        run("revokekey", "first")


@pytest.mark.django_db
def test_revoking_an_ambiguous_name_asks_for_the_id() -> None:
    account_create(name="twin")
    account_create(name="twin")
    with pytest.raises(AccountNotFound, match="use the id"):
        account_revoke(account="twin")
    with pytest.raises(AccountNotFound):
        account_revoke(account=str(uuid.uuid4()))
