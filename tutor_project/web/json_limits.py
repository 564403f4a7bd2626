"""JSON request bodies are bounded before they are parsed (SPEC 12): size, then nesting.

Python's json module recurses once per nesting level, so a few kilobytes of `[[[[...`
reach the interpreter's recursion limit (a 500). The depth is measured first by one
linear scan over the brackets outside strings.
"""
from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from rest_framework import exceptions, parsers

# A string literal (escapes included) or one bracket; strings are skipped whole.
_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENING = frozenset(b"[{")


def nesting_exceeds(data: bytes, max_depth: int) -> bool:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(data):
        token = match.group()
        if len(token) != 1:
            continue
        depth += 1 if token[0] in _OPENING else -1
        if depth > max_depth:
            return True
    return False


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = "The request body is too large."


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser behind a size limit and a depth limit (API_JSON_MAX_BYTES / _DEPTH)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        limit = settings.API_JSON_MAX_BYTES
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise RequestTooLarge(f"A JSON body may be at most {limit:,} bytes.")
        if nesting_exceeds(data, settings.API_JSON_MAX_DEPTH):
            raise exceptions.ParseError(f"JSON nested deeper than {settings.API_JSON_MAX_DEPTH} levels.")
        return super().parse(io.BytesIO(data), media_type, parser_context)
