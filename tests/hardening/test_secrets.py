"""Secrets (SPEC 12): no key in the source; the embedded default keeps a random key in its
data folder; a configured deployment without DJANGO_SECRET_KEY refuses to start."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from django.utils import timezone
from websockets.sync.client import connect

from tests.support.servers import ROOT, free_port, stop, wait_for_port

OLD_CONSTANT = "dev-insecure-embedded-default-key-change-me-in-production-0123456789"
# Long string literals given to a name that sounds like a key, in any tracked source file.
KEY_LITERAL = re.compile(r"""(?:KEY|SECRET)\w*["']?\s*[:=,(]\s*["']([^"'\s]{16,})["']""", re.IGNORECASE)


def repository_texts() -> dict[str, str]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    texts = {}
    for name in names:
        try:
            texts[name] = (ROOT / name).read_text()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
    return texts


def keys_in_the_repository() -> set[str]:
    found = {OLD_CONSTANT}
    for text in repository_texts().values():
        found.update(KEY_LITERAL.findall(text))
    return found


def forged_token(key: str, user_id: int) -> str:
    now = timezone.now()
    claims = {"token_type": "access", "user_id": str(user_id), "jti": "forged", "iat": now,
              "exp": now + timedelta(minutes=5)}
    return jwt.encode(claims, key, algorithm="HS256")


def test_a_token_signed_with_any_key_in_the_repository_is_refused_on_rest_and_the_tutor_socket(
    live_server_url, learner
):
    keys = keys_in_the_repository()
    assert OLD_CONSTANT in keys and len(keys) < 50
    socket_base = live_server_url.replace("http://", "ws://")
    for key in keys:
        token = forged_token(key, learner.pk)
        me = httpx.get(f"{live_server_url}/api/v1/auth/me/", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401 and me.json()["code"] == "token_not_valid", key
        with connect(f"{socket_base}/ws/tutor/1/?token={token}", open_timeout=10) as socket:
            with pytest.raises(Exception):
                socket.recv(timeout=5)
            assert socket.close_code == 4401, key


def test_the_signing_key_stands_nowhere_in_the_repository(settings):
    assert not any(settings.SECRET_KEY in text for text in repository_texts().values())


def embedded_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The embedded default: no DATABASE_URL, no REDIS_URL, no key; everything in `data_dir`."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG")}
    return {**env, "TUTOR_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra}


def start_embedded_daphne(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                "tutor_project.asgi:application"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process, f"http://127.0.0.1:{port}"


def test_an_embedded_restart_keeps_tokens_valid_with_a_key_only_its_owner_reads(tmp_path):
    env = embedded_env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50 and key != OLD_CONSTANT

    process, url = start_embedded_daphne(env)
    try:
        httpx.post(f"{url}/api/v1/auth/register/", json={"username": "ada", "password": "correct-horse-battery"},
                   timeout=10).raise_for_status()
        token = httpx.post(f"{url}/api/v1/auth/token/", json={"username": "ada", "password": "correct-horse-battery"},
                           timeout=10).json()["access"]
    finally:
        stop(process)
    process, url = start_embedded_daphne(env)
    try:
        me = httpx.get(f"{url}/api/v1/auth/me/", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert me.status_code == 200 and me.json()["username"] == "ada"
    finally:
        stop(process)
    assert key_file.read_text().strip() == key


@pytest.mark.parametrize("configured", [{"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/nowhere"},
                                        {"REDIS_URL": "redis://127.0.0.1:6379/0"}])
def test_a_configured_deployment_without_a_secret_key_refuses_to_start_in_one_clear_line(tmp_path, configured):
    result = subprocess.run(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(free_port()), "tutor_project.asgi:application"],
        cwd=ROOT, env=embedded_env(tmp_path, **configured), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set when DATABASE_URL or REDIS_URL is set" \
        in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "secret_key").exists()
