"""The in-memory folder index: the same BM25 ranking as scoring every stored chunk, and
never a stale answer once the folder's searchable chunks change."""
from __future__ import annotations

import gc
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents_app import lexical_index
from agents_app.lexical_index import FolderIndex
from agents_app.search import best_passages, search_folder
from agents_app.text import terms
from sessions_app import actions
from sessions_app.models import Chunk, Document
from tests.retrieval.lexical_reference import brute_force

pytestmark = pytest.mark.django_db(transaction=True)


def add_document(folder, name: str, texts: list[str], status: str = "ready") -> Document:
    document = Document.objects.create(folder=folder, file=f"documents/{name}", original_name=name,
                                       sha256=name.ljust(64, "0"), kind="markdown", mime_type="text/markdown",
                                       size=1, status=status)
    for order, text in enumerate(texts):
        counts = terms(text)
        Chunk.objects.create(document=document, order=order, text=text, content_hash=f"{order:064d}",
                             terms=dict(Counter(counts)), length=len(counts))
    return document


def test_the_index_ranks_exactly_as_scoring_every_chunk():
    texts = ["Chlorophyll absorbs red and blue light.", "Light reactions split water and release oxygen.",
             "The Calvin cycle fixes carbon dioxide into sugar.", "Stomata let carbon dioxide into the leaf.",
             "Light light light: a chunk that repeats one word."]
    rows = [(10 + n, dict(Counter(terms(t))), len(terms(t))) for n, t in enumerate(texts)]
    index = FolderIndex.build(rows)
    for query in ("light", "carbon dioxide leaf", "water oxygen light", "nothing matches this"):
        ranked, expected = index.rank(dict.fromkeys(terms(query), 1.0)), brute_force(rows, query)
        assert [pk for _, pk in ranked] == [pk for _, pk in expected]
        assert [score for score, _ in ranked] == pytest.approx([score for score, _ in expected])  # summed in another order


def test_an_index_gives_the_garbage_collector_a_handful_of_objects_whatever_its_vocabulary():
    # A server holds hundreds of folders' indexes; each object tracked by the collector
    # lengthens the full collections that stall every socket.
    rows = [(n, {f"term{n}x{i}": 1 + i % 3 for i in range(50)}, 60) for n in range(40)]  # 2,000 terms
    index = FolderIndex.build(rows)
    gc.collect()  # untracks the tuples that hold only numbers
    fields = list(vars(index).values())
    tracked = [o for o in fields + gc.get_referents(*fields) if gc.is_tracked(o)]
    assert len(tracked) < 10
    assert [pk for _, pk in index.rank({"term3x7": 1.0})] == [3]


def test_a_question_word_derived_from_the_documents_word_finds_it(learner):
    # Porter's stemmer keeps "salty" (salti) apart from "salt"; the folder only says "salt".
    folder = actions.create_folder(learner, name="Sea")
    add_document(folder, "a.md", ["Rivers carry water to the lakes.", "When seawater evaporates the salt stays behind."])
    assert [h.chunk.order for h in search_folder(folder.pk, "Is the sea salty?")] == [1]
    # A word the folder does use is searched as it is.
    index = FolderIndex.build([(1, {"salti": 1, "salt": 1}, 2)])
    assert index.in_folder("salti") == "salti" and index.in_folder("quickli") == "quickli"


def test_search_sees_new_removed_and_failed_documents_at_once(learner):
    folder = actions.create_folder(learner, name="Plants")
    first = add_document(folder, "a.md", ["Chlorophyll absorbs light in the leaf."])
    assert [h.chunk.document_id for h in search_folder(folder.pk, "chlorophyll")] == [first.pk]

    second = add_document(folder, "b.md", ["Roots take up water; chlorophyll is not in roots."])
    assert {h.chunk.document_id for h in search_folder(folder.pk, "chlorophyll")} == {first.pk, second.pk}

    Document.objects.filter(pk=second.pk).update(status="failed")
    assert [h.chunk.document_id for h in search_folder(folder.pk, "chlorophyll")] == [first.pk]

    first.delete()
    assert search_folder(folder.pk, "chlorophyll") == []


def test_a_reprocessed_document_is_searched_by_its_new_text(learner):
    folder = actions.create_folder(learner, name="Plants")
    document = add_document(folder, "a.md", ["Chlorophyll absorbs light."])
    assert search_folder(folder.pk, "chlorophyll")
    Chunk.objects.filter(document=document).delete()  # as the pipeline replaces a document's chunks
    for order, text in enumerate(["Mitochondria release energy.", "Cells divide by mitosis."]):
        counts = terms(text)
        Chunk.objects.create(document=document, order=order, text=text, content_hash=f"{order:064d}",
                             terms=dict(Counter(counts)), length=len(counts))
    assert search_folder(folder.pk, "chlorophyll") == []
    assert [h.chunk.text for h in search_folder(folder.pk, "mitosis")] == ["Cells divide by mitosis."]


def test_the_cache_drops_the_least_recently_used_folder_past_its_bound(learner, monkeypatch):
    monkeypatch.setattr(lexical_index, "MAX_POSTINGS", 12)
    folders = [actions.create_folder(learner, name=f"F{n}") for n in range(3)]
    for n, folder in enumerate(folders):
        add_document(folder, f"{n}.md", ["Chlorophyll absorbs red and blue light in leaves."])
        search_folder(folder.pk, "chlorophyll")
    cached = set(lexical_index._cache)
    assert folders[-1].pk in cached and folders[0].pk not in cached
    # Six postings a folder: the two most recent fit the bound exactly, older ones (any test's) went.
    assert cached == {folders[1].pk, folders[2].pk}
    assert sum(entry.size for _, entry in lexical_index._cache.values()) <= 12


def test_the_tutors_passages_are_searchs_and_come_from_the_cache_once_read(learner):
    folder = actions.create_folder(learner, name="Plants")
    document = add_document(folder, "a.md", ["Chlorophyll absorbs light.", "Leaves hold chlorophyll and light.",
                                               "Roots take up water."])
    query = "chlorophyll light"
    expected = [h.chunk for h in search_folder(folder.pk, query, k=2)]
    assert best_passages(folder.pk, query, 2) == expected
    with CaptureQueriesContext(connection) as read:
        assert best_passages(folder.pk, query, 2) == expected
    assert not any('"text"' in q["sql"] for q in read.captured_queries)  # the ranking's freshness check only

    Chunk.objects.filter(document=document, order=0).delete()
    assert [c.text for c in best_passages(folder.pk, query, 2)] == ["Leaves hold chlorophyll and light."]
