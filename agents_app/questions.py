"""The offline quiz creator: questions built from the documents' own sentences.

- Several questions per concept when asked for more than the concepts (each from another
  sentence); never more than the documents support, and never a repeat.
- Difficulty changes the question: easy asks to recall a term from its definition, or else
  blanks it in the sentence that first uses it, naming the part of the documents as a hint;
  medium blanks the term in another sentence (in a few wordings), the last that uses it; hard
  gives a two-sentence passage or an example to apply the term to, with distractors of the same
  kind (sharing its head word or its section).
- A sentence that refers back ("Under the oceans this builds…") is shown after the one it
  refers to.
- Options look alike, so none stands out: names with names and terms with terms, as many
  words as the answer where the folder has such terms, each written as the concept finder
  names it (terms in lower case), only terms the text uses in its sentences (not a bare
  heading such as "Consequences").
- No grammatical give-aways: "a"/"an" before a blank becomes "a(n)"; distractors have the
  grammatical number of the answer, and the number the stem asks for ("_____ are…") where it
  asks for one; a distractor repeats a word of the stem only when the answer does.
- Every question cites the chunk and the sentence it was built from.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from agents_app.concepts import (
    MAX_SENTENCE_CHARS, MAX_TERM_WORDS, as_written, find_concepts, ngrams, phrase_key, term_pattern, with_article,
)
from agents_app.mastery import Difficulty
from agents_app.quotes import Unit, defined_term, refers_back, units, with_referent
from agents_app.schemas import ChunkRef, QuizQuestion
from agents_app.text import contains, content_words, normalise, stem, terms

BLANK = "_____"
CACHED_VOCABULARIES = 8
OPTIONS = 4
_EXAMPLE_MARKERS = ("for example", "for instance", "such as", "e.g.")
_ARTICLE = re.compile(r"\b([Aa])n?\s+(?=" + BLANK + ")")
_SINGULAR_ENDINGS = ("ss", "us", "is", "sis")
_PLURALS = {"bacteria", "data", "criteria", "phenomena", "people", "children", "men", "women", "mice", "teeth", "feet"}
_EITHER = {"species", "series", "means", "sheep", "fish", "deer", "aircraft"}
_A_BLANK = re.compile(r"\b[Aa]\(n\)\s+" + BLANK)
# The verb after the blank, unless the blank ends a list ("Uranus and _____ are").
_BLANK_SINGULAR = re.compile(r"(?<!\band )(?<!\bor )" + BLANK + r"\s+(?:is|was|has|does)\b")
_BLANK_PLURAL = re.compile(r"(?<!\band )(?<!\bor )" + BLANK + r"\s+(?:are|were|have|do)\b")
_COPULA = re.compile(r"^\s*(?:,\s*)?(?:is|are|was|were|refers to|means)\s+(?P<rest>.+?)[.!]?$", re.IGNORECASE)
# "the clergy, the Second Estate was the nobility…": a list of definitions, not one meaning.
_MORE_DEFINITIONS = re.compile(r"[,;]\s*(?:and\s+)?(?:the|an?)\s+[\w\s\-]{1,40}?\s+(?:is|are|was|were)\b")
# Medium stems, chosen by the sentence so the same question always reads the same.
_MEDIUM_STEMS = (
    "Which term completes this sentence from your documents? “{passage}”",
    "Fill in the blank: “{passage}”",
    "Which term is missing here? “{passage}”",
    "Your documents say: “{passage}” Which term belongs in the blank?",
)


@dataclass(frozen=True)
class Source:
    """A sentence a question can be built from, with its neighbours for a two-sentence stem."""

    sentence: str
    chunk: ChunkRef
    before: str
    after: str
    grams: frozenset[tuple[str, ...]]

    @property
    def is_example(self) -> bool:
        return any(marker in self.sentence.lower() for marker in _EXAMPLE_MARKERS)


def make_questions(chunks: list[ChunkRef], concepts: list[str], *, count: int, difficulty: Difficulty,
                   kinds: tuple[str, ...] = ("mcq",), existing: list[str] = ()) -> list[QuizQuestion]:
    """Up to `count` questions on `concepts`, round-robin over the concepts and then over each
    concept's sentences, cycling through kinds; never repeating `existing` or each other."""
    seen = {normalise(p) for p in existing}
    vocabulary = _vocabulary(chunks)
    quotable = _sources(chunks, concepts)
    # A free answer is compared with its source sentence: what the text says a concept is.
    by_kind = {kind: {concept: _sources_about(concept, quotable, "easy" if kind == "free" else difficulty)
                      for concept in concepts} for kind in set(kinds)}
    rounds = max((len(s) for sources in by_kind.values() for s in sources.values()), default=0)
    questions: list[QuizQuestion] = []
    for round_number in range(rounds):
        for concept in concepts:
            if len(questions) >= count:
                return questions
            kind = kinds[len(questions) % len(kinds)]
            sources = by_kind[kind][concept]
            if round_number >= len(sources):
                continue
            question = _question(concept, kind, sources[round_number], vocabulary, difficulty)
            if question is not None and normalise(question.prompt) not in seen:
                seen.add(normalise(question.prompt))
                questions.append(question)
    return questions


