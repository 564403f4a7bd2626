"""Split an extracted document into retrieval-sized chunks that keep their page or section anchor.

Rules, in order of priority:
- a chunk never spans two sections; consecutive PDF pages of the same section may share one,
  recording the first page (`page`) and the last (`page_end`);
- chunks aim at `target_tokens`, break at paragraph ends when that costs at most half a chunk,
  otherwise at sentence ends, then line ends, then between words (a single "word" longer than
  a whole chunk, such as a huge URL, is the only thing ever cut);
- each chunk after the first in a section starts with the last `overlap_tokens` of the one
  before, so a passage cut in two is still found whole;
- the result depends only on the input: same document, same chunks, same hashes.

Token counts are estimates (a quarter token per character of each word plus three quarters per
word, i.e. about 1.5 per English word, one per short word): deterministic, additive, and needing
no tokenizer download.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from agents_app.extraction import Block, ExtractedDocument

DEFAULT_TARGET_TOKENS = 350
DEFAULT_OVERLAP_TOKENS = 50

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_WORD = re.compile(r"\S+")
# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace and a
# capital letter, so "e.g. the", "3.14" and "Fig. 2" stay whole; CJK full stops end one anywhere.
# Opening with a single character class lets the regex engine skip ahead fast (4x quicker); the
# lookbehind and possessive quantifiers keep long runs ("......", hostile or a table of contents)
# linear: only the first mark of a run can start a match, and nothing backtracks into the run.
_SENTENCE_END = re.compile(
    r"[.!?…。！？](?<![.!?…。！？][.!?…。！？])"
    r"(?:(?<=[。！？])[。！？]*+|[.!?…]*+[\"'”’)\]]*+(?=\s++[\"'“‘(\[]?[^\W\d_a-z]))"
)
_LINE_END = re.compile(r"(?=\n)")


class ChunkDraft(BaseModel):
    """A chunk ready to store: `order` is its 0-based position in the document."""

    model_config = ConfigDict(frozen=True)

    order: int = Field(ge=0)
    text: str
    page: int | None = None
    page_end: int | None = None
    section: str | None = None
    token_estimate: int = Field(ge=1)
    content_hash: str = Field(description="sha256 of the text: equal text, equal hash (an embedding cache key).")


@dataclass(frozen=True, slots=True)
class _Unit:
    """A piece no larger than a chunk, with the whitespace that joins it to the piece before."""

    text: str
    tokens: float
    page: int | None
    joiner: str
    paragraph_tokens: float = 0.0  # set on the first unit of a paragraph: the whole paragraph's size


def estimate_tokens(text: str) -> int:
    return math.ceil(_tokens(text))


def _tokens(text: str) -> float:
    words = text.split()
    return (sum(map(len, words)) + 3 * len(words)) / 4


def _word_tokens(word: str) -> float:
    """`_tokens` of a single word, without splitting it again."""
    return (len(word) + 3) / 4


def chunk(
    doc: ExtractedDocument,
    target_tokens: int = DEFAULT_TARGET_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
) -> list[ChunkDraft]:
    if target_tokens < 1 or not 0 <= overlap_tokens < target_tokens:
        raise ValueError("need target_tokens >= 1 and 0 <= overlap_tokens < target_tokens")
    drafts: list[ChunkDraft] = []
    for run in _runs(doc.blocks):
        units = [unit for block in run for unit in _units(block, target_tokens)]
        for group in _pack(units, target_tokens, overlap_tokens):
            drafts.append(_draft(len(drafts), group, run[0].section))
    return drafts


def _runs(blocks: Sequence[Block]) -> Iterator[list[Block]]:
    """Blocks that may share chunks: consecutive PDF pages of one section; other blocks are sections."""
    run: list[Block] = []
    for block in blocks:
        if run and not (block.page is not None and block.section == run[-1].section):
            yield run
            run = []
        run.append(block)
    if run:
        yield run


def _units(block: Block, target: int) -> Iterator[_Unit]:
    for paragraph in _PARAGRAPH_BREAK.split(block.text.strip()):
        pieces = list(_fit(paragraph, target, 0))
        paragraph_tokens = sum(tokens for _, tokens, _ in pieces)
        for index, (text, tokens, joiner) in enumerate(pieces):
            if index == 0:
                yield _Unit(text, tokens, block.page, "\n\n", paragraph_tokens)
            else:
                yield _Unit(text, tokens, block.page, joiner)


def _fit(text: str, target: int, level: int) -> Iterator[tuple[str, float, str]]:
    """(piece, tokens, joiner) for pieces of at most `target` tokens: sentences, then lines, then words."""
    if level == 2:
        yield from _word_groups(text, target)
        return
    ends = _SENTENCE_END if level == 0 else _LINE_END
    for piece, joiner in _cut(text, (m.end() for m in ends.finditer(text))):
        tokens = _tokens(piece)
        if tokens <= target:
            yield piece, tokens, joiner
        else:
            first = True
            for sub, sub_tokens, sub_joiner in _fit(piece, target, level + 1):
                yield sub, sub_tokens, joiner if first else sub_joiner
                first = False


def _cut(text: str, ends: Iterator[int]) -> Iterator[tuple[str, str]]:
    """Pieces of `text` cut at the given offsets, each with '\\n' or ' ' for the gap before it."""
    start = 0
    for end in [*ends, len(text)]:
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            gap = piece[: len(piece) - len(piece.lstrip())]
            yield stripped, ("\n" if "\n" in gap else " ")
        start = end


def _word_groups(text: str, target: int) -> Iterator[tuple[str, float, str]]:
    start = end = 0
    tokens = 0.0
    for word in _WORD.finditer(text):
        cost = _word_tokens(word.group())
        if cost > target:
            if tokens:
                yield text[start:end], tokens, " "
            yield from _hard_split(word.group(), target)
            start, end, tokens = word.end(), word.end(), 0.0
            continue
        if tokens and tokens + cost > target:
            yield text[start:end], tokens, " "
            start, tokens = word.start(), 0.0
        if not tokens:
            start = word.start()
        end, tokens = word.end(), tokens + cost
    if tokens:
        yield text[start:end], tokens, " "


def _hard_split(word: str, target: int) -> Iterator[tuple[str, float, str]]:
    """The only place text is cut inside a 'word': one longer than a whole chunk."""
    size = target * 4
    for index in range(0, len(word), size):
        piece = word[index:index + size]
        yield piece, _tokens(piece), " " if index == 0 else ""


def _pack(units: list[_Unit], target: int, overlap: int) -> Iterator[list[_Unit]]:
    current: list[_Unit] = []
    tokens, fresh = 0.0, 0  # fresh: units not carried over as overlap
    for unit in units:
        full = tokens + unit.tokens > target
        # Break at a paragraph start rather than split that paragraph, if the chunk is half full.
        paragraph_break = unit.paragraph_tokens > 0 and tokens + unit.paragraph_tokens > target and tokens * 2 >= target
        if fresh and (full or paragraph_break):
            yield current
            current = _overlap(current, overlap)
            while current and sum(u.tokens for u in current) + unit.tokens > target:
                current.pop(0)
            tokens, fresh = sum(u.tokens for u in current), 0
        current.append(unit)
        tokens += unit.tokens
        fresh += 1
    if fresh:
        yield current


def _overlap(units: list[_Unit], budget: int) -> list[_Unit]:
    """The trailing units that fit in `budget`; if even the last is too big, its trailing words."""
    tail: list[_Unit] = []
    used = 0.0
    for unit in reversed(units):
        if used + unit.tokens > budget:
            break
        tail.append(unit)
        used += unit.tokens
    if tail or not budget:
        return tail[::-1]
    last = units[-1]
    words: list[str] = []
    for word in reversed(last.text.split()):
        cost = _word_tokens(word)
        if used + cost > budget:
            break
        words.append(word)
        used += cost
    return [_Unit(" ".join(reversed(words)), used, last.page, last.joiner)] if words else []


def _draft(order: int, units: list[_Unit], section: str | None) -> ChunkDraft:
    text = units[0].text + "".join(unit.joiner + unit.text for unit in units[1:])
    return ChunkDraft(
        order=order,
        text=text,
        page=units[0].page,
        page_end=units[-1].page,
        section=section,
        token_estimate=estimate_tokens(text),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
