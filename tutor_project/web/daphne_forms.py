"""Twisted must not parse upload bodies that Daphne hands to Django anyway.

Daphne passes request bodies to the application over ASGI and never reads Twisted's
parsed form fields, yet Twisted's Request parses every multipart/form-data POST into
memory with the email parser before Daphne runs the application: measured here, one
100 MB upload cost 1.2 GB and 1.5 s of the process, before anything could refuse it.
Twisted's Request takes `parsePOSTFormSubmission=False` (a public parameter); Daphne
does not pass it, so Daphne's request class is swapped for a subclass that does.

A SPEC 2.2 exception: applied only on the versions it was tested with (a warning and
nothing else on others), switched off with DAPHNE_SKIP_FORM_PARSING=0, listed in the
README. It can go when Daphne passes the parameter itself.
"""
from __future__ import annotations

import logging
from importlib.metadata import version

from daphne import http_protocol
from django.conf import settings

logger = logging.getLogger(__name__)

TESTED = {"daphne": "4.2.3", "twisted": "26.10.0"}


class FormlessWebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


def skip_twisted_form_parsing() -> bool:
    """True when Daphne's requests leave their bodies unparsed from now on."""
    if not settings.DAPHNE_SKIP_FORM_PARSING:
        return False
    installed = {name: version(name) for name in TESTED}
    if installed != TESTED:
        logger.warning("Twisted keeps parsing upload bodies: tested with %s, installed %s", TESTED, installed)
        return False
    http_protocol.WebRequest = FormlessWebRequest  # read by Daphne's HTTPFactory.buildProtocol
    return True