def has_source(chunks: list[ChunkRef], concept: str) -> bool:
    """Whether the documents give a sentence to ask about the concept (a heading alone gives none)."""
    return bool(_sources_about(concept, _sources(chunks, [concept]), "medium"))


LESSON_KINDS = ("mcq", "free")  # a lesson asks multiple choice, else free response


def can_ask_again(chunks: list[ChunkRef], concept: str, existing: list[str]) -> bool:
    """Whether an easy question on the concept that is none of `existing` can be made, of a
    lesson's kinds: what the retry after a miss asks."""
    return any(make_questions(chunks, [concept], count=1, difficulty="easy", kinds=(kind,), existing=existing)
               for kind in LESSON_KINDS)


@dataclass(frozen=True)
class Term:
    name: str  # as the options show it
    section: str
    proper: bool  # a name (person, place, work), written with capitals inside sentences


_vocabularies: OrderedDict[int, list[Term]] = OrderedDict()
_lock = threading.Lock()  # quizzes are made in several threads at once


def _vocabulary(chunks: list[ChunkRef]) -> list[Term]:
    """The folder's key terms (the distractors), kept for the last few folders: the tutor asks one
    question at a time on the same folder, and finding the terms of a book takes seconds."""
    key = hash(tuple((c.chunk_id, c.text) for c in chunks))
    with _lock:
        if key in _vocabularies:
            _vocabularies.move_to_end(key)
            return _vocabularies[key]
    by_id = {c.chunk_id: c for c in chunks}
    prose = " ".join(u.text for c in chunks for u in units(c.text) if not u.row)
    found = [Term(c.name, by_id[c.chunk_ids[0]].section if c.chunk_ids else "", c.proper)
             for c in find_concepts(chunks) if _used(c.name, prose)]
    with _lock:
        _vocabularies[key] = found
        while len(_vocabularies) > CACHED_VOCABULARIES:
            _vocabularies.popitem(last=False)
    return found


def _term(name: str, section: str, prose: str) -> Term:
    shown, proper = as_written(name, prose)
    return Term(shown, section, proper)


def _used(name: str, prose: str) -> bool:
    """Whether the text uses the term in a sentence (a heading alone does not count)."""
    return re.search(term_pattern(name), prose, flags=re.IGNORECASE) is not None


def _sources(chunks: list[ChunkRef], concepts: list[str]) -> list[Source]:
    """The sentences of the chunks that may mention one of the concepts (a cheap test on the text
    first: a book has thousands of chunks and a question needs a few)."""
    hints = [key[0][: max(3, len(key[0]) - 1)] for key in map(phrase_key, concepts) if key]
    ordered = sorted((c for c in chunks if any(h in c.text.lower() for h in hints)),
                     key=lambda c: (c.document_id, c.order))
    found = []
    for chunk in ordered:
        parts: list[Unit] = [u for u in units(chunk.text) if not u.row]
        for index, part in enumerate(parts):
            if len(part.text) <= MAX_SENTENCE_CHARS:
                before = parts[index - 1].text if index else ""
                after = parts[index + 1].text if index + 1 < len(parts) else ""
                grams = frozenset(ngrams(terms(part.text), MAX_TERM_WORDS))
                found.append(Source(part.text, chunk, before, after, grams))
    return found


