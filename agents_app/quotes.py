"""What a learner is shown of a passage: the sentence or two that best match the question.

One place builds every quote (search results, the tutor's citations and the offline
teacher's explanations), so they all read the same:
- a passage is cut into sentences, and a table into its rows (each shown under its header row);
- the quote is the best-matching sentence, plus the next best-matching one (marked "…" when
  they are not neighbours); who / when / how-many questions favour a sentence holding a name,
  a date or a number;
- a sentence that refers back, opening with a pronoun ("It includes…") or with one after an
  opening phrase ("Under the oceans this builds…"), is quoted with the sentence before it, so
  the pronoun has something to refer to;
- for "what is X?" the passage's own definition of X wins when it has one;
- at most QUOTE_CHARS characters: a long sentence is cut around its matching words.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from agents_app.everyday import query_terms
from agents_app.text import STOPWORDS, content_words, sentences, terms, words

QUOTE_CHARS = 300
_ROOM = 60  # a second sentence is shown only when at least this much of it fits
ROW_SEPARATOR = " | "
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PRONOUN_START = frozenset({
    "it", "its", "this", "these", "those", "they", "their", "them", "he", "she", "his", "her", "such", "there",
    "that", "both", "then", "however", "instead", "together", "here",
})
# A pronoun this early in a sentence that opens with a phrase like "Under the oceans" or "In
# 1687" points at the sentence before: the opening phrase holds no subject it could stand for.
_BURIED_PRONOUN = frozenset({"it", "its", "this", "these", "they", "their", "them", "he", "she", "his", "her", "him"})
_OPENERS = frozenset({
    "in", "on", "at", "under", "over", "after", "before", "during", "when", "while", "once", "by", "for", "from",
    "with", "without", "because", "since", "so", "and", "but", "yet", "unlike", "like", "as", "despite", "later",
    "soon", "within", "through", "across", "inside", "beneath", "below", "above", "until", "if", "although",
    "around", "about", "towards", "toward", "throughout", "among", "between", "upon", "unless", "even",
})
_EARLY = 6
_QUESTION = re.compile(
    r"^\s*(?:(?:what|who)\s+(?:is|are|was|were)|define|what\s+does\s+(?P<word>.+?)\s+mean|"
    r"(?:what\s+is\s+)?the\s+meaning\s+of|(?:can\s+you\s+)?explain(?:\s+what)?)\s+(?P<term>[^?]+?)"
    r"(?:\s+(?:is|are|means?))?\s*\??\s*$",
    re.IGNORECASE,
)
_DEFINITION = re.compile(
    r"^(?:(?:an?|the)\s+)?(?P<term>[A-Za-z][\w'\- ]{1,60}?)\s+"
    # "is the thickest." or "is the main…" describes, it does not define
    r"(?:(?:is|are|was|were)\s+(?:an?|the(?!\s+(?:\w+est\b[\s,.;]*(?:$|,|\.|because|of)"
    r"|most|least|same|first|last|only|main)\b)|one|any|how|what)\b|"
    r"refers to|means|describes|measures|states that|"
    r"is\s+called|are\s+called|(?:is|are)\s+(?:made|formed|built)\b)",
    re.IGNORECASE,
)
# Not a phrasal verb: "are called into action", "was called off".
_CALLED = re.compile(r"\b(?:is|are|was|were) (?:called|known as) (?!(?:into|in|on|upon|off|out|up|for|back|away)\b)"
                     r"(?:the |an? )?(?P<term>[\w'\- ]{2,60}?)[.,;]", re.IGNORECASE)
# The kind of words that answer a "who" / "when" / "how many" question: a person's name (two
# capitalised words, not at the sentence start), a year or date, a number.
_ANSWER_KINDS = {
    "who": re.compile(r"(?<![.?!] )\b[A-Z][a-z]+ [A-Z][a-z]+\b"),
    "when": re.compile(r"\b(?:1\d{3}|20\d{2})s?\b|\b\d{1,2} (?:January|February|March|April|May|June|July|August|"
                       r"September|October|November|December)\b"),
    "how": re.compile(r"\b\d[\d,.]*\b"),
}
_HOW_MUCH = frozenset({"many", "much", "long", "far", "fast", "old", "big", "heavy", "quickly", "often"})
ANSWER_KIND_BONUS = 1.0
DEFINITION_BONUS = 100.0
_NOT_A_SUBJECT = frozenset({"it", "this", "that", "these", "those", "there", "they", "he", "she", "its", "each",
                            "one", "which", "what"})


@dataclass(frozen=True)
class Unit:
    """A sentence, or a table row with its table's header row (None for the header itself)."""

    text: str
    header: str | None = None
    row: bool = False

    @property
    def shown(self) -> str:
        return f"{self.header}; {self.text}" if self.header else self.text


