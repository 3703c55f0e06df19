"""Threat: session or CSRF cookies sent over plain http, a downgrade to http, and injected
script. Behind the TLS proxy (BEHIND_TLS_PROXY=True) cookies are Secure, HSTS is sent and
http redirects to https; every page carries a Content-Security-Policy without inline code
(tests/browser/test_security_headers.py checks that no page breaks it)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent


def settings_with(env: dict[str, str]) -> dict[str, Any]:
    """faceadmin.settings as a fresh process reads it from this environment."""
    code = (
        "import json, faceadmin.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'CSRF_COOKIE_HTTPONLY']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "BEHIND_"))}
    clean.update(
        FACEADMIN_ENV_FILE="/nonexistent/.env",
        SECRET_KEY="x" * 50,
        FACEADMIN_KEY_ENCRYPTION_KEYS="uVvYx4vLbZ3sJbH5m5mXH7xvK0yq3m1q6Vb0m4bq9Qw=",
        **env,
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_behind_the_tls_proxy_cookies_are_secure_and_https_is_enforced() -> None:
    on = settings_with({"BEHIND_TLS_PROXY": "True"})
    assert on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"] and on["CSRF_COOKIE_HTTPONLY"]
    assert on["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert on["SECURE_SSL_REDIRECT"]
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    off = settings_with({})
    assert not off["SESSION_COOKIE_SECURE"] and not off["SECURE_SSL_REDIRECT"]
    assert off["SECURE_HSTS_SECONDS"] == 0


PROXY = {
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_SSL_REDIRECT": True,
}


@override_settings(**PROXY)
def test_http_redirects_and_https_answers_with_hsts_and_secure_cookies(
    members: dict[str, Any],
) -> None:
    client = Client()
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    api = client.post("/face/v1.0/detect", b"", content_type="application/octet-stream")
    assert api.status_code == 301  # the engine's API too: never a key in clear text twice
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    page = client.get("/login/", **https)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.cookies["csrftoken"]["secure"]
    login = client.post("/login/", {"username": "admin", "password": PASSWORD}, **https)
    assert login.status_code == 302
    assert login.cookies["sessionid"]["secure"] and login.cookies["sessionid"]["httponly"]


def test_every_page_has_a_strict_content_security_policy(client_as: Any, tenant: Any) -> None:
    for client, path in ((Client(), "/login/"), (client_as("admin"), f"/t/{tenant.slug}/")):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy and "http" not in policy


def test_no_template_has_inline_script_or_style() -> None:
    forbidden = re.compile(r"<style|\sstyle=|<script>|\son[a-z]+=|javascript:")
    offenders = [
        f"{template.relative_to(ROOT)}: {match.group(0)!r}"
        for template in (ROOT / "templates").rglob("*.html")
        for match in forbidden.finditer(template.read_text())
    ]
    assert offenders == []