def _sources_about(concept: str, quotable: list[Source], difficulty: Difficulty) -> list[Source]:
    """The sentences that use the concept, best suited to the difficulty first: definitions for
    easy, other statements for medium, examples and statements (which need two sentences) for hard."""
    key = phrase_key(concept)
    found = [q for q in quotable if key in q.grams and blank(q.sentence, concept) != q.sentence]

    position = {id(source): index for index, source in enumerate(found)}

    def rank(source: Source) -> tuple[bool, int, int]:
        # A stem that still shows a word of the answer ("metal type" for "movable type") hints at it.
        leaks = bool(set(key) & set(terms(blank(source.sentence, concept))))
        defining = phrase_key(defined_term(source.sentence) or "") == key
        if difficulty == "easy":
            return leaks, 0 if defining else 1, 0
        if difficulty == "hard":
            return leaks, 0 if source.is_example else 2 if defining else 1, 0
        # Medium starts from the last mention, easy from the first, where the text introduces the
        # concept: the two differ whenever the concept has two sentences.
        return leaks, 1 if defining and len(found) > 1 else 0, -position[id(source)]

    return sorted(found, key=rank)


def _question(concept: str, kind: str, source: Source, vocabulary: list[Term], difficulty: Difficulty
              ) -> QuizQuestion | None:
    common = dict(concept=concept, chunk_id=source.chunk.chunk_id, quote=source.sentence, difficulty=difficulty,
                  offline=True)
    if kind == "free":
        rubric = [w for w in dict.fromkeys(content_words(source.sentence)) if stem(w) not in phrase_key(concept)][:4]
        about = with_article(concept, source.chunk.text)
        return QuizQuestion(kind="free", prompt=f"In your own words, what does your text say about {about}?",
                            options=[], correct_index=None, reference_answer=source.sentence,
                            rubric=rubric or [concept], **common)
    answer = next((t for t in vocabulary if phrase_key(t.name) == phrase_key(concept)), None) or _term(
        concept, source.chunk.section, source.sentence)
    prompt = _prompt(concept, source, difficulty)
    number = _stem_number(_passage(prompt))
    if number is not None and number not in _numbers(answer.name):
        # "If _____ do get in": the answer as the sentence writes it ("pathogens"), not as the
        # concept is named ("pathogen"), or it is the one option that does not fit.
        written = re.search(term_pattern(concept), source.sentence, flags=re.IGNORECASE)
        if written:
            answer = Term(written.group(0) if answer.proper else written.group(0).lower(), answer.section,
                          answer.proper)
    distractors = [d for d in _distractors(answer, source, vocabulary, hard=difficulty == "hard",
                                           stem=set(terms(_passage(prompt).replace(BLANK, " "))))
                   if number is None or number in _numbers(d)]
    if len(distractors) < OPTIONS - 1:
        return None
    options = [answer.name, *distractors[: OPTIONS - 1]]
    shift = int(hashlib.sha256(source.sentence.encode()).hexdigest(), 16) % len(options)
    options = options[shift:] + options[:shift]
    return QuizQuestion(kind="mcq", prompt=prompt, options=options,
                        correct_index=options.index(answer.name), reference_answer="", rubric=[], **common)


def _passage(prompt: str) -> str:
    """The quoted part of a stem (what the documents say), or the whole stem."""
    match = re.search(r"“(.*)”", prompt)
    return match.group(1) if match else prompt


def _stem_number(passage: str) -> bool | None:
    """Whether the stem wants a plural (True) or a singular (False) in its blanks, or leaves it
    open (also when one blank wants each: "A(n) _____ is a vessel…; _____ have valves…")."""
    singular = bool(_A_BLANK.search(passage) or _BLANK_SINGULAR.search(passage))
    plural = bool(_BLANK_PLURAL.search(passage))
    return None if singular == plural else plural


