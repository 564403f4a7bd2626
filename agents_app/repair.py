"""Turn raw model text into a validated pydantic object, repairing the usual damage once.

Repairs, in order: drop think-tags, unwrap code fences, cut prose around the JSON value,
escape LaTeX backslashes that JSON would reject or silently misread. Anything still
invalid raises InvalidOutput with a code and a message fit to quote back to the model.
"""
from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agents_app.errors import InvalidOutput

T = TypeVar("T", bound=BaseModel)

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_TAIL = re.compile(r"^.*?</(?:think|thinking|reasoning)>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)

# LaTeX commands that begin with a letter JSON would read as an escape (\b \f \n \r \t):
# "\frac" must stay a fraction, not become a form feed followed by "rac".
_LATEX_COMMANDS = frozenset(
    """bar beta bf big bigl bigr binom bmod boldsymbol bot bullet bigcup bigcap
    frac forall flat frown
    nabla ne neq neg ni nu not newline nleq ngeq nmid notin nparallel nsubseteq
    rangle rceil rfloor rho right rightarrow rightleftharpoons rm
    tan tanh tau text textbf textit textrm theta therefore tilde times to top triangle tfrac""".split()
)
_VALID_ESCAPES = set('"\\/')


def parse_output(raw: str, model: type[T], context: dict[str, Any] | None = None) -> T:
    """Repair `raw` into an instance of `model` or raise InvalidOutput (never anything else)."""
    text = extract_json(raw)
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})", code="invalid_json")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InvalidOutput(describe_validation_error(exc), code="schema_mismatch")


def extract_json(raw: str) -> str:
    """The JSON object in `raw`, with think-tags, fences, surrounding prose and bad escapes fixed."""
    text = _THINK_BLOCK.sub("", raw)
    text = _THINK_TAIL.sub("", text)
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    start = text.find("{")
    if start < 0:
        raise InvalidOutput("the reply contains no JSON object", code="no_json")
    end = _matching_brace(text, start)
    if end is None:
        raise InvalidOutput("the JSON object is cut off before its end", code="truncated_output")
    return fix_backslashes(text[start : end + 1])


def _matching_brace(text: str, start: int) -> int | None:
    depth, in_string, i = 0, False, start
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def fix_backslashes(text: str) -> str:
    """Double every backslash inside JSON strings that starts a LaTeX command or an invalid escape."""
    out: list[str] = []
    in_string, i = False, 0
    while i < len(text):
        ch = text[i]
        if not in_string:
            in_string = ch == '"'
            out.append(ch)
        elif ch == '"':
            in_string = False
            out.append(ch)
        elif ch == "\\":
            keep = _escape_length(text, i)
            out.append(text[i : i + keep] if keep else "\\\\")
            i += max(keep, 1)
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _escape_length(text: str, i: int) -> int:
    """Length of the valid JSON escape at text[i], or 0 if the backslash must be escaped itself."""
    nxt = text[i + 1 : i + 2]
    if nxt in _VALID_ESCAPES:
        return 2
    if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
        return 6
    if nxt and nxt in "bfnrt":
        word = re.match(r"[A-Za-z]+", text[i + 1 :])
        return 0 if word and word.group(0) in _LATEX_COMMANDS else 2
    return 0


def describe_validation_error(exc: ValidationError, limit: int = 8) -> str:
    """A short, model-readable list of what is wrong, one problem per line."""
    lines = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"- {where}: {err['msg']}")
    more = exc.error_count() - limit
    if more > 0:
        lines.append(f"- and {more} more problem(s)")
    return "the JSON does not match the required schema:\n" + "\n".join(lines)
