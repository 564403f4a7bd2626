"""The lesson flow's teaching moves, built from the learner's own documents (no model).

The offline teacher uses `teach` for each move of the lesson on one concept: an explanation
in the documents' order, the shortest definition with one supporting sentence, one smaller
step with a hint, an example sentence. `hint`, `skipped` and `summary` need no model in
either configuration. Sentences already said are not said again while unsaid ones remain,
so `next` always brings something new.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agents_app.concepts import MAX_SENTENCE_CHARS, named, ngrams, phrase_key, with_article
from agents_app.offline import PREFIX
from agents_app.questions import blank  # the quiz's own blanking, so hints hide what questions hide
from agents_app.quotes import defined_term, refers_back, with_referent
from agents_app.schemas import ChunkRef
from agents_app.text import content_words, sentences, stem, terms

_DEFINES = re.compile(r"^(?P<subject>.{1,80}?)\s+(?:is|are|was|were|refers to|means|describes|states that)\s"
                      # "The Black Death was only the first wave" says something of it, defines nothing
                      r"(?!(?:only|also|not|still|now|then|later|just|never|always|often|sometimes|usually)\b)",
                      re.IGNORECASE)
_EXAMPLE_OPENERS = ("for example", "for instance", "an example", "one example", "examples include")
_EXAMPLE_MARKERS = ("for example", "for instance", "such as", "e.g.", "example", "like ")
# Where a sentence's first step ends: "Chlorophyll is the green pigment | that absorbs light…".
_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+(?:which|who|whose|where|that|because|while|whereas|so that)\s+")
EXPLAIN_SENTENCES = 2
HINT_WORDS = 3


@dataclass(frozen=True)
class Sentence:
    text: str
    chunk: ChunkRef
    index: int  # in its chunk
    defines: bool = False  # it defines the concept taught ("X is a ...")

    def follows(self, other: Sentence) -> bool:
        return self.chunk.chunk_id == other.chunk.chunk_id and self.index == other.index + 1


def about(concept: str, passages: list[ChunkRef]) -> list[Sentence]:
    """The passages' sentences that name the concept, in the documents' order; one that refers
    back ("In medieval Europe this work…") comes with the sentence it refers to."""
    key = phrase_key(concept)
    every = _all_sentences(passages)
    found = []
    for position, s in enumerate(every):
        if not key or key not in ngrams(terms(s.text), len(key)):
            continue
        before = every[position - 1] if position else None
        text = with_referent(before.text if before and s.follows(before) else None, s.text)
        found.append(Sentence(text, s.chunk, s.index, _defines(s.text, key)))
    return found


def _under_heading(concept: str, chunk: ChunkRef) -> bool:
    key = phrase_key(concept)
    title = chunk.section.split(" > ")[-1]
    return bool(key) and key in ngrams(terms(title), len(key))


def _defines(text: str, key: tuple[str, ...]) -> bool:
    """Whether the sentence says what the concept is: "X is…", or "…tiny animals called X"."""
    match = _DEFINES.match(text)
    return (match is not None and phrase_key(match.group("subject")) == key) or any(
        phrase_key(term) == key for term in named(text))


def _all_sentences(passages: list[ChunkRef]) -> list[Sentence]:
    ordered = sorted(passages, key=lambda c: (c.document_id, c.order))
    return [Sentence(text, chunk, index) for chunk in ordered for index, text in enumerate(sentences(chunk.text))
            if len(text) <= MAX_SENTENCE_CHARS]


def _fresh(found: list[Sentence], said: str) -> list[Sentence]:
    return [s for s in found if s.text not in said]


def teach(action: str, concept: str, passages: list[ChunkRef], *, said: str = "", recent: str = "",
          opening: str = "", introducing: bool = False) -> tuple[str, list[ChunkRef]]:
    """One lesson move on `concept` (explain, help_simpler, help_stuck, example), cited as [n].
    `said` is what the tutor said before and `recent` its last few turns: new sentences first
    (those naming the concept, then the rest of its passages), then ones not said recently.
    An explanation `introducing` the concept (its first) always says what it is."""
    found = about(concept, passages)
    name = with_article(concept, " ".join(c.text for c in passages))  # as our own sentences say it
    named = {s.text for s in found}
    # The concept's own passage: where the documents define it, else wherever they name it, else
    # (a heading's topic that no sentence names) the passages under that heading.
    home = {s.chunk.chunk_id for s in found if s.defines} or {s.chunk.chunk_id for s in found} or {
        c.chunk_id for c in passages if _under_heading(concept, c)}
    others = [s for s in _all_sentences(passages) if s.text not in named]
    near = found + [s for s in others if s.chunk.chunk_id in home]  # the concept's own passages
    far = [s for s in others if s.chunk.chunk_id not in home]
    pool = _fresh(near, said) or _fresh(near, recent) or _fresh(far, said) or _fresh(far, recent) or found
    # Introducing the concept, its own sentences are new even when just said in support of
    # another ("…a plasma cell. An antibody is…"): without them it would not say what it is.
    picks, lead = _MOVES.get(action, _explain)(name, pool, found, "" if introducing else recent, near)
    if action == "explain":  # a sentence said before, say the section's opening, is no support for a new point
        picks = picks[:1] + [s for s in picks[1:] if s.text in named or s.text not in said]
    if action == "example" and picks and picks[0].text in said and _gives_example(picks[0]):
        lead = f"Your documents give this one example of {name}, so once more: "  # not shown as if new
    text, cited = _compose(action, name, picks, lead, opening, passages, said)
    if action == "help_simpler" and text in said:  # asked again: other support, or the definition alone
        picks, lead = _simpler(name, pool, found, said, near)
        text, cited = _compose(action, name, picks, lead, opening, passages, said)
    if recent and text in recent:  # the same move twice in a row: another sentence, not the same words
        other = [s for s in near + far if s.text not in recent][:1]
        text, cited = _compose(action, name, other, lead, opening, passages, said)
    return text, cited


def _compose(action: str, name: str, picks: list[Sentence], lead: str, opening: str,
             passages: list[ChunkRef], said: str) -> tuple[str, list[ChunkRef]]:
    if not picks:
        return f"{PREFIX}{opening}{_nothing_new(action, name, said)}", []
    used = list(dict.fromkeys(s.chunk.chunk_id for s in picks))
    body = " ".join(f"{s.text} [{used.index(s.chunk.chunk_id) + 1}]" for s in picks)
    cited = [next(c for c in passages if c.chunk_id == i) for i in used]
    return f"{PREFIX}{opening}{lead}{body}{_tail(action, name, picks)}", cited


_NOTHING_NEW = {
    "example": ("Your documents give no example of {} beyond the sentences we have just read.",
                "There is no other example of {} in your documents; the sentences above are the ones to remember."),
    "": ("Your documents say little more about {} than what we have seen; let us check it with a question.",
         "That is everything your documents say about {}; a question next will show what has stuck.",
         "We have now read each sentence your documents give on {}; time to try a question on it."),
}


def _nothing_new(action: str, name: str, said: str) -> str:
    """Nothing new to say on the concept: said so, in words not used already in this lesson
    (the same sentence for every concept reads like a machine)."""
    wordings = _NOTHING_NEW.get(action, _NOTHING_NEW[""])
    uses = [said.count(w.split("{}")[0]) for w in wordings]
    return wordings[uses.index(min(uses))].format(name)  # the least used, the first on a tie


def _explain(name: str, fresh: list[Sentence], found: list[Sentence], recent: str,
             near: list[Sentence]) -> tuple[list[Sentence], str]:
    """The concept's definition first (unless just said), then what follows it; never a
    sentence whose "it" or "this" points at something not said just before it."""
    named = [s for s in found if s.text not in recent]  # its own sentences first, unless just said
    definition = [s for s in named if s.defines][:1] or [s for s in fresh if s.defines][:1]
    rest = [s for s in _unique(named + fresh) if s not in definition
            and (not refers_back(s.text) or (definition and s.follows(definition[0])))]
    naming = {s.text for s in found}
    if found:  # support names the concept or stands next to a sentence that does, not just anywhere in its passage
        rest = [s for s in rest if s.text in naming or any(s.follows(f) or f.follows(s) for f in found)]
    if definition:  # what follows the definition, then what names the concept, then its own passage
        rest.sort(key=lambda s: (not s.follows(definition[0]), s.text not in naming,
                                 s.chunk.chunk_id != definition[0].chunk.chunk_id))
    return (definition + rest)[:EXPLAIN_SENTENCES], ""


def _simpler(name: str, fresh: list[Sentence], found: list[Sentence], recent: str,
             near: list[Sentence]) -> tuple[list[Sentence], str]:
    """The shortest definition, and as its support the sentence after it, else the shortest
    other sentence naming the concept; none when neither is left ("Memory cells can live for
    decades" is no support for a plasma cell)."""
    definitions = sorted((s for s in found if s.defines), key=lambda s: len(s.text))
    first = (definitions or sorted(found, key=lambda s: len(s.text)))[:1]
    if not first:
        return [], ""
    # Support: what follows the definition ("It ..." refers to the concept there), else the
    # shortest other sentence naming the concept, from the definition's own passage first; one
    # said a while ago supports it better than a new one about something else ("In 1346 a Mongol
    # army besieged Caffa" is no support for the Black Death). The definition of another term
    # opens a new point ("An antibody is…" after "A plasma cell is…"): no support for this one.
    naming = {s.text for s in found}
    candidates = [s for s in _unique(fresh + near) if s.text != first[0].text and s.text not in recent
                  and (s.follows(first[0]) or (s.text in naming and not refers_back(s.text)))
                  and not _defines_another(s, name)]
    support = sorted(candidates, key=lambda s: (not s.follows(first[0]), s.text not in naming,
                                                s.chunk.chunk_id != first[0].chunk.chunk_id, len(s.text)))[:1]
    return first + support, "Put simply: "


def _defines_another(sentence: Sentence, concept: str) -> bool:
    """Whether the sentence defines or names another term ("…algae called zooxanthellae")."""
    others = [defined_term(sentence.text), *named(sentence.text)]
    return any(term and phrase_key(term) != phrase_key(concept) for term in others)


def _stuck(name: str, fresh: list[Sentence], found: list[Sentence], recent: str,
           near: list[Sentence]) -> tuple[list[Sentence], str]:
    """The definition broken into its first part, or, once that was given, the next point."""
    candidates = [s for s in found if s.defines] + sorted(_standalone(fresh), key=lambda s: len(s.text))
    first = next((s for s in candidates if (_first_part(s.text) or s.text) not in recent), None)
    return ([first] if first else candidates[:1]), "One small step at a time. "


def _example(name: str, fresh: list[Sentence], found: list[Sentence], recent: str,
             near: list[Sentence]) -> tuple[list[Sentence], str]:
    """A sentence of the documents that gives an example; if they give none, a sentence that uses
    the concept, and said so (nothing, if every such sentence was just said)."""
    fresh = _standalone(fresh)
    named = {s.text for s in found}
    of_it = [s for s in fresh if _example_of(s, found)]
    marked = [s for s in of_it if _gives_example(s)]
    if marked:
        return marked[:1], f"Here is an example of {name} from your documents: "
    again = [s for s in near if _gives_example(s) and s.text not in recent and _example_of(s, found)]
    if again:
        return again[:1], f"Your documents give this one example of {name}, so once more: "
    using = [s for s in fresh if s.text in named] or [s for s in _standalone(found) if s.text not in recent]
    # Concrete: a number or a name; a capital that opens a sentence ("… release. This makes…") is neither.
    concrete = [s for s in using if re.search(r"\d|(?<![.!?])\s[A-Z][a-z]", s.text[1:]) and not s.defines]
    picks = (concrete or [s for s in using if not s.defines] or using)[:1]
    return picks, f"Your documents give no worked example of {name}; here is how they use it: "


def _example_of(sentence: Sentence, found: list[Sentence]) -> bool:
    """Whether a sentence is about the concept: it names it, or opens "For example, …" right
    after a sentence that does ("…such as marmots" after it is an example of something else)."""
    return any(sentence.text == f.text or (sentence.follows(f) and sentence.text.lower().startswith(_EXAMPLE_OPENERS))
               for f in found)


def _gives_example(sentence: Sentence) -> bool:
    return any(m in sentence.text.lower() for m in _EXAMPLE_MARKERS)


def _unique(found: list[Sentence]) -> list[Sentence]:
    """In order, each sentence once."""
    first = {}
    for s in found:
        first.setdefault(s.text, s)
    return list(first.values())


def _standalone(found: list[Sentence]) -> list[Sentence]:
    """Sentences that make sense alone (no "it" or "this" pointing before them), if any."""
    return [s for s in found if not refers_back(s.text)] or found


_MOVES = {"help_simpler": _simpler, "help_stuck": _stuck, "example": _example}


def _tail(action: str, name: str, picks: list[Sentence]) -> str:
    """The smaller step's hint: the first part of the point, and the words to hold on to."""
    if action != "help_stuck":
        return ""
    words = _key_words(picks[0].text, name)
    hint = f" Hint: hold on to the words {_join(words)}." if words else ""
    return f"{_first_part(picks[0].text)}{hint}"


def _first_part(sentence: str) -> str:
    """" First just this part: …" for a sentence of several parts; nothing for a one-part sentence,
    which the move has just said whole."""
    part = _CLAUSE_BREAK.split(sentence)[0].rstrip(".")
    return f" First just this part: “{part}”." if part != sentence.rstrip(".") else ""


def _key_words(text: str, concept: str, *, count: int = HINT_WORDS) -> list[str]:
    """The first content words of the text that are not the concept's, as written inside the
    sentence ("China" keeps its capital; the opening word's capital is only the sentence's)."""
    own = set(phrase_key(concept))
    written = {w.lower(): w for w in reversed(re.findall(r"[A-Za-z][\w'\-]*", text)[1:])}
    return [written.get(w, w) for w in dict.fromkeys(content_words(text)) if stem(w) not in own and len(w) > 3][:count]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def hint(concept: str, answer: str, quote: str, passages: list[ChunkRef], *, free: bool, level: int = 0) -> str:
    """A hint towards a waiting question's answer that does not give it away: its shape, and
    another sentence of the documents with the answer blanked out; each further hint (`level`)
    shows a little more."""
    if free:
        words = _key_words(quote, concept, count=HINT_WORDS + level)
        shape = f"Hint: a good answer uses the words {_join(words)}." if words else "Hint: say what it is and what it does."
    else:
        count = len(answer.split())
        shown = answer[: level + 1]
        shape = f"Hint: the term asked for is {count} word{'s' if count > 1 else ''} long and begins with “{shown}”."
    others = [s.text for s in about(concept, passages) if quote not in s.text and blank(s.text, concept) != s.text]
    also = f" Another sentence from your documents: “{blank(others[level % len(others)], concept)}”" if others else ""
    return f"{shape}{also}"


def skipped(answer: str, quote: str) -> str:
    """`next` over a waiting question: its answer, so the learner is not left guessing."""
    said = f": the answer is “{answer}”" if answer else ""
    return f"Let us leave that question{said}. Your documents say: {quote}".strip()


def summary(covered: list[str], mastery: dict[str, float], review_later: list[str], *, mastered_at: float,
            weakest_count: int = 3) -> tuple[str, dict]:
    """The end of the plan: what was covered and mastered, the weakest concepts, the offer to review them."""
    mastered = [c for c in covered if mastery.get(c, 0.0) >= mastered_at]
    weakest = weakest_concepts(covered, mastery, review_later, mastered_at=mastered_at)[:weakest_count]
    parts = [f"That is the end of the lesson plan. We covered {len(covered)} "
             f"concept{'s' if len(covered) != 1 else ''}: {_join(covered) if covered else 'none'}."]
    # "You have mastered 0 of them" read as a failure to a learner who got every question right:
    # one right answer moves an estimate only part of the way.
    parts.append(f"You have mastered {len(mastered)} of them: {_join(mastered)}." if mastered else
                 f"None is mastered yet: that takes about {mastered_at:.0%} certainty, a few right answers on each.")
    if weakest:
        estimates = {f"{mastery.get(c, 0.0):.0%}" for c in weakest}
        shown = (f"{_join(weakest)} (each {estimates.pop()})" if len(estimates) == 1
                 else _join([f"{c} ({mastery.get(c, 0.0):.0%})" for c in weakest]))
        parts.append(f"To review first: {shown}. Send next to review them, or ask me anything.")
    else:
        parts.append("Nothing is left to review: send next to go over the least sure ones again, ask me anything, "
                     "or end the session to see its analysis.")
    return " ".join(parts), {"covered": covered, "mastered": mastered, "weakest": weakest}


def weakest_concepts(covered: list[str], mastery: dict[str, float], review_later: list[str], *,
                     mastered_at: float) -> list[str]:
    """Concepts to review, weakest first: those marked for review, then the other unmastered ones."""
    unmastered = [c for c in dict.fromkeys(review_later + covered) if mastery.get(c, 0.0) < mastered_at]
    return sorted(unmastered, key=lambda c: (c not in review_later, mastery.get(c, 0.0)))
