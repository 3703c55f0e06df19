"""Both kinds of engine key share one abstract model and one hashing helper; the engine names
a key's subscription id over the wire."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.test import Client

from faceadmin.clients.transport import SUBSCRIPTION_ID_HEADER
from faceadmin.engine.findface.models import TokenAccount
from faceadmin.engine.http import SUBSCRIPTION_ID_HEADER as ENGINE_SUBSCRIPTION_ID_HEADER
from faceadmin.engine.keyaccount import KeyAccount, key_hash
from faceadmin.engine.keys import key_create, key_list
from faceadmin.engine.models import Account


def _fields(model: type[KeyAccount]) -> list[tuple[str, str]]:
    return [(f.name, f.get_internal_type()) for f in model._meta.concrete_fields]


def test_both_kinds_of_account_are_one_abstract_model() -> None:
    assert issubclass(Account, KeyAccount)
    assert issubclass(TokenAccount, KeyAccount)
    assert _fields(Account) == _fields(TokenAccount) == _fields_expected()
    assert Account._meta.ordering == TokenAccount._meta.ordering == ["created"]


def _fields_expected() -> list[tuple[str, str]]:
    return [
        ("id", "UUIDField"),
        ("name", "CharField"),
        ("key_hash", "CharField"),
        ("key_last4", "CharField"),
        ("created", "DateTimeField"),
        ("revoked_at", "DateTimeField"),
    ]


@pytest.mark.django_db
def test_the_shared_model_needs_no_migration() -> None:
    # The tables are unchanged by the abstract base: existing rows stay as they are.
    out = io.StringIO()
    call_command("makemigrations", "engine", "findface_engine", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_key_hash_is_a_plain_sha256() -> None:
    assert key_hash("abc") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.django_db
def test_key_create_mints_either_kind_and_stores_only_the_hash() -> None:
    azure_id, azure_key = key_create(name="a")
    token_id, token_key = key_create(name="t", api="findface")
    assert Account.objects.get(pk=azure_id).key_hash == key_hash(azure_key)
    assert TokenAccount.objects.get(pk=token_id).key_hash == key_hash(token_key)
    assert {(k.api, k.account_id) for k in key_list()} == {
        ("azure", azure_id),
        ("findface", token_id),
    }


@pytest.mark.django_db
def test_the_engine_names_the_subscription_id_of_the_key() -> None:
    assert SUBSCRIPTION_ID_HEADER.lower() == ENGINE_SUBSCRIPTION_ID_HEADER.lower()
    account_id, key = key_create(name="wire")
    client = Client()
    answer = client.get("/face/v1.0/snapshots", HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    assert answer.status_code == 200
    assert answer[SUBSCRIPTION_ID_HEADER] == str(account_id)
    # No key, no id: an unauthenticated answer names nobody.
    refused = client.get("/face/v1.0/snapshots", HTTP_OCP_APIM_SUBSCRIPTION_KEY="0" * 32)
    assert refused.status_code == 401
    assert not refused.has_header(SUBSCRIPTION_ID_HEADER)
