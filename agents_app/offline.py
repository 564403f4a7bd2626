"""The offline engine (SPEC 5.3): deterministic, extractive stand-ins for every agent.

It reads only the learner's own text: concepts are the terms the documents emphasise,
define, name or use as headings (agents_app.concepts); plans follow the documents' order;
explanations quote the best-matching sentences (agents_app.quotes); questions are the
documents' own sentences with the key term blanked out (agents_app.questions). Everything a
learner can see is labelled "offline mode".
"""
from __future__ import annotations

import re
from collections import defaultdict

from agents_app.concepts import find_concepts
from agents_app.questions import has_source
from agents_app.errors import AgentError
from agents_app.mastery import MASTERED, Difficulty
from agents_app.quotes import Unit, asked_term, best_quote, defined_term, defines, units, with_referent
from agents_app.retrieval import BM25Index
from agents_app.schemas import (
    OFFLINE_LABEL, ChunkRef, Concept, AnalysisResult, GradeResult, KeyTerm, PlanResult, LessonSection, Objective,
    SessionAnalysisResult, SessionStats, TranscriptTurn,
)
from agents_app.text import normalise, sentences, terms, words

PREFIX = f"({OFFLINE_LABEL}) "
_EXAMPLE_MARKERS = ("for example", "for instance", "such as", "e.g.")
RELATED_SCORE = 0.5  # of the best passage's score: what an offline answer quotes beside it


# --- concepts -------------------------------------------------------------------------


def analyze(chunks: list[ChunkRef]) -> AnalysisResult:
    found = find_concepts(chunks)
    if not found:
        raise AgentError("the documents contain no text to analyse", code="empty_folder")
    top = max(c.score for c in found)
    concepts = [
        Concept(name=c.name, definition=c.definition or c.name, importance=max(1, min(5, round(1 + 4 * c.score / top))),
                source_chunk_ids=c.chunk_ids[:10])
        for c in found
    ]
    key_terms = [KeyTerm(term=c.name, definition=c.definition) for c in found if c.definition]
    names = ", ".join(c.name for c in concepts[:6])
    opening = next(iter(sentences(min(chunks, key=lambda c: (c.document_id, c.order)).text)), "")
    summary = f"{PREFIX}An extractive overview of the documents, which cover {names}. {opening}".strip()
    return AnalysisResult(summary=summary[:4000], concepts=concepts, key_terms=key_terms,
                          suggested_difficulty=_difficulty_of(chunks), offline=True)


def _difficulty_of(chunks: list[ChunkRef]) -> Difficulty:
    all_sentences = [s for c in chunks for s in sentences(c.text)]
    average = sum(len(words(s)) for s in all_sentences) / max(1, len(all_sentences))
    return "easy" if average < 14 else "medium" if average < 24 else "hard"


# --- planning ---------------------------------------------------------------------------


def slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower())[:56].strip("-") or "objective"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def plan(analysis: AnalysisResult, chunks: list[ChunkRef], mastery: dict[str, float],
         done: set[str] = frozenset()) -> PlanResult:
    """One objective per document section, in the documents' order; mastered ones are left out.
    A concept the documents give no sentence to ask about (a heading's topic that no sentence
    names, "Responses and beliefs") is left out too: its section's title announces it, and
    explaining it would only repeat the section's sentences and delay the next question."""
    by_id = {c.chunk_id: c for c in chunks}
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    first_pos: dict[tuple[int, str], tuple[int, int]] = {}
    homes = {id(c): _home(c, by_id) for c in analysis.concepts}
    for concept in sorted(analysis.concepts, key=lambda c: _place(c, homes[id(c)])):
        home = homes[id(concept)]
        if home is None or not has_source(chunks, concept.name):
            continue
        group = (home.document_id, home.section or "Overview")
        groups[group].append(concept.name)
        first_pos[group] = min(first_pos.get(group, (1 << 30, 0)), (home.document_id, home.order))
    sections, taken, previous = [], set(), None
    for group in sorted(groups, key=first_pos.__getitem__):
        title, names = group[1], groups[group]
        objective_id = slug(title, taken)
        if objective_id in done or all(mastery.get(n, 0.0) >= MASTERED for n in names):
            continue
        objective = Objective(id=objective_id, title=title[:300], description=f"Understand {_join(names)}."[:4000],
                              concepts=names, prerequisites=[previous] if previous else [],
                              estimated_minutes=min(240, 3 + 2 * len(names)))
        sections.append(LessonSection(title=title[:300], objectives=[objective]))
        previous = objective_id
    if not sections:
        raise AgentError("every objective of the plan is already mastered", code="plan_complete")
    return PlanResult(title="Lesson plan", offline=True, sections=sections,
                      description=f"{PREFIX}This plan follows the order of your documents, one section at a time.")


