"""Uploads and JSON bodies are bounded before the work they cost (SPEC 12), on a real Daphne."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sessions_app import actions
from sessions_app.models import Document
from tests.conftest import access_token
from tests.support.servers import free_port, start_daphne, stop

MB = 1024 * 1024
BOUNDARY = "hardening-boundary"


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def multipart_body(size: int) -> Iterator[bytes]:
    """A multipart upload of one text file of `size` bytes, produced a megabyte at a time."""
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
           "Content-Type: text/plain\r\n\r\n").encode()
    for _ in range(size // MB):
        yield b"a" * MB
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def body_length(size: int) -> int:
    return sum(len(part) for part in multipart_body(0)) + size


@pytest.fixture
def server(transactional_db, media_root):
    port = free_port()
    process = start_daphne("tutor_project.asgi:application", port, MEDIA_ROOT=str(media_root),
                           UPLOAD_MAX_REQUEST_BYTES=str(30 * MB), UPLOAD_MAX_BYTES=str(20 * MB))
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture
def folder(learner):
    return actions.create_folder(learner, name="Uploads")


def post_upload(url: str, folder_id: int, size: int, *, token: str | None, chunked: bool = False) -> httpx.Response:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if not chunked:
        headers["Content-Length"] = str(body_length(size))
    return httpx.post(f"{url}/api/v1/folders/{folder_id}/documents/", content=multipart_body(size),
                      headers=headers, timeout=120)


def warm_up(url: str, folder_id: int, token: str) -> None:
    post_upload(url, folder_id, 0, token=None)
    httpx.get(f"{url}/api/v1/folders/{folder_id}/documents/", headers={"Authorization": f"Bearer {token}"})


def test_a_body_over_the_request_limit_is_dropped_as_it_arrives_and_answered_413(server, folder, learner, media_root):
    process, url = server
    warm_up(url, folder.pk, access_token(learner))
    before = peak_memory_mb(process.pid)
    for token, chunked in ((None, False), ("forged.token.value", False), (access_token(learner), False),
                           (access_token(learner), True)):
        response = post_upload(url, folder.pk, 100 * MB, token=token, chunked=chunked)
        assert response.status_code == 413
        assert response.json() == {"code": "too_large", "detail": f"A request body may carry at most {30 * MB:,} bytes."}
    growth = peak_memory_mb(process.pid) - before
    # Neither stored by Twisted nor queued by Daphne for the application (which took 100 MB each).
    assert growth < 20, f"peak memory grew by {growth:.0f} MB"
    assert not Document.objects.exists() and not list(Path(media_root).rglob("*.txt"))
    assert httpx.get(f"{url}/api/v1/folders/{folder.pk}/documents/",
                     headers={"Authorization": f"Bearer {access_token(learner)}"}).status_code == 200


def test_an_unauthenticated_upload_gets_401_before_its_body_is_parsed(server, folder, learner, media_root):
    process, url = server
    warm_up(url, folder.pk, access_token(learner))
    for token in (None, "forged.token.value"):
        response = post_upload(url, folder.pk, 20 * MB, token=token)
        assert response.status_code == 401
        assert response.json()["code"] in ("not_authenticated", "token_not_valid")
    assert not Document.objects.exists() and not list(Path(media_root).rglob("*.txt"))


def test_a_chunked_upload_without_content_length_is_cut_off_at_the_limit(server, folder, learner):
    process, url = server
    token = access_token(learner)
    too_big = post_upload(url, folder.pk, 40 * MB, token=token, chunked=True)
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    small = post_upload(url, folder.pk, 3 * MB, token=token, chunked=True)
    assert small.status_code == 201, small.text
    assert Document.objects.get().size == 3 * MB


def test_a_file_over_its_own_limit_inside_an_accepted_request_gets_413_and_stores_nothing(server, folder, learner):
    process, url = server
    response = post_upload(url, folder.pk, 25 * MB, token=access_token(learner))
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert not Document.objects.exists()


def test_a_deeply_nested_json_body_gets_400_and_an_oversized_one_413(server, learner):
    process, url = server
    headers = {"Authorization": f"Bearer {access_token(learner)}", "Content-Type": "application/json"}
    deep = "[" * 5000 + "]" * 5000
    for body in (deep, '{"name": ' + "{\"a\": " * 100 + "1" + "}" * 100 + "}"):
        response = httpx.post(f"{url}/api/v1/folders/", content=body, headers=headers)
        assert response.status_code == 400 and response.json()["code"] == "parse_error", response.text[:200]
    huge = json.dumps({"name": "x" * (2 * MB)})
    response = httpx.post(f"{url}/api/v1/folders/", content=huge, headers=headers)
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    brackets_in_a_string = httpx.post(f"{url}/api/v1/folders/", json={"name": "[[[{{{" * 10}, headers=headers)
    assert brackets_in_a_string.status_code == 201
    fine = httpx.post(f"{url}/api/v1/folders/", json={"name": "Biology [1]"}, headers=headers)
    assert fine.status_code == 201


@pytest.mark.parametrize("guard", ["1", "0"])
def test_twisted_parses_upload_bodies_only_when_the_switch_is_off(transactional_db, media_root, guard):
    port = free_port()
    process = start_daphne("tutor_project.asgi:application", port, DAPHNE_GUARD_REQUESTS=guard)
    try:
        url = f"http://127.0.0.1:{port}"
        post_upload(url, 1, 0, token=None)
        before = peak_memory_mb(process.pid)
        assert post_upload(url, 1, 30 * MB, token=None).status_code == 401
        growth = peak_memory_mb(process.pid) - before
    finally:
        stop(process)
    if guard == "1":
        assert growth < 80, f"peak memory grew by {growth:.0f} MB"
    else:
        assert growth > 150, f"Twisted's form parsing should show: {growth:.0f} MB"
