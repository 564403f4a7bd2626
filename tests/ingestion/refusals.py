"""Assert that extraction refuses a file with a typed, explained error."""
import pytest

from agents_app.extraction import ExtractionError, extract


def refusal_code(data: bytes, kind: str, **options) -> str:
    with pytest.raises(ExtractionError) as caught:
        extract(data, kind, **options)
    assert caught.value.reason, "every refusal explains itself"
    return caught.value.code