def units(text: str) -> list[Unit]:
    """The passage as sentences and table rows, in order."""
    out: list[Unit] = []
    prose: list[str] = []
    header: str | None = None
    for line in text.splitlines():
        if _RULE.match(line):  # a Markdown table's |---|---| line
            continue
        if ROW_SEPARATOR in line:
            out.extend(Unit(s) for s in sentences("\n".join(prose)))
            prose = []
            row = " ".join(line.strip().strip("|").split())
            out.append(Unit(row, header, row=True))
            header = header or row
        else:
            header = None if line.strip() else header
            prose.append(line)
    out.extend(Unit(s) for s in sentences("\n".join(prose)))
    return out


def asked_term(query: str) -> str | None:
    """X in "what is X?", "define X", "what does X mean?"; None for other questions."""
    match = _QUESTION.match(query)
    if not match:
        return None
    term = (match.group("word") or match.group("term")).strip(" '\"")
    term = re.sub(r"^(?:an?|the)\s+", "", term, flags=re.IGNORECASE)
    return term if content_words(term) and len(words(term)) <= 6 else None


def defined_term(sentence: str) -> str | None:
    """The term a sentence defines ("A volcano is an opening…" gives "volcano"), if it defines one."""
    for pattern in (_CALLED, _DEFINITION):
        match = pattern.search(sentence)
        if match:
            term = match.group("term").strip(" '")
            first = words(term)[:1]
            if first and first[0] not in _NOT_A_SUBJECT and len(words(term)) <= 5 and content_words(term):
                return term
    return None


def defines(sentence: str, term: str) -> bool:
    found = defined_term(sentence)
    return found is not None and terms(found)[-len(terms(term)):] == terms(term)


Rarity = Callable[[str], float]


def best_quote(text: str, query: str, limit: int = QUOTE_CHARS, rarity: Rarity | None = None) -> str:
    """The sentence or two of `text` that best answer `query`, at most `limit` characters.

    `rarity` weighs a query term by how rare it is in the whole folder (its idf), so that the
    sentence matching the specific word of the question wins over one matching a common one."""
    parts = units(text)
    if not parts:
        return _cut(" ".join(text.split()), set(), limit)
    best, chosen = best_units(parts, query, rarity)
    wanted = set(query_terms(query).weights())
    if len(chosen) == 1 or len(parts[best].shown) > limit - _ROOM:
        return _cut(parts[best].shown, wanted, limit)
    other = next(i for i in chosen if i != best)
    room = limit - len(parts[best].shown) - 3
    if other > best:
        return _joined(parts, chosen, {other: _head(parts[other].shown, room)})
    return _joined(parts, chosen, {other: _tail(parts[other].shown, room)})


def best_units(parts: list[Unit], query: str, rarity: Rarity | None = None) -> tuple[int, list[int]]:
    """(best unit, the units to quote in order): the best-matching unit, with the sentence before
    it when it refers back to it, else with the next best-matching sentence of the passage
    (one after it when the best one is the definition asked for)."""
    scores, definition = _scored(parts, query, rarity)
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    if best > 0 and refers_back(parts[best].text) and not parts[best].row:
        return best, [best - 1, best]
    if parts[best].row:
        return best, [best]
    candidates = [i for i in range(len(parts)) if i != best and scores[i] > (0.0, 0.0) and not parts[i].row
                  and (i == best + 1 or not refers_back(parts[i].text))
                  and (best not in definition or i > best)]
    second = max(candidates, key=lambda i: (scores[i], i == best + 1, -i), default=None)
    if second is None and _leans_on_previous(parts, best + 1):
        second = best + 1
    return best, sorted({best} if second is None else {best, second})


def _scored(parts: list[Unit], query: str, rarity: Rarity | None) -> tuple[list[tuple[float, float]], set[int]]:
    """Each unit's score for the query, and which units define the term a "what is X?" asks for
    (they win outright). A score is (by the query's own words, by their related words): the
    learner's own words choose the sentence, related ones only break ties (see everyday)."""
    wanted = query_terms(query)
    unit_terms = [terms(p.shown) for p in parts]
    scores = _scores(parts, wanted.own, rarity, unit_terms)
    answer_kind = _answer_kind(query)
    for index, part in enumerate(parts):
        if answer_kind is not None and answer_kind.search(part.text[1:]):
            scores[index] += ANSWER_KIND_BONUS
    asked = asked_term(query)
    definition = {i for i, part in enumerate(parts) if asked and defines(part.text, asked)}
    for index in definition:
        scores[index] += DEFINITION_BONUS
    return list(zip(scores, _scores(parts, wanted.related, rarity, unit_terms))), definition


