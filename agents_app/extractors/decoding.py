"""Bytes to text for the text formats: BOMs, UTF-8, then detected legacy encodings; binary is refused."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from agents_app.extractors.errors import NotText

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0/C1 control characters other than tab, newlines and form feed, plus the replacement character.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_MAX_CONTROL_SHARE = 0.01
_NEWLINES = re.compile(r"\r\n?|\x0c")
_ACCENTED_CLASS = "À-ÖØ-öø-ÿŠšŽžŒœŸ"
_ACCENTED = re.compile(f"[{_ACCENTED_CLASS}]")
_LETTER = re.compile(f"[A-Za-z{_ACCENTED_CLASS}]")
_SYMBOL_IN_WORD = re.compile(
    f"(?<=[A-Za-z{_ACCENTED_CLASS}])[^\\x00-\\x7f{_ACCENTED_CLASS}’\\u00a0–·](?=[A-Za-z{_ACCENTED_CLASS}])"
)
_MAX_ACCENTED_SHARE = 0.3


def decode_text(data: bytes) -> str:
    """Decoded text with '\\n' line ends; raises NotText for binary data."""
    text = _decode(data)
    if len(_CONTROL.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise NotText()
    return _NEWLINES.sub("\n", text)


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise NotText("The file claims to be text but is not valid " + encoding.upper() + ".") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_legacy(data)


def _decode_legacy(data: bytes) -> str:
    western = _as_western(data)
    if western is not None:
        return western
    # UTF-8 with a few damaged bytes (a bad copy, pasted fragments) beats a wrong guess at an
    # encoding: the damage shows as a handful of replacement characters.
    lenient = data.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") <= _MAX_CONTROL_SHARE * len(lenient):
        return lenient
    best = from_bytes(data).best()
    if best is None:
        raise NotText()
    return str(best)


def _as_western(data: bytes) -> str | None:
    """The cp1252 reading, when it looks like Western European text.

    Notepad's "ANSI" (cp1252) is the commonest legacy encoding, and the detector guesses it
    badly on short texts (cp1250, even Korean). Western text has accented letters among mostly
    plain ones and no symbols inside words; read as cp1252, Cyrillic or Greek text is almost
    all accented letters, and Polish or Czech shows symbols inside words ("Za¿ó³æ").
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text) or _SYMBOL_IN_WORD.search(text):
        return None
    accented = len(_ACCENTED.findall(text))
    return text if accented <= _MAX_ACCENTED_SHARE * len(_LETTER.findall(text)) else None
