"""The repair pipeline over a corpus of malformed model outputs (tests/agents/malformed_outputs.json)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents_app.errors import InvalidOutput
from agents_app.repair import fix_backslashes, parse_output
from agents_app.schemas import Concept

CORPUS = json.loads((Path(__file__).parent / "malformed_outputs.json").read_text())


def test_the_corpus_is_large_and_covers_both_outcomes():
    assert len(CORPUS) >= 20
    assert {"expected", "error"} <= {key for case in CORPUS for key in case}


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_it_repairs_or_rejects_each_malformed_output_cleanly(case):
    if "expected" in case:
        assert parse_output(case["raw"], Concept).model_dump() == case["expected"]
    else:
        with pytest.raises(InvalidOutput) as caught:
            parse_output(case["raw"], Concept)
        assert caught.value.code == case["error"]
        assert caught.value.retryable and caught.value.message


def test_it_keeps_valid_escapes_and_doubles_latex_ones():
    assert fix_backslashes(r'{"a": "x\ny \"q\" \\ \u00e9"}') == r'{"a": "x\ny \"q\" \\ \u00e9"}'
    assert fix_backslashes(r'{"a": "\frac \alpha \rho \t"}') == r'{"a": "\\frac \\alpha \\rho \t"}'


def test_it_names_the_failing_field_so_the_model_can_fix_it():
    with pytest.raises(InvalidOutput) as caught:
        parse_output('{"name": "x", "definition": "y", "importance": 7, "source_chunk_ids": [1]}', Concept)
    assert "importance" in caught.value.message


def test_it_checks_cited_chunks_against_the_given_passages():
    raw = '{"name": "x", "definition": "y", "importance": 2, "source_chunk_ids": [99]}'
    with pytest.raises(InvalidOutput) as caught:
        parse_output(raw, Concept, context={"chunks": []})
    assert "99" in caught.value.message
