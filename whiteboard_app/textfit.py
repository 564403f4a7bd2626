"""Estimate how much room text takes, without a font engine.

Skills size boxes with these numbers and the SVG export wraps lines with the same
function, so what is exported fits the box that was reserved. The average glyph is
taken as 0.55 em wide, a little wider than most sans-serif fonts' average, so real
renderings fit inside the estimate.
"""
from __future__ import annotations

import math

CHAR_WIDTH_EM = 0.55
LINE_HEIGHT_EM = 1.3


def char_width(font_size: float) -> float:
    return font_size * CHAR_WIDTH_EM


def line_height(font_size: float) -> float:
    return font_size * LINE_HEIGHT_EM


def wrap_text(text: str, font_size: float, max_width: float) -> list[str]:
    """Greedy word wrap into lines no wider than ``max_width``; words longer than a
    line are cut. Explicit newlines are kept."""
    # The epsilon keeps a width computed as n characters from rounding down to n - 1.
    per_line = max(1, math.floor(max_width / char_width(font_size) + 1e-6))
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            while len(word) > per_line:
                if current:
                    lines.append(current)
                    current = ""
                lines.append(word[:per_line])
                word = word[per_line:]
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= per_line:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return lines


def text_size(text: str, font_size: float, max_width: float) -> tuple[float, float]:
    """Width and height of ``text`` wrapped to ``max_width``."""
    lines = wrap_text(text, font_size, max_width)
    width = max(len(line) for line in lines) * char_width(font_size)
    return (max(width, char_width(font_size)), len(lines) * line_height(font_size))
