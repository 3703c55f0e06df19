"""Settings refuse to start in unsafe or broken configurations, with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "DEBUG"}
    }
    clean.update(
        {"FACEADMIN_ENV_FILE": "/nonexistent/.env", "DJANGO_SETTINGS_MODULE": "faceadmin.settings"}
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off() -> None:
    result = run_check(DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_with_a_secret_key_and_debug_off() -> None:
    result = run_check(DEBUG="False", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_it_explains_a_bad_database_url() -> None:
    result = run_check(DEBUG="False", SECRET_KEY="x" * 50, DATABASE_URL="mysql-ish://nope")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_it_flags_missing_encryption_keys() -> None:
    result = run_check(DEBUG="False", SECRET_KEY="x" * 50, FACEADMIN_KEY_ENCRYPTION_KEYS="")
    assert result.returncode != 0
    assert "FACEADMIN_KEY_ENCRYPTION_KEYS" in result.stderr
