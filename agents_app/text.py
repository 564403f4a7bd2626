"""Small text helpers shared by retrieval, the offline engine and grading (pure Python)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]|\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else few for
    from further had has have having he her here hers herself him himself his how however i if in into
    is it its itself just let like made make many may me might more most much must my myself no nor not
    now of off often on once one only or other our ours ourselves out over own per same she should so
    some such than that the their theirs them themselves then there these they this those through thus
    to too under until up upon us use used uses using very via was we were what when where which while
    who whom why will with within without would yet you your yours yourself yourselves called known
    become becomes became new way ways kind part parts often usually""".split()
    # Words of a learner's question rather than of its subject ("what happens when...",
    # "what do we call...", "where does it take place?").
    + """happen happens happened happening something anything thing things get gets got getting take
    takes took taken come comes came call calls lot lots mean means meant tell explain describe
    difference""".split()
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens, keeping hyphenated words and numbers whole."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Tokens that carry meaning: no stopwords, no one-letter words."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Porter's stemmer (1980), so 'forces', 'forcing' and 'forced' all match 'force'.

    Words are stemmed one at a time and a text repeats few distinct words, hence the cache."""
    word = _POSSESSIVE.sub("", word)
    if len(word) <= 2 or not word[0].isalpha():
        return word
    word = _step1(word)
    word = _replace(word, _STEP2, 0)
    word = _replace(word, _STEP3, 0)
    word = _step4(word)
    return _step5(word)


_POSSESSIVE = re.compile(r"'s?$")
_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble", "alli": "al",
    "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate", "ator": "ate", "alism": "al",
    "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble", "logi": "log",
}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
_STEP4 = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
          "iti", "ous", "ive", "ize")


def _consonant(word: str, i: int) -> bool:
    if word[i] in "aeiou":
        return False
    return word[i] != "y" or i == 0 or not _consonant(word, i - 1)


def _measure(stem_: str) -> int:
    """Porter's m: how many vowel-consonant runs the stem has."""
    shape = "".join("c" if _consonant(stem_, i) else "v" for i in range(len(stem_)))
    return len(re.findall(r"v+c+", shape))


def _has_vowel(stem_: str) -> bool:
    return any(not _consonant(stem_, i) for i in range(len(stem_)))


def _double_consonant(stem_: str) -> bool:
    return len(stem_) >= 2 and stem_[-1] == stem_[-2] and _consonant(stem_, len(stem_) - 1)


def _cvc(stem_: str) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y (as in 'hop', not 'snow')."""
    n = len(stem_)
    return (n >= 3 and _consonant(stem_, n - 3) and not _consonant(stem_, n - 2) and _consonant(stem_, n - 1)
            and stem_[-1] not in "wxy")


def _replace(word: str, rules: dict[str, str], min_measure: int) -> str:
    """Apply the longest matching rule when what precedes it measures more than min_measure."""
    for suffix in sorted((s for s in rules if word.endswith(s)), key=len, reverse=True)[:1]:
        base = word[: -len(suffix)]
        if _measure(base) > min_measure:
            return base + rules[suffix]
    return word


def _step1(word: str) -> str:
    if word.endswith("sses") or word.endswith("ies"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("eed"):
        return word[:-1] if _measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
            word = _tidy_step1b(word[: -len(suffix)])
            break
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    return word


def _tidy_step1b(base: str) -> str:
    if base.endswith(("at", "bl", "iz")):
        return base + "e"
    if _double_consonant(base) and base[-1] not in "lsz":
        return base[:-1]
    if _measure(base) == 1 and _cvc(base):
        return base + "e"
    return base


def _step4(word: str) -> str:
    for suffix in sorted((s for s in _STEP4 if word.endswith(s)), key=len, reverse=True)[:1]:
        base = word[: -len(suffix)]
        if _measure(base) > 1 and (suffix != "ion" or base.endswith(("s", "t"))):
            return base
    return word


def _step5(word: str) -> str:
    if word.endswith("e"):
        m = _measure(word[:-1])
        if m > 1 or (m == 1 and not _cvc(word[:-1])):
            word = word[:-1]
    if word.endswith("ll") and _measure(word) > 1:
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Stemmed content words: the unit of matching for retrieval and overlap grading.

    Hyphenated words count as their parts, since 'sea-floor', 'sea floor' and 'by-product'
    are written both ways."""
    return [term for word in _WORD.findall(text) for term in _word_terms(word)]


@lru_cache(maxsize=65536)
def _word_terms(word: str) -> tuple[str, ...]:
    """The terms of one word as written; cached, since indexing a book meets each word many times."""
    word = word.lower()
    if word in STOPWORDS or len(word) <= 1:
        return ()
    return tuple(stem(part) for part in word.split("-") if len(part) > 1 and part not in STOPWORDS)


def contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether `needle` occurs as a run of consecutive tokens of `haystack`."""
    needle, n = tuple(needle), len(needle)
    return any(tuple(haystack[i:i + n]) == needle for i in range(len(haystack) - n + 1))


def sentences(text: str) -> list[str]:
    """Split prose into sentences; Markdown emphasis and list markers are dropped first."""
    cleaned = re.sub(r"[*_`]+", "", text)
    cleaned = re.sub(r"^\s*(?:[-+]|\d+\.)\s+", "", cleaned, flags=re.MULTILINE)
    parts: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*#)", cleaned):
        block = " ".join(line.strip() for line in block.splitlines() if not line.lstrip().startswith("#"))
        parts.extend(s.strip() for s in _SENTENCE_END.split(block) if s.strip())
    return parts


def normalise(text: str) -> str:
    """Whitespace- and case-insensitive form used to compare quotes, options and questions."""
    return " ".join(words(text))
