"""An upload's progress reaches the learner's open tutor socket while a Celery worker in its
own process ingests it: on the embedded default (in-memory channel layer: the worker's bell
cannot reach Daphne, the socket catches up from the log) and on Redis under CI."""
from __future__ import annotations

from pathlib import Path

import pytest

from sessions_app import actions
from tests.conftest import access_token
from tests.support.servers import celery_worker, daphne
from tests.test_ingestion_worker import upload
from tests.tutor.client import TutorClient, of_type

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).resolve().parents[1] / "fixtures" / "docs" / "photosynthesis.md"


def test_an_uploads_progress_reaches_an_open_tutor_socket_from_a_worker_process(learner, media_root, tmp_path):
    folder = actions.create_folder(learner, name="Biology")
    session = actions.start_session(learner, folder)
    env = {"MEDIA_ROOT": str(media_root), "TUTOR_DATA_DIR": str(tmp_path / "data")}
    with daphne(**env) as url, celery_worker(**env):
        client = TutorClient(url, session.pk, access_token(learner))
        try:
            client.send({"type": "hello", "resume_from": 0})
            assert client.recv()["type"] == "session.state"
            document = upload(url, learner, folder.pk, [("photosynthesis.md", DOC.read_bytes())])[0]
            frames = client.until(lambda f: f["type"] == "document.progress" and f["status"] in ("ready", "failed"),
                                  timeout=60)
        finally:
            client.close()
    progress = of_type(frames, "document.progress")
    assert {f["document_id"] for f in progress} == {document["id"]}
    assert (progress[-1]["status"], progress[-1]["percent"]) == ("ready", 100)
    assert len({f["stage"] for f in progress}) >= 3  # live stages, not just the end
    assert [f["percent"] for f in progress] == sorted(f["percent"] for f in progress)