def _home(concept: Concept, by_id: dict[int, ChunkRef]) -> ChunkRef | None:
    """Where a concept is taught: the passage holding its definition, else its first mention (a
    term named in an introduction is taught in its own section, not in the introduction)."""
    sources = sorted((by_id[i] for i in concept.source_chunk_ids if i in by_id), key=_position)
    definition = normalise(concept.definition)
    return next((c for c in sources if definition and definition in normalise(c.text)), sources[0] if sources else None)


def _place(concept: Concept, home: ChunkRef | None) -> tuple[int, int, int]:
    """Where the documents teach a concept: its home passage, then where in the passage it first
    appears (a passage often introduces several, and the lesson follows the text)."""
    at = home.text.lower().find(concept.name.lower()) if home else -1
    return (*_position(home), at if at >= 0 else 1 << 30)


def _position(chunk: ChunkRef | None) -> tuple[int, int]:
    return (chunk.document_id, chunk.order) if chunk else (1 << 30, 0)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- explaining -------------------------------------------------------------------------

_INTROS = {
    "explain": "Here is what your documents say.",
    "help_simpler": "Let us take it one small step at a time.",
    "example": "Here is an example from your documents.",
    "give_feedback": "Let us look at the passage again.",
    "ask_question": "Let us check your understanding.",
    "move_on": "Well done, let us move on.",
    "replan": "You have mastered this objective, so the plan moves on.",
}


def answering(query: str, passages: list[ChunkRef], *, k: int) -> list[ChunkRef]:
    """The passages, of the best k matches, that answer `query`. A passage far below the best
    matched a stray word ("response" in "a stronger response"): quoting it beside the answer
    reads as the tutor changing the subject."""
    hits = BM25Index(passages).search(query, k=k)
    return [c for c, score in hits if score >= hits[0][1] * RELATED_SCORE]


def explain(action: str, query: str, passages: list[ChunkRef], *, again: bool = False) -> tuple[str, list[ChunkRef]]:
    """An explanation stitched from the best-matching sentences, cited as [n]; and the passages used;
    `again` says it is repeated on purpose ("As I said a moment ago:" in place of the intro).

    Each passage gives its best quote (quotes.best_quote: a pronoun keeps the sentence it refers
    to); for "what is X?" the documents' own definition of X comes first; "example" prefers
    sentences that give one; "help_simpler" is the shortest definition and one sentence more."""
    ranked = answering(query, passages, k=3) or passages[:2]
    picks = _definition_first(query, passages, [(_quote_for(action, query, chunk), chunk) for chunk in ranked])
    if action == "help_simpler":
        picks = _simplest(query, passages, picks)
    picks = _distinct(picks)
    used = list(dict.fromkeys(chunk.chunk_id for _, chunk in picks))
    # One marker after consecutive sentences of one passage.
    numbered = " ".join(
        s if i + 1 < len(picks) and picks[i + 1][1].chunk_id == c.chunk_id else f"{s} [{used.index(c.chunk_id) + 1}]"
        for i, (s, c) in enumerate(picks))
    if not numbered:
        numbered = "Your documents do not say anything about this yet."
    cited = [next(c for c in passages if c.chunk_id == i) for i in used]
    intro = "As I said a moment ago:" if again else _INTROS.get(action, _INTROS["explain"])
    return f"{PREFIX}{intro} {numbered}", cited


def _distinct(picks: list[tuple[str, ChunkRef]]) -> list[tuple[str, ChunkRef]]:
    """Without empty quotes and without one that repeats what an earlier one says."""
    kept: list[tuple[str, ChunkRef]] = []
    for quote, chunk in picks:
        said = normalise(quote)
        if said and not any(said in normalise(k) or normalise(k) in said for k, _ in kept):
            kept.append((quote, chunk))
    return kept