def _answer_kind(query: str) -> re.Pattern[str] | None:
    """What an answer to a who / when / how-many question contains; None for other questions."""
    first, second = (words(query) + ["", ""])[:2]
    if first == "how" and second not in _HOW_MUCH:
        return None
    return _ANSWER_KINDS.get(first)


def _leans_on_previous(parts: list[Unit], index: int) -> bool:
    return index < len(parts) and not parts[index].row and refers_back(parts[index].text)


def _joined(parts: list[Unit], chosen: list[int], shortened: dict[int, str]) -> str:
    """The units in order (some shortened); a gap between two that do not follow each other is "…"."""
    pieces = []
    for position, index in enumerate(chosen):
        if position and index != chosen[position - 1] + 1 and not pieces[-1].endswith("…"):
            pieces.append("…")
        pieces.append(shortened.get(index, parts[index].shown))
    return " ".join(pieces)


def _head(text: str, room: int) -> str:
    """The start of `text` within `room` characters, cut between words."""
    return text if len(text) <= room else text[: room - 1].rsplit(" ", 1)[0] + "…"


def _tail(text: str, room: int) -> str:
    """The end of `text` within `room` characters, cut between words."""
    return text if len(text) <= room else "…" + text[len(text) - room + 1:].split(" ", 1)[-1]


def refers_back(sentence: str) -> bool:
    """Whether the sentence leans on the one before: it opens with a pronoun or a linking word
    ("It includes…", "However…"), or with a phrase followed early by a pronoun ("Under the
    oceans this builds…", "In 1687 he published…")."""
    lead = words(sentence)[:_EARLY]
    if not lead:
        return False
    if lead[0] in _PRONOUN_START:
        return True
    if lead[0] not in _OPENERS:
        return False
    at = next((i for i, w in enumerate(lead) if i and w in _BURIED_PRONOUN), None)
    return at is not None and not _owner_before(lead[1:at], lead[at])


def _owner_before(opening: list[str], pronoun: str) -> bool:
    """Whether a possessive has its owner in the opening phrase: "When polyps die their skeletons
    remain" (plural "their" after a plural noun), "As the volcano erupts its magma…"."""
    nouns = [w for w in opening if w not in STOPWORDS and w.isalpha() and len(w) > 2]
    if pronoun == "their":
        return any(w.endswith("s") and not w.endswith("ss") for w in nouns)
    if pronoun == "its":
        return any(not w.endswith("s") or w.endswith("ss") for w in nouns)
    return False


def with_referent(before: str | None, sentence: str) -> str:
    """The sentence, after the one before it when it refers back to it ("Its first line is…"):
    the pronoun then has something to refer to. `before` is None at the start of a passage."""
    return f"{before} {sentence}" if before and refers_back(sentence) else sentence


def _scores(parts: list[Unit], wanted: Mapping[str, float], rarity: Rarity | None,
            unit_terms: list[list[str]]) -> list[float]:
    """Matching query terms (each by its weight), rarer ones (in the passage, and in the folder)
    weighing more, repeats a little more, plus adjacent pairs of them. `unit_terms`: each
    part's terms."""
    frequency = Counter(t for ts in unit_terms for t in set(ts))
    scores = []
    for part, ts in zip(parts, unit_terms):
        counts = Counter(t for t in ts if t in wanted)
        score = sum(wanted[t] * (1.0 + math.log(len(parts) / frequency[t])) * (rarity(t) if rarity else 1.0)
                    * (1.0 + 0.3 * math.log(tf)) for t, tf in counts.items())
        pairs = {(a, b) for a, b in zip(ts, ts[1:])}
        score += 0.5 * sum(min(wanted[a], wanted[b]) for a, b in pairs if a in wanted and b in wanted and a != b)
        # A header row names the columns; the row under it holds the answer.
        scores.append(score / 2 if part.row and part.header is None else score)
    return scores


def _cut(text: str, wanted: set[str], limit: int) -> str:
    """`text` when it fits; otherwise about `limit` characters around its first matching word."""
    if len(text) <= limit:
        return text
    tokens = text.split()
    first = next((i for i, token in enumerate(tokens) if set(terms(token)) & wanted), 0)
    start = max(0, first - 8)
    piece = []
    for token in tokens[start:]:
        if len(" ".join([*piece, token])) > limit - 2:
            break
        piece.append(token)
    return ("…" if start else "") + " ".join(piece) + "…"