def _prompt(concept: str, source: Source, difficulty: Difficulty) -> str:
    blanked = blank(source.sentence, concept)
    leans = refers_back(source.sentence) and bool(source.before)
    # "In medieval Europe this work…": the sentence "this work" points at comes first.
    shown = f"{blank(source.before, concept)} {blanked}" if leans else blanked
    if difficulty == "easy" and phrase_key(defined_term(source.sentence) or "") == phrase_key(concept):
        meaning = _meaning(source.sentence, concept)
        if meaning and not leans:
            return f"Which term does your text define as “{meaning}”?"
        return f"Which term does your text define like this? “{shown}”"
    section = source.chunk.section.rsplit(" > ", 1)[-1]  # "Book > Chapter": the innermost heading
    if difficulty == "easy" and section and not set(terms(section)) & set(phrase_key(concept)):
        # No definition to recall: the blank with a hint, the part of the documents it comes from
        # (unless the heading names the answer).
        return f"From the part of your documents on {section}: which term belongs in the blank? “{shown}”"
    if difficulty != "hard":
        form = _MEDIUM_STEMS[int(hashlib.sha256(source.sentence.encode()).hexdigest(), 16) % len(_MEDIUM_STEMS)]
        return form.format(passage=shown).replace("this sentence", "this passage" if leans else "this sentence")
    if source.is_example:
        context = blank(source.before, concept) if source.before else ""
        return f"Apply what you know: which term belongs in the blank of this example? “{context} {blanked}”".replace(
            "“ ", "“")
    passage = shown if leans else f"{blanked} {blank(source.after, concept)}".strip()
    blanks = "every blank" if passage.count(BLANK) > 1 else "the blank"
    return f"Read this passage from your documents. Which term fills {blanks}? “{passage}”"


def _meaning(sentence: str, concept: str) -> str | None:
    """What a definition says the concept is ("a method in which…" of "Woodblock printing is a
    method in which…"), when the sentence opens with the concept and never names it again."""
    match = re.match(r"^(?:(?:an?|the)\s+)?" + term_pattern(concept), sentence, flags=re.IGNORECASE)
    if not match:
        return None
    rest = _COPULA.match(sentence[match.end():])
    meaning = rest.group("rest") if rest else None
    if not meaning or blank(meaning, concept) != meaning or _MORE_DEFINITIONS.search(meaning):
        return None
    return meaning


def blank(sentence: str, concept: str) -> str:
    """The sentence with the concept (also as a plural) replaced by a blank, and "a"/"an" before
    the blank made "a(n)" so the article gives nothing away."""
    blanked = re.sub(term_pattern(concept), BLANK, sentence, flags=re.IGNORECASE)
    return _ARTICLE.sub(lambda m: f"{m.group(1)}(n) ", blanked)


def _numbers(term: str) -> frozenset[bool]:
    """The grammatical numbers the term can take (True: plural): both for "species", "physics"."""
    last = term.split()[-1].lower() if term.split() else ""
    if last in _EITHER or last.endswith("ics"):
        return frozenset({True, False})
    return frozenset({last in _PLURALS or (last.endswith("s") and not last.endswith(_SINGULAR_ENDINGS))})


def _plural(term: str) -> bool:
    return _numbers(term) == {True}


def _distractors(answer: Term, source: Source, vocabulary: list[Term], *, hard: bool, stem: set[str]) -> list[str]:
    """Other key terms of the folder that do not occur in the question and share no word with the
    answer: names for a name and terms for a term first; for hard questions, those of the same
    kind (same head word, then same section); then, when the answer repeats a word of the `stem`
    (its terms), those that repeat one too (the answer alone would stand out; none that repeats one
    when the answer does not: it could not be the answer); then those of the answer's grammatical
    number and word count, then those closest in length."""
    # A term the question shows is no choice: a stem may show the sentence before (hard ones the
    # one after too).
    shown = f"{source.before} {source.sentence} {source.after}" if hard else (
        with_referent(source.before, source.sentence))
    sentence_terms = terms(shown)
    concept = answer.name
    concept_key = phrase_key(concept)
    head = concept_key[-1:] if concept_key else ()
    leaks = bool(set(concept_key) & stem)
    candidates, taken = [], {concept_key}
    for term in vocabulary:
        key = phrase_key(term.name)
        if key in taken or contains(sentence_terms, key) or (set(key) & set(concept_key) and key[-1:] != head):
            continue
        if set(key) & set(concept_key) and contains(list(key), concept_key):
            continue
        if set(key) & stem and not leaks:  # "printing with woodblock printing": plainly not the answer
            continue
        taken.add(key)
        candidates.append(term)

    def closeness(term: Term) -> tuple:
        same_kind = (phrase_key(term.name)[-1:] != head, term.section != source.chunk.section) if hard else ()
        # Another number or another word count each singles the answer out: the fewest of both.
        unlike = (_plural(term.name) != _plural(concept)) + abs(len(term.name.split()) - len(concept.split()))
        repeats = bool(set(terms(term.name)) & stem) != leaks
        return (term.proper != answer.proper, *same_kind, repeats, unlike, abs(len(term.name) - len(concept)),
                term.name)

    return [t.name for t in sorted(candidates, key=closeness)]
