"""Per-format text extractors behind `agents_app.extraction.extract`."""
