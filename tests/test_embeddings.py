"""Embedding vectors through the real openai client against the scripted server: written
at the indexing stage, fused with BM25 at search, optional and never fatal."""
from pathlib import Path

import pytest

from agents_app.models import AgentConfig, AgentRun
from agents_app.wiring import get_gateway
from sessions_app import actions
from sessions_app.models import Chunk, Document
from sessions_app.uploads import check_uploads
from tests.samples import upload

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).parent / "fixtures" / "docs" / "photosynthesis.md"


@pytest.fixture
def model_server(settings, llm):
    """Embeddings from the scripted server; the chat agents stay offline (disabled in admin)."""
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "test-key", llm.base_url
    settings.EMBEDDING_MODEL, settings.LLM_MAX_RETRIES = "scripted-embed", 0
    for agent in ("analyzer", "planner", "quiz_creator", "quiz_evaluator", "teacher", "session_analyzer"):
        AgentConfig.objects.create(agent=agent, enabled=False)
    get_gateway.cache_clear()
    yield llm
    get_gateway.cache_clear()


def ingest(learner) -> Document:
    folder = actions.create_folder(learner, name="Biology")
    [document] = actions.add_documents(folder, check_uploads(folder, [upload("p.md", DOC.read_bytes())]))
    document.refresh_from_db()
    return document


def test_chunks_get_vectors_and_search_fuses_them_with_keywords(model_server, learner, api):
    document = ingest(learner)
    assert document.status == "ready" and document.warnings == []
    vectors = list(Chunk.objects.filter(document=document).values_list("embedding", flat=True))
    assert vectors and all(len(v) == 64 for v in vectors)
    runs = AgentRun.objects.filter(agent="embedder")
    assert runs.exists() and all(r.model == "scripted-embed" and r.status == "ok" for r in runs)

    before = len(model_server.requests)
    hits = api.get(f"/api/v1/folders/{document.folder_id}/search/", {"q": "green pigment chlorophyll"}).json()
    asked = [r.body for r in model_server.requests[before:] if r.path.endswith("/embeddings")]
    assert [(a["model"], a["input"]) for a in asked] == [("scripted-embed", ["green pigment chlorophyll"])]
    assert "chlorophyll" in hits["results"][0]["quote"].lower()


def test_without_an_embedding_model_nothing_is_embedded(settings, llm, learner):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL, settings.EMBEDDING_MODEL = "", "", ""
    get_gateway.cache_clear()
    document = ingest(learner)
    assert document.status == "ready"
    assert not Chunk.objects.filter(document=document, embedding__isnull=False).exists()
    assert not [r for r in llm.requests if r.path.endswith("/embeddings")]


def test_an_unreachable_embedding_model_costs_a_warning_not_the_document(model_server, settings, learner, api):
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # nothing listens there
    get_gateway.cache_clear()
    document = ingest(learner)
    assert document.status == "ready"
    assert len(document.warnings) == 1 and "keyword search works" in document.warnings[0]
    hits = api.get(f"/api/v1/folders/{document.folder_id}/search/", {"q": "chlorophyll"}).json()["results"]
    assert hits and "chlorophyll" in hits[0]["quote"].lower()


def test_rank_fusion_rewards_agreement_and_keeps_passages_only_one_ranking_found():
    from agents_app.search import _fuse

    lexical = [(7.0, 1), (5.0, 2)]
    semantic = [(0.9, 3), (0.8, 1)]
    assert [pk for _, pk in _fuse([lexical, semantic])] == [1, 3, 2]
