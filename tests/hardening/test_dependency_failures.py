"""Dependencies fail (SPEC 12): with Redis down or frozen the server says so quickly and keeps
nothing half-done; a killed worker's document is taken up at the next sweep; deployments
sharing a Redis never hear each other."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.utils import timezone

from agents_app.tasks import sweep_stuck_documents
from sessions_app import actions
from sessions_app.models import Document
from tests.conftest import access_token
from tests.fixtures.pdfgen import study_pages, text_pdf
from tests.support.servers import daphne


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_or_frozen_readyz_says_503_within_2s_and_an_upload_is_refused_keeping_nothing(
    broken_redis, learner, media_root
):
    folder = actions.create_folder(learner, name="Outage")
    with daphne(REDIS_URL=broken_redis, MEDIA_ROOT=str(media_root)) as url:
        started = time.monotonic()
        ready = httpx.get(f"{url}/readyz", timeout=10)
        assert time.monotonic() - started < 2.0
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["broker"].startswith("error")

        started = time.monotonic()
        response = httpx.post(f"{url}/api/v1/folders/{folder.pk}/documents/", timeout=30,
                              headers={"Authorization": f"Bearer {access_token(learner)}"},
                              files=[("files", ("notes.pdf", text_pdf(study_pages(1)), "application/pdf"))])
        assert time.monotonic() - started < settings.REDIS_SOCKET_TIMEOUT + 3
        assert response.status_code == 503 and response.json()["code"] == "service_unavailable"
    assert not Document.objects.exists()
    assert not [path for path in Path(media_root).rglob("*") if path.is_file()]


@pytest.mark.django_db(transaction=True)  # the pipeline's model calls read configs on another thread's connection
def test_the_scheduled_sweep_takes_up_a_document_as_soon_as_its_workers_lease_lapsed(api, learner):
    folder = actions.create_folder(learner, name="Killed worker")
    response = api.post(f"/api/v1/folders/{folder.pk}/documents/", {"files": [_markdown()]}, format="multipart")
    document = Document.objects.get(pk=response.json()[0]["id"])
    # What a worker killed a moment ago leaves: a stage, fresh progress, a lease just lapsed.
    Document.objects.filter(pk=document.pk).update(status="extracting", progress=10, updated_at=timezone.now(),
                                                   lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert sweep_stuck_documents() == 1
    document.refresh_from_db()
    assert document.status == "ready"


def test_a_document_whose_worker_holds_its_lease_is_left_alone(api, learner):
    folder = actions.create_folder(learner, name="Busy worker")
    response = api.post(f"/api/v1/folders/{folder.pk}/documents/", {"files": [_markdown()]}, format="multipart")
    Document.objects.filter(pk=response.json()[0]["id"]).update(
        status="extracting", updated_at=timezone.now(), lease_expires_at=timezone.now() + timedelta(minutes=5))
    assert sweep_stuck_documents() == 0


def test_the_sweep_runs_every_few_minutes(db):
    from django_celery_beat.models import PeriodicTask

    sweep = PeriodicTask.objects.get(task="agents_app.sweep_stuck_documents")
    assert sweep.interval.every <= 5 and sweep.interval.period == "minutes"
    assert settings.INGEST_LEASE_SECONDS <= 300


def _markdown():  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("cells.md", b"# Cells\n\nThe cell is the unit of life.\n", content_type="text/markdown")


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_two_deployments_with_different_prefixes_on_one_redis_never_hear_each_others_groups():
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    assert config["prefix"] == settings.REDIS_PREFIX
    assert settings.CACHES["default"]["KEY_PREFIX"] == settings.REDIS_PREFIX
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] == f"{settings.REDIS_PREFIX}:"

    async def scenario() -> dict:
        ours = RedisPubSubChannelLayer(**config)
        theirs = RedisPubSubChannelLayer(**{**config, "prefix": f"{settings.REDIS_PREFIX}-other"})
        try:
            channel = await ours.new_channel()
            await ours.group_add("session-1", channel)
            await theirs.group_add("session-1", await theirs.new_channel())
            await theirs.group_send("session-1", {"type": "bell", "from": "the other deployment"})
            await ours.group_send("session-1", {"type": "bell", "from": "ours"})
            return await asyncio.wait_for(ours.receive(channel), 5)
        finally:
            await ours.flush()
            await theirs.flush()

    # Redis delivers in publish order: had the other deployment's message reached us, it came first.
    assert asyncio.run(scenario())["from"] == "ours"
