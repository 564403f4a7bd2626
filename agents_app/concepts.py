"""Concepts a teacher would name, found in the learner's own text (the offline analyzer's core).

Candidates come from what a text does to mark its key ideas, each adding to a score that is
summed over the whole folder:
- emphasis (**bold**), definitions ("X is a…", "…is called X", "…known as X");
- headings (their topic, never glued to the sentence after them: headings are anchors);
- names of people, events and laws (capitalised runs such as "Treaty of Versailles", and
  capitalised words used more than once inside sentences);
- noun phrases the folder repeats ("carbon dioxide", "magma chamber");
- an appositive noun ("two consuls, who led…").
A candidate is dropped when it is junk: led or ended by a stopword, a clause or a number, or a
single word that is only ever part of a longer candidate ("dioxide"). The best are kept, more
for a longer folder, and returned in reading order with their definitions and chunks.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from agents_app.quotes import defined_term, units, with_referent
from agents_app.schemas import ChunkRef
from agents_app.text import STOPWORDS, contains, content_words, sentences, stem, terms, words

MAX_CONCEPTS = 40
MIN_CONCEPTS = 5
WORDS_PER_CONCEPT = 20  # a study text names about one key idea per 20 words
MAX_TERM_WORDS = 6
MAX_TERM_CHARS = 80
MAX_SENTENCE_CHARS = 1000  # longer "sentences" are extraction debris, not quotable teaching text

EMPHASIS, DEFINITION, HEADING, NAME, APPOSITION, PHRASE, OCCURRENCE = 3.0, 3.0, 1.5, 1.0, 1.5, 0.5, 1.0

_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_CALLED = re.compile(r"\b(?:called|known as|termed) (?:the |an? )?(?P<term>[A-Za-z][\w'\- ]{1,60}?)(?=[.,;:)]|$)")
# "Reef-building corals are called hard corals": the sentence gives one thing two names; the
# name after "called" (_CALLED) is the term, the subject before it describes the same thing.
_DESCRIBED = re.compile(r"^(?:(?:an?|the)\s+)?(?P<described>[A-Za-z][\w'\- ]{1,60}?)\s+(?:is|are|was|were)\s+"
                        r"(?:also\s+)?(?:called|known as|termed)\s")
_APPOSITION = re.compile(
    r"\b(?:the|an?|two|three|its|their) (?P<term>[a-z][a-z\-]{3,}), (?:who|which) "  # "two consuls, who led"
    # "the asthenosphere, a softer zone"
    r"|\b(?:the|an?) (?P<noun>[a-z][a-z\-]{3,}(?: [a-z][a-z\-]{3,})?), (?:an?|the) "
    r"|[a-z], the (?P<named>[a-z][a-z\-]{3,}), [a-z]"  # "the two upper chambers, the atria, receive"
)
_NAME = re.compile(r"(?<![\w'])(?:[A-Z][\w'\-]*\.?)(?:\s+(?:(?:of(?:\s+the)?|de|von|van)\s+)?[A-Z][\w'\-]*\.?)*")
_NEXT_WORD = re.compile(r"\s+([a-z]+)")
_ERA = re.compile(r"^(?:BCE?|AD|CE)\s+")  # "In 49 BC Julius Caesar crossed…"
_NUMBERING = re.compile(r"^\s*(?:(?:chapter|part|unit|section|lesson)\s+)?[\dIVXivx]+(?:\.\d+)*[.):]?\s+")
_DEMONYM = re.compile(r"(?:ish|ese|ian|French|Dutch|Greek|German)$")  # "French society": an adjective, not a topic
_KINDS = frozenset({"kinds", "types", "sorts", "forms", "classes", "categories", "varieties"})
_QUESTION_WORDS = frozenset({"what", "why", "how", "when", "where", "who", "which", "whose"})
_HEADING_LINKS = frozenset({"before", "after", "with", "in", "on", "at", "for", "from", "to", "into", "by", "as"})
_PLACE_LINKS = frozenset({"in", "of", "across", "throughout", "at", "to", "from", "into", "near", "within", "over",
                          "around", "beyond", "outside"})
# Names listed before this one ("across Asia, Europe and "), to look past to what leads the list.
_LIST_BEFORE = re.compile(r"(?:(?<=\s)[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)*(?:,\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+))+$")
_NAME_LINKS = frozenset({"of", "the", "and"})  # inside a capitalised name: "Battle of the Somme"
_LEADING = re.compile(
    r"^(?:(?:the|an?|this|these|those|its|their|each|every|both|single|several|many|few|various|two|three|four|five|six"
    r"|seven|eight|nine|ten)\s+)+",
    re.IGNORECASE)
# "the second line", "a later dose": a place in a sequence, not a name ("First World War" is one).
_ORDINAL = re.compile(r"^(?:first|second|third|fourth|fifth|last|next|later|earlier|final|former|latter|other|further)\s")
_OWNER = re.compile(r"^[A-Z][\w\-]*'s\s+(?=[A-Z])")  # "Germany's Schlieffen Plan", not "Newton's first law"
# A noun phrase usually follows one of these (or opens the sentence): "the carbon dioxide", "of sea water".
_PHRASE_OPENERS = frozenset({"the", "a", "an", "of", "in", "on", "by", "with", "from", "into", "through", "and",
                             "or", "as", "its", "their", "this", "these", "at", "for", "called", ",", ":", ";", "("})
# After these a noun phrase is singular, so a later word in -s is the sentence's verb: "a fringing
# reef grows close to the shore" names "fringing reef" ("a greenhouse gas", "a contact lens" and
# "a particle physics experiment" keep their nouns in -s).
_SINGULAR_OPENERS = frozenset({"a", "an", "this", "each", "every"})
_VERB_S = re.compile(r"(?![a-z]*(?:ss|us|is|as|ics)$)[a-z]{3,}s")
_NOUNS_IN_S = frozenset({"lens", "series", "species", "means", "news"})


@dataclass
class Candidate:
    name: str
    score: float = 0.0
    definition: str = ""
    first_seen: tuple[int, int] = (1 << 30, 1 << 30)
    chunk_ids: list[int] = field(default_factory=list)
    strong: bool = False  # emphasised or defined: the text's own choice, not a statistic
    proper: bool = False  # a name (person, place, event, work) rather than a term
    heading_chunks: list[ChunkRef] = field(default_factory=list)


def phrase_key(phrase: str) -> tuple[str, ...]:
    """Stemmed content words: 'Limiting factors' and 'limiting factor' share one key."""
    return tuple(terms(phrase))


def ngrams(tokens: list[str], longest: int) -> set[tuple[str, ...]]:
    """Every run of 1..longest tokens: phrase lookups become set lookups on large folders."""
    return {tuple(tokens[i : i + n]) for n in range(1, longest + 1) for i in range(len(tokens) - n + 1)}


def clean_term(text: str) -> str | None:
    """The phrase as a concept name, or None when it is not one (a clause, a fragment, a number)."""
    text = " ".join(text.replace("**", "").split()).strip(" .,;:!?\"'()[]")
    text = _OWNER.sub("", _LEADING.sub("", _NUMBERING.sub("", text)))
    tokens = words(text)
    if not tokens or len(tokens) > MAX_TERM_WORDS or re.search(r"[,;:!?()\[\]]", text):
        return None
    if _ORDINAL.match(text):
        return None
    if len(text) > MAX_TERM_CHARS:  # a "word" that long is extraction debris (or an attack), not a name
        return None
    wordy = any(len(t) > 2 and t.replace("-", "").isalpha() for t in tokens)
    if tokens[0] in STOPWORDS or tokens[-1] in STOPWORDS or not wordy:
        return None
    if all(t.isdigit() for t in tokens) or not content_words(text) or not _links_fit(text.split()):
        return None
    return text


def _links_fit(tokens: list[str]) -> bool:
    """Inside a phrase, only "of" joins lowercase words ("law of demand", not "fluid around the
    thylakoids"); a capitalised name may also hold "the" and "and" ("Battle of the Somme")."""
    inner = [t.lower() for t in tokens[1:-1] if t.lower() in STOPWORDS]
    allowed = _NAME_LINKS if tokens[-1][:1].isupper() else {"of"}
    return all(word in allowed for word in inner)


class Book:
    """The candidates of a folder, keyed by their stemmed words."""

    def __init__(self) -> None:
        self.candidates: dict[tuple[str, ...], Candidate] = {}
        self.aliases: dict[tuple[str, ...], tuple[str, ...]] = {}  # another name's key -> the term's key

    def alias(self, described: str, name: str) -> None:
        """`described` names the same thing as the term `name` ("reef-building corals" and "hard corals")."""
        described_term, name_term = clean_term(described), clean_term(name)
        if described_term and name_term and phrase_key(described_term) != phrase_key(name_term):
            self.aliases[phrase_key(described_term)] = phrase_key(name_term)

    def merge_aliases(self) -> None:
        """One concept for one thing: another name's candidate goes, its passages credited to the term."""
        for other, term in self.aliases.items():
            if other in self.candidates and term in self.candidates:
                merged = self.candidates.pop(other)
                kept = self.candidates[term]
                kept.chunk_ids.extend(pk for pk in merged.chunk_ids if pk not in kept.chunk_ids)
                kept.first_seen = min(kept.first_seen, merged.first_seen)

    def note(self, raw: str, bonus: float, *, strong: bool = False, definition: str = "") -> Candidate | None:
        term = clean_term(raw)
        key = phrase_key(term) if term else ()
        if not term or not key or _glued(key):
            return None
        candidate = self.candidates.setdefault(key, Candidate(name=term))
        candidate.score += bonus
        candidate.strong = candidate.strong or strong
        if definition and not candidate.definition and len(definition) <= MAX_SENTENCE_CHARS:
            candidate.definition = definition
        return candidate


def _glued(key: tuple[str, ...]) -> bool:
    """A heading glued to the sentence after it repeats itself: 'Seafloor Spreading Seafloor spreading'."""
    return any(key[i:i + n] == key[i + n:i + 2 * n] for n in range(1, len(key) // 2 + 1) for i in range(len(key)))


def find_concepts(chunks: list[ChunkRef]) -> list[Candidate]:
    """Candidate concepts with scores, definitions and the chunks that teach them, in reading order."""
    ordered = sorted(chunks, key=lambda c: (c.document_id, c.order))
    book = Book()
    prose = [_prose(chunk) for chunk in ordered]  # each chunk's sentences, split once
    for chunk, said in zip(ordered, prose):
        _note_marked(book, chunk, said)
    _note_headings(book, ordered)
    _note_names(book, prose)
    _note_phrases(book, prose)
    if len(book.candidates) < MIN_CONCEPTS:
        _note_frequent_words(book, ordered)
    _count_occurrences(ordered, book.candidates)
    book.merge_aliases()
    _drop_fragments(book.candidates)
    found = [c for c in book.candidates.values() if c.chunk_ids]
    found = sorted(found, key=lambda c: (-c.score, c.first_seen))[:_how_many(ordered)]
    text = " ".join(s for said in prose for s in said)
    for candidate in found:
        candidate.name, candidate.proper = as_written(candidate.name, text)
    return sorted(found, key=lambda c: c.first_seen)


def as_written(name: str, prose: str) -> tuple[str, bool]:
    """The name as a teacher writes it mid-sentence, and whether it is a proper name: capitalised
    inside a sentence ("printed in Europe"), or word by word ("Johannes Gutenberg"). Any other
    term is written in lower case: "Woodblock printing" only had its capital from opening a
    sentence. Acronyms and mixed case ("ATP", "RuBisCO") and possessives ("Newton's") keep theirs."""
    capitals = [w[:1].isupper() for w in name.split() if w.lower() not in STOPWORDS]
    proper = bool(capitals) and capitals[0] and (
        (len(capitals) > 1 and all(capitals))
        or re.search(r"(?<=[a-z0-9,;:] )" + term_pattern(name), prose) is not None)
    # A heading's title case ("The Printing Press") is no name when the sentences write it in lower
    # case, or never write it at all.
    proper = proper and re.search(term_pattern(name.lower()), prose) is None and re.search(
        term_pattern(name), prose) is not None
    if proper:
        return name, True
    return " ".join(w if w[1:] != w[1:].lower() or w.endswith("'s") or _a_name(w, prose) else w.lower()
                    for w in name.split()), False


def _a_name(word: str, prose: str) -> bool:
    """A capitalised word the sentences always write so, also after a word in lower case:
    "western Europe" ("Death" of "Black Death" or "Dance of Death" is part of a name, not one of its own)."""
    return word[:1].isupper() and re.search(r"(?<![\w'\-])(?!(?:of|the|and)\s)[a-z][\w'\-]*[,;:]?\s+"
                                            + re.escape(word) + r"\b", prose) is not None \
        and re.search(r"\b" + re.escape(word.lower()) + r"\b", prose) is None


def term_pattern(name: str) -> str:
    """The term as a regular expression: its words, by spaces or hyphens, also as a plural; never
    a part of a hyphenated word ("estates" is not in "Estates-General")."""
    return r"(?<![\w\-])" + r"[\s\-]+".join(re.escape(w) for w in name.split()) + r"(?:e?s)?(?![\w\-])"


def _how_many(chunks: list[ChunkRef]) -> int:
    size = sum(len(c.text.split()) for c in chunks)
    return max(MIN_CONCEPTS * 2, min(MAX_CONCEPTS, size // WORDS_PER_CONCEPT))


def _note_marked(book: Book, chunk: ChunkRef, said: list[str]) -> None:
    """Emphasis, definitions and appositions of one chunk."""
    for match in _BOLD.finditer(chunk.text):
        book.note(match.group(1) or match.group(2), EMPHASIS, strong=True)
    for sentence in said:
        names = named(sentence)
        described = _DESCRIBED.match(sentence)
        if described and names:
            book.alias(described.group("described"), names[0])
        defined = defined_term(sentence)
        if defined and not (described and phrase_key(defined) == phrase_key(described.group("described"))):
            book.note(defined, DEFINITION, strong=True, definition=sentence)
        for term in names:
            book.note(term, DEFINITION, strong=True, definition=sentence)
        for match in _APPOSITION.finditer(sentence):
            book.note(match.group("term") or match.group("noun") or match.group("named"), APPOSITION)


def named(sentence: str) -> list[str]:
    """The terms a sentence introduces by name: "…tiny animals called polyps", "…known as the Terror"."""
    return [match.group("term") for match in _CALLED.finditer(sentence)]


def with_article(concept: str, text: str) -> str:
    """The concept as our own sentences name it ("let us start with …", "an example of …"): with
    "the" where `text` mostly uses it as a thing one can count, after a determiner ("the Great
    Barrier Reef"; "a plasma cell", "each chloroplast") or in the plural ("chloroplasts"); bare
    where it mostly does not ("photosynthesis") and where it never writes it."""
    if re.match(r"(?:the|an?)\s", concept, flags=re.IGNORECASE):  # it has its own ("The Terror")
        return concept
    uses = list(re.finditer(rf"(?:\b(the|an?|each|every)\s+)?({term_pattern(concept)})", text, flags=re.IGNORECASE))
    singular = not concept.lower().endswith("s")
    counted = sum(1 for use in uses if use.group(1) or (singular and use.group(2).lower().endswith("s")))
    return f"the {concept}" if uses and 2 * counted >= len(uses) else concept


def heading_topics(title: str) -> list[str]:
    """What a heading names: 'The first law: inertia' gives 'inertia'; 'Friction and weight' both;
    a question ('Why cells divide'), a clause ('Life in the towns') or a list's title ('Kinds of
    reef': the kinds are the concepts, named in its prose) names nothing."""
    title = _NUMBERING.sub("", title.split(":")[-1]).strip()
    tokens = words(title)
    if not tokens or tokens[0] in _QUESTION_WORDS or _HEADING_LINKS & set(tokens) \
            or (tokens[0] in _KINDS and tokens[1:2] == ["of"]):
        return []
    parts = re.split(r"\s+(?:and|&)\s+|,\s*", title) if len(content_words(title)) > 1 else [title]
    return [p for p in parts if p.strip()]


def _note_headings(book: Book, chunks: list[ChunkRef]) -> None:
    """Each heading of the folder, once, scored by the heading and credited with its chunks."""
    seen: dict[str, list[ChunkRef]] = {}
    for chunk in chunks:
        for title in filter(None, (t.strip() for t in chunk.section.split(" > "))):
            seen.setdefault(title, []).append(chunk)
    for title, under in seen.items():
        for topic in heading_topics(title):
            candidate = book.note(topic, HEADING)
            if candidate is not None:
                candidate.heading_chunks.extend(under)


def _note_names(book: Book, prose: list[list[str]]) -> None:
    """Names of people, places, events and laws: capitalised runs inside sentences (a run of two or
    more words anywhere, a single word when it is not the sentence's first and is used twice)."""
    uses: Counter[str] = Counter()
    runs: set[str] = set()  # names met as a run of capitalised words
    settings: Counter[str] = Counter()  # uses after "in", "across"...: a place where things happen
    for said in prose:
        for sentence in said:
            for match in _NAME.finditer(sentence):
                name = _ERA.sub("", match.group().rstrip("."))
                after = _NEXT_WORD.match(sentence, match.end())
                if re.search(r"\b[A-Z]$", name) and after and after.group(1) not in STOPWORDS:
                    continue  # "Killer T" of "Killer T cells": the letter names a kind of the noun after it
                if len(name.split()) == 1 and match.start() == 0:
                    continue
                before = words(_LIST_BEFORE.sub("", sentence[:match.start()]))[-3:]
                if len(name.split()) > 1:
                    whole, name = name, _drop_sentence_opener(name, match.start())
                    before = words(whole[: len(whole) - len(name)]) or before  # "In East Asia" gives "in"
                    if len(name.split()) > 1:  # "The Bactrian camel" is one capitalised word, not a run
                        runs.add(name)
                uses[name] += 1
                settings[name] += _is_setting(before, single=len(name.split()) == 1)
    for name, count in uses.items():
        # A name only ever met as a setting is where the story happens, not what it teaches.
        if settings[name] == count:
            continue
        if name in runs:
            book.note(name, NAME * count)
        elif count >= 2 and name.lower() not in STOPWORDS and not _DEMONYM.search(name):
            book.note(name, NAME * math.log2(count + 1))


def _is_setting(before: list[str], *, single: bool) -> bool:
    """Whether the words before a name make it a place: "across Europe", "in medieval Europe",
    "to the ports of the Mediterranean" (one word after "the"), "across Asia, Europe and North
    Africa" (a list after the place word); not "at the Battle of Hastings" nor "in 49 BC Julius
    Caesar"."""
    if single and before[-1:] == ["the"]:
        before = before[:-1]
    before = before[-2:]
    if before[-1:] and before[-1] in _PLACE_LINKS:
        return True
    return len(before) == 2 and before[0] in _PLACE_LINKS and before[1].isalpha() and before[1] not in STOPWORDS


def _prose(chunk: ChunkRef) -> list[str]:
    """The chunk's sentences, without table rows (a capitalised cell is not a name)."""
    return [u.text for u in units(chunk.text.replace("**", "")) if not u.row]


def _drop_sentence_opener(name: str, start: int) -> str:
    """'In Paris' at a sentence start is 'Paris'; 'Julius Caesar' stays whole."""
    first, _, rest = name.partition(" ")
    return rest if start == 0 and first.lower() in STOPWORDS and rest else name


def _note_phrases(book: Book, prose: list[list[str]]) -> None:
    """Noun phrases of two or three content words that the folder uses at least twice: the
    start of a run of content words that follows an article or preposition, or opens a sentence."""
    counts: Counter[tuple[str, ...]] = Counter()
    spelling: dict[tuple[str, ...], str] = {}
    for said in prose:
        for sentence in said:
            for run in _phrase_starts(sentence):
                for n in (2, 3):
                    if len(run) >= n:
                        phrase = " ".join(run[:n])
                        key = phrase_key(phrase)
                        counts[key] += 1
                        spelling.setdefault(key, phrase)
    for key, count in counts.items():
        if count >= 2 and len(key) >= 2:
            book.note(spelling[key], PHRASE * math.log2(count + 1))


def _phrase_starts(sentence: str) -> list[list[str]]:
    """Runs of content words (no stopwords, numbers or possessives inside) that open the sentence
    or follow a phrase opener."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|\S", sentence)
    runs: list[list[str]] = []
    for index, token in enumerate(tokens):
        before = tokens[index - 1].lower() if index else None
        if _is_content(token) and (before is None or before in _PHRASE_OPENERS):
            run = [token]
            for following in tokens[index + 1:]:
                # A capital that opens the sentence is no name's ("Seafloor spreading pushes…").
                name = run[-1][0].isupper() and not (index == 0 and len(run) == 1)
                if _ends_phrase(run[-1], following, singular=before in _SINGULAR_OPENERS, name=name):
                    break
                run.append(following)
            runs.append(run)
    return [run for run in runs if len(run) >= 2]


def _ends_phrase(last: str, following: str, *, singular: bool, name: bool) -> bool:
    """Whether the noun phrase ends before `following`: not a content word, after a possessive,
    the verb in -s of a `singular` phrase ("a fringing reef grows"), or what the `name` it ends
    with is doing ("the Moon pulling on the oceans"; "seafloor spreading" stays whole)."""
    return (not _is_content(following) or last.endswith("'s")
            or (singular and _VERB_S.fullmatch(following) is not None and following not in _NOUNS_IN_S)
            or (name and following.endswith("ing") and following.islower()))


def _is_content(token: str) -> bool:
    """A word a noun phrase is made of: not a stopword, nor a count ("six molecules" is a number
    of molecules, and without the count only the generic "molecules" would be left)."""
    return token[0].isalpha() and token.lower() not in STOPWORDS and not _LEADING.match(f"{token} ")


def _note_frequent_words(book: Book, chunks: list[ChunkRef]) -> None:
    """Plain text with no emphasis, definitions or headings: fall back on its most used words."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for chunk in chunks:
        for word in content_words(chunk.text):
            if len(word) >= 4 and not word.isdigit():
                counts[stem(word)] += 1
                spelling.setdefault(stem(word), word)
    for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: MIN_CONCEPTS * 2]:
        if len(book.candidates) >= MIN_CONCEPTS * 2:
            break
        book.note(spelling[key], 0.0)


def _count_occurrences(chunks: list[ChunkRef], candidates: dict[tuple[str, ...], Candidate]) -> None:
    longest = max((len(k) for k in candidates), default=1)
    for chunk in chunks:
        present = ngrams(terms(chunk.text), longest) & candidates.keys()
        for key in present:
            _credit(candidates[key], chunk, key)
    for key, candidate in candidates.items():
        for chunk in candidate.heading_chunks:
            if chunk.chunk_id not in candidate.chunk_ids:
                _credit(candidate, chunk, key, occurrence=0.0)


def _credit(candidate: Candidate, chunk: ChunkRef, key: tuple[str, ...], occurrence: float = OCCURRENCE) -> None:
    candidate.score += occurrence
    candidate.chunk_ids.append(chunk.chunk_id)
    candidate.first_seen = min(candidate.first_seen, (chunk.document_id, chunk.order))
    if not candidate.definition:
        said = sentences(chunk.text)
        at = next((i for i, s in enumerate(said) if contains(terms(s), key)), None)
        if at is not None:
            candidate.definition = with_referent(said[at - 1] if at else None, said[at])
    candidate.definition = candidate.definition[:MAX_SENTENCE_CHARS]


def _drop_fragments(candidates: dict[tuple[str, ...], Candidate]) -> None:
    """A candidate that is only ever part of a longer one ('dioxide' of 'carbon dioxide', 'The Terror'
    of 'Reign of Terror') goes, unless the text marks it on its own (emphasis, definition)
    or uses it in more than twice as many passages as the longer one."""
    containing: dict[tuple[str, ...], list[tuple[str, ...]]] = {}  # part -> the longer keys holding it
    for key in candidates:
        for part in ngrams(list(key), len(key) - 1):
            containing.setdefault(part, []).append(key)
    for key in sorted(candidates, key=len):  # shortest first: every longer key is still there
        candidate, longer = candidates[key], containing.get(key)
        if not longer or candidate.strong:
            continue
        inside = max(len(candidates[other].chunk_ids) for other in longer)
        if len(candidate.chunk_ids) <= 2 * inside:
            del candidates[key]
