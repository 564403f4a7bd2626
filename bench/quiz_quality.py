"""Quiz quality of the offline quiz creator on every fixture document and the held-out samples.

Each document (the seven Markdown study texts, the demo document, the eleven held-out documents of
tests/retrieval in five formats, the two lesson fixtures and bench/samples) is uploaded alone into
a folder of a fresh database and ingested by the real pipeline (bench/database.py: temporary SQLite,
or DATABASE_URL's PostgreSQL). Then, per document:

- over-request: POST folders/{id}/quizzes/ {"count": 20} through the REST API (the offline engine
  answers at once): requested, returned, `available`, and whether a `warning` came with fewer;
- per difficulty: the quiz creator (agents_app.agents.quiz.create_quiz, offline) on all the
  folder's concepts, 20 questions: count, the kinds of stems (definition recall, fill-in-the-blank,
  two-sentence, application), and the share of concepts whose question differs between difficulties;
- give-aways over those questions (goal 0): "a"/"an" right before the blank with an option that does
  not fit the article; a verb right after the blank ("is"/"are"…) that some options agree with and
  others do not;
  an option that repeats a content word of the stem where another does not, counted apart for a
  distractor that repeats one while the answer does not (it plainly cannot fit) and for the answer
  repeating one that some distractor does not (the answer stands out);
- citations (goal 100%): the question's chunk is one of the document's and its quote is a sentence
  of that chunk; empty questions (goal 0): no prompt, an empty option, or a blanking stem with no
  blank or nothing but the blank.

    .venv/bin/python bench/quiz_quality.py [--questions]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DIFFICULTIES = ("easy", "medium", "hard")
OVER_REQUEST = 20  # the API's largest quiz
STEMS = ("definition", "fill-in", "two-sentence", "application")
BLANK = "_____"
_VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?![nr]i|s[eu]|ti)|hour|honest|honou?r)", re.IGNORECASE)
_SINGULAR_VERBS = {"is", "was", "has", "does"}
_PLURAL_VERBS = {"are", "were", "have", "do"}
_SINGULAR_ENDINGS = ("ss", "us", "is", "ness")
_PLURALS = {"bacteria", "data", "criteria", "phenomena", "people", "children", "men", "women", "mice", "teeth", "feet"}
_EITHER = {"species", "series", "means", "sheep", "fish", "deer", "aircraft"}


def documents() -> dict[str, bytes]:
    """Every document the bench reads, by the name it is uploaded under."""
    from tests.agents.concept_set import key_concepts
    from tests.retrieval import heldout

    found: dict[str, bytes] = {}
    for document in key_concepts():
        where, name = document.split("/", 1)
        data = {"fixtures": lambda: (ROOT / "tests" / document).read_bytes(),
                "demo": lambda: (ROOT / "sessions_app" / "demo" / name).read_bytes(),
                "heldout": lambda: heldout.build(name)}[where]()
        found[document] = data
    for path in sorted((ROOT / "tests" / "fixtures" / "lessons").glob("*.md")):
        found[f"lessons/{path.name}"] = path.read_bytes()
    for path in sorted((ROOT / "bench" / "samples").iterdir()):
        if path.suffix in {".md", ".pdf"} and not path.name.endswith(".src.md"):
            found[f"samples/{path.name}"] = path.read_bytes()
    return found


def stem_kind(prompt: str) -> str:
    if "define" in prompt:
        return "definition"
    if prompt.startswith("Apply what you know"):
        return "application"
    if prompt.startswith("Read this passage"):
        return "two-sentence"
    return "fill-in"


def _quoted(prompt: str) -> str:
    """The passage of a stem (between the quotation marks), or the whole stem."""
    match = re.search(r"“(.*)”", prompt)
    return match.group(1) if match else prompt


def _numbers(term: str) -> set[bool]:
    """The grammatical numbers an option can take (True: plural); both for "species", "physics"."""
    last = term.split()[-1].lower() if term.split() else ""
    if last in _EITHER or last.endswith("ics"):
        return {True, False}
    if last in _PLURALS:
        return {True}
    return {last.endswith("s") and not last.endswith(_SINGULAR_ENDINGS)}


def article_giveaway(prompt: str, options: list[str]) -> bool:
    """A bare "a"/"an" before the blank that some option does not fit."""
    for match in re.finditer(r"\b(an?)\s+" + BLANK, prompt, flags=re.IGNORECASE):
        wants_vowel = match.group(1).lower() == "an"
        if any(bool(_VOWEL_SOUND.match(option)) != wants_vowel for option in options):
            return True
    return False


def number_giveaway(prompt: str, options: list[str]) -> bool:
    """A verb right after the blank ("_____ are…"; not after "X and _____") that some options agree
    with and others do not."""
    for match in re.finditer(r"(?<!\band )(?<!\bor )" + BLANK + r"\s+(\w+)", prompt):
        verb = match.group(1).lower()
        if verb in _SINGULAR_VERBS | _PLURAL_VERBS:
            if len({(verb in _PLURAL_VERBS) in _numbers(option) for option in options}) > 1:
                return True
    return False


def repeated_words(prompt: str, options: list[str], answer: int) -> str | None:
    """Which option stands out by repeating a content word of the stem (outside the blank), or by
    not repeating one when the others do: "distractor" when a distractor repeats one and the answer
    does not (it cannot fit: "In the pulmonary circuit, the systemic circuit…"), "answer" when the
    answer repeats one and some distractor does not ("…met on a tennis court and swore the Tennis
    Court Oath"). None when every option is alike ("effusive eruption", "explosive eruption")."""
    from agents_app.text import terms

    shown = set(terms(_quoted(prompt).replace(BLANK, " ")))
    repeats = [bool(set(terms(option)) & shown) for option in options]
    if len(set(repeats)) == 1:
        return None
    return "answer" if repeats[answer] else "distractor"


def is_empty(prompt: str, options: list[str], kind: str) -> bool:
    if not prompt.strip() or any(not option.strip() for option in options):
        return True
    if kind == "definition" and "define as" in prompt:
        return False  # the meaning is shown, the term is asked: no blank
    passage = _quoted(prompt)
    return BLANK not in passage or not passage.replace(BLANK, "").strip(" .,;:“”")


@dataclass
class Figures:
    document: str
    requested: int = 0
    returned: int = 0
    available: int | None = None
    warned: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    stems: dict[str, Counter] = field(default_factory=dict)
    pairs: Counter = field(default_factory=Counter)  # (difficulty, difficulty) -> concepts asked at both
    differing: Counter = field(default_factory=Counter)  # of those, how many differ
    questions: int = 0
    article: int = 0
    number: int = 0
    repeats: int = 0  # a distractor repeats a stem word, the answer does not
    answer_repeats: int = 0  # the answer repeats a stem word, some distractor does not
    cited: int = 0
    empty: int = 0
    samples: list[str] = field(default_factory=list)


def measure(document: str, data: bytes, learner, client) -> Figures:  # type: ignore[no-untyped-def]
    from asgiref.sync import async_to_sync
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agents_app import pipeline
    from agents_app.agents.quiz import create_quiz, question_citation
    from agents_app.errors import AgentError
    from agents_app.runs import CallContext
    from agents_app.text import normalise
    from agents_app.wiring import get_gateway
    from sessions_app import actions
    from sessions_app.models import FolderAnalysis
    from sessions_app.uploads import check_uploads

    figures = Figures(document)
    folder = actions.create_folder(learner, name=document)
    actions.add_documents(folder, check_uploads(folder, [SimpleUploadedFile(document.rsplit("/", 1)[1], data)]))

    response = client.post(f"/api/v1/folders/{folder.pk}/quizzes/", {"count": OVER_REQUEST}, format="json")
    body = response.json()
    figures.requested = OVER_REQUEST
    if response.status_code == 201:
        figures.returned, figures.available = len(body["questions"]), body["available"]
        figures.warned = bool(body["warning"])
    else:
        figures.warned = bool(body.get("detail") or body.get("error"))

    chunks = pipeline.folder_chunks(folder.pk)
    by_id = {c.chunk_id: c for c in chunks}
    analysis = FolderAnalysis.objects.get(folder=folder)
    concepts = [c["name"] for c in analysis.data["concepts"]]
    first: dict[str, dict[str, str]] = {}
    for difficulty in DIFFICULTIES:
        try:
            quiz = async_to_sync(create_quiz)(get_gateway(), CallContext(user_id=learner.pk), chunks, concepts,
                                              count=OVER_REQUEST, difficulty=difficulty)
            questions = quiz.questions
        except AgentError:
            questions = []
        figures.counts[difficulty] = len(questions)
        figures.stems[difficulty] = Counter(stem_kind(q.prompt) for q in questions)
        for q in questions:
            first.setdefault(q.concept, {}).setdefault(difficulty, normalise(q.prompt))
            kind = stem_kind(q.prompt)
            repeated = repeated_words(q.prompt, q.options, q.correct_index or 0)
            flags = {"article": article_giveaway(q.prompt, q.options), "number": number_giveaway(q.prompt, q.options),
                     "repeats": repeated == "distractor", "answer-repeats": repeated == "answer"}
            citation = question_citation(q, chunks)
            cited = (citation is not None and citation.document_id == by_id[q.chunk_id].document_id
                     and bool(q.quote.strip()) and normalise(q.quote) in normalise(_plain(by_id[q.chunk_id].text)))
            empty = is_empty(q.prompt, q.options, kind)
            figures.questions += 1
            figures.article += flags["article"]
            figures.number += flags["number"]
            figures.repeats += flags["repeats"]
            figures.answer_repeats += flags["answer-repeats"]
            figures.cited += cited
            figures.empty += empty
            if any(flags.values()) or not cited or empty:
                marks = [name for name, on in flags.items() if on] + ([] if cited else ["uncited"]) + (
                    ["empty"] if empty else [])
                figures.samples.append(f"[{difficulty} {','.join(marks)}] {q.prompt} {q.options}")
    for prompts in first.values():
        for i, a in enumerate(DIFFICULTIES):
            for b in DIFFICULTIES[i + 1:]:
                if a in prompts and b in prompts:
                    figures.pairs[a, b] += 1
                    figures.differing[a, b] += prompts[a] != prompts[b]
    return figures


def _plain(text: str) -> str:
    """A chunk's text without the emphasis marks of its Markdown ("**Stephenson**"), as quotes show it."""
    return re.sub(r"\*+|(?<!\w)_+(?=\w)|(?<=\w)_+(?!\w)", "", text)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _stems(counter: Counter) -> str:
    return " ".join(f"{counter.get(kind, 0)}" for kind in STEMS)


def print_table(rows: list[Figures]) -> None:
    print(f"{'document':38} {'req':>3} {'ret':>3} {'avail':>5} {'warn':>4}   {'easy':>4} {'med':>4} {'hard':>4} "
          f"{'differ':>6}  {'a/an':>4} {'num':>4} {'rep':>4} {'ans':>4} {'cited':>6} {'empty':>5}")
    for r in rows:
        available = "-" if r.available is None else str(r.available)
        print(f"{r.document:38} {r.requested:3} {r.returned:3} {available:>5} {'yes' if r.warned else 'no':>4}   "
              f"{r.counts['easy']:4} {r.counts['medium']:4} {r.counts['hard']:4} {_share(sum(r.differing.values()), sum(r.pairs.values())):>6}  "
              f"{r.article:4} {r.number:4} {r.repeats:4} {r.answer_repeats:4} {_share(r.cited, r.questions):>6} {r.empty:5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", action="store_true", help="print every flagged question")
    args = parser.parse_args()
    where = setup_django("bench_quiz")
    from rest_framework.test import APIClient

    from sessions_app import actions

    learner = actions.register_learner(username="bench", password="bench-password-long-1")
    client = APIClient()
    client.force_authenticate(learner)
    rows = [measure(name, data, learner, client) for name, data in documents().items()]
    print(f"Offline quizzes on {len(rows)} documents, {where}\n")
    print_table(rows)
    print("\nstems per difficulty (definition / fill-in / two-sentence / application):")
    for r in rows:
        print(f"  {r.document:38} " + "   ".join(f"{d}: {_stems(r.stems[d])}" for d in DIFFICULTIES))
    if args.questions:
        for r in rows:
            for line in r.samples:
                print(f"  {r.document}: {line}")

    short = [r for r in rows if r.returned < r.requested]
    questions = sum(r.questions for r in rows)
    pairs, differing = sum((r.pairs for r in rows), Counter()), sum((r.differing for r in rows), Counter())
    print(f"\ntotals over {len(rows)} documents")
    print(f"  over-request of {OVER_REQUEST}: {len(short)} documents returned fewer "
          f"({sum(r.returned for r in short)} questions); `available` equal to returned on "
          f"{sum(r.available == r.returned for r in short)}/{len(short)}; warning on "
          f"{sum(r.warned for r in short)}/{len(short)}; warnings on full quizzes: "
          f"{sum(r.warned for r in rows if r.returned >= r.requested)}")
    for d in DIFFICULTIES:
        stems = sum((r.stems[d] for r in rows), Counter())
        print(f"  {d:6}: {sum(r.counts[d] for r in rows):4} questions; stems " +
              ", ".join(f"{kind} {stems.get(kind, 0)}" for kind in STEMS))
    print(f"  questions differing between difficulties, same concept: {sum(differing.values())}/"
          f"{sum(pairs.values())} = {_share(sum(differing.values()), sum(pairs.values()))} (" +
          "; ".join(f"{a}/{b} {differing[a, b]}/{pairs[a, b]}" for a, b in pairs) + ")")
    print(f"  give-aways (goal 0) over {questions} questions: a/an {sum(r.article for r in rows)}, "
          f"singular/plural {sum(r.number for r in rows)}, a distractor alone repeats a stem word "
          f"{sum(r.repeats for r in rows)}, the answer alone repeats one {sum(r.answer_repeats for r in rows)}")
    print(f"  cited (document + quote; goal 100%): {sum(r.cited for r in rows)}/{questions} = "
          f"{_share(sum(r.cited for r in rows), questions)}; empty (goal 0): {sum(r.empty for r in rows)}")


if __name__ == "__main__":
    main()