def _quote_for(action: str, query: str, chunk: ChunkRef) -> str:
    if action == "example":
        examples = [u.text for u in units(chunk.text) if any(m in u.text.lower() for m in _EXAMPLE_MARKERS)]
        if examples:
            return best_quote("\n\n".join(examples), query)
    return best_quote(chunk.text, query)


def _definition_first(query: str, passages: list[ChunkRef], picks: list[tuple[str, ChunkRef]]
                      ) -> list[tuple[str, ChunkRef]]:
    """For "what is X?", the passages' own definition of X opens the answer, when they have one."""
    asked = asked_term(query)
    found = _definition(asked, passages) if asked else None
    if found is None or any(normalise(found[0]) in normalise(quote) for quote, _ in picks[:1]):
        return picks
    return [found, *picks]


def _definition(term: str, passages: list[ChunkRef]) -> tuple[str, ChunkRef] | None:
    ordered = sorted(passages, key=lambda c: (c.document_id, c.order))
    for chunk in ordered:
        parts = units(chunk.text)
        for index, part in enumerate(parts):
            if defines(part.text, term):
                return _with_referent(parts, index), chunk
    return None


def _with_referent(parts: list[Unit], index: int) -> str:
    return with_referent(parts[index - 1].text if index else None, parts[index].text)


def _simplest(query: str, passages: list[ChunkRef], picks: list[tuple[str, ChunkRef]]
              ) -> list[tuple[str, ChunkRef]]:
    """The shortest definition of a term of the query, and the sentence after it."""
    definitions = [(len(part.text), index, parts, chunk) for chunk in passages
                   for parts in [units(chunk.text)] for index, part in enumerate(parts)
                   if (term := defined_term(part.text)) and set(terms(term)) & set(terms(query))]
    if not definitions:
        return sorted(picks, key=lambda p: len(p[0]))[:1]
    _, index, parts, chunk = min(definitions, key=lambda d: (d[0], d[1]))
    chosen = [(_with_referent(parts, index), chunk)]
    if index + 1 < len(parts):
        chosen.append((parts[index + 1].text, chunk))
    return chosen


# --- grading (questions are made by agents_app.questions) -------------------------------------


def grade_free(answer: str, reference: str, rubric: list[str]) -> GradeResult:
    """Share of the reference answer's meaningful words that the answer uses."""
    expected = set(terms(reference))
    given = set(terms(answer))
    score = round(len(expected & given) / len(expected), 3) if expected else 0.0
    missing = [point for point in rubric if not set(terms(point)) <= given]
    correct = score >= 0.5
    verdict = "That covers the main points." if correct else "That misses part of the answer."
    feedback = f"{PREFIX}{verdict} The reference answer is: {reference}"
    return GradeResult(correct=correct, score=score, feedback=feedback[:4000], missing_points=missing, offline=True)


# --- session analysis ----------------------------------------------------------------------


def analyze_session(transcript: list[TranscriptTurn], stats: SessionStats) -> SessionAnalysisResult:
    rate = stats.questions_correct / stats.questions_asked if stats.questions_asked else 0.5
    gains = [c.after - c.before for c in stats.concept_changes]
    average_gain = sum(gains) / len(gains) if gains else 0.0
    effectiveness = round(100 * max(0.0, min(1.0, 0.6 * rate + 0.4 * (0.5 + average_gain))))
    strengths = [f"{c.concept}: mastery rose from {c.before:.0%} to {c.after:.0%}"
                 for c in stats.concept_changes if c.after - c.before >= 0.05]
    gaps = [f"{c.concept}: mastery is {c.after:.0%}" for c in stats.concept_changes
            if c.after < MASTERED and c.after - c.before < 0.05]
    recommendations = [f"Review {g.split(':')[0]} with a worked example before new material."[:300] for g in gaps[:3]]
    if stats.help_requests >= 3:
        recommendations.append("Start the next session at a slower pace with smaller steps.")
    recommendations = recommendations or ["Continue with the next objective of the lesson plan."]
    learner_turns = sum(1 for t in transcript if t.role == "learner")
    summary = (f"{PREFIX}{learner_turns} learner messages, {stats.questions_asked} questions asked, "
               f"{stats.questions_correct} answered correctly, {stats.help_requests} requests for help.")
    return SessionAnalysisResult(summary=summary, effectiveness=effectiveness, strengths=[s[:300] for s in strengths],
                           gaps=[g[:300] for g in gaps], concept_changes=stats.concept_changes,
                           recommendations=recommendations, offline=True)
