"""Daphne's request class, made to refuse what it would otherwise take in whole.

Twisted reads every request body before Daphne runs the application, and Daphne then
queues all of it for the application in 8 KB pieces in one synchronous loop
(django/daphne#483); nothing the application does can answer first. Measured here:
- Twisted's Request parses every multipart/form-data POST into memory with the email
  parser, though Daphne never reads the result: one 100 MB upload cost 1.2 GB and 1.5 s.
  Twisted's Request takes `parsePOSTFormSubmission=False` (a public parameter).
- Daphne's queueing of a 200 MB body stalled the event loop 0.7 s and took 200 MB.
  So a body over UPLOAD_MAX_REQUEST_BYTES (the largest any route accepts), by its
  Content-Length or, chunked, as it passes the limit, is dropped as it arrives (never
  stored) and answered 413 without running the application: a server-wide body cap,
  as nginx's client_max_body_size. The overrides are Twisted's Request methods that
  HTTPChannel calls as a body arrives (gotLength, handleContentChunk) and Daphne's
  process.

Daphne does not pass the parameter and has no body cap, so its request class is swapped
for this subclass. Likewise its WebSocket factory: autobahn fails a protocol violation (a
text frame of invalid UTF-8 included) by dropping the TCP connection unless its public
`failByDrop` option is off, and Daphne sets the factory's options inside Server.run()
without it; the factory swapped in turns it off, so such a client gets a close frame with
1007 (RFC 6455) instead of a reset. A SPEC 2.2 exception, applied only on the versions it
was tested with (a warning and nothing else on others), switched off with
DAPHNE_GUARD_REQUESTS=0, listed in the README. It can go when Daphne streams bodies to the
application and takes autobahn's options.
"""
from __future__ import annotations

import io
import logging
from importlib.metadata import version

from daphne import http_protocol, server, ws_protocol
from django.conf import settings

from tutor_project.web.upload_guard import error_body, too_large

logger = logging.getLogger(__name__)

TESTED = {"daphne": "4.2.3", "twisted": "26.10.0", "autobahn": "26.10.2"}


class GuardedWebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)
        self.body_bytes = 0
        self.over_limit = False

    def gotLength(self, length: int | None) -> None:  # noqa: N802 (Twisted's name)
        self.over_limit = length is not None and length > settings.UPLOAD_MAX_REQUEST_BYTES
        super().gotLength(0 if self.over_limit else length)  # 0: an empty in-memory file

    def handleContentChunk(self, data: bytes) -> None:  # noqa: N802 (Twisted's name)
        if self.over_limit:
            return  # dropped as it arrives
        self.body_bytes += len(data)
        if self.body_bytes > settings.UPLOAD_MAX_REQUEST_BYTES:  # a chunked body passing the limit
            self.over_limit = True
            self.content.close()
            self.content = io.BytesIO()
            return
        super().handleContentChunk(data)

    def process(self):  # type: ignore[no-untyped-def]  (Daphne's returns a Deferred)
        if not self.over_limit:
            return super().process()
        status, code, detail = too_large()
        body = error_body(code, detail)
        self.setResponseCode(status)
        self.setHeader(b"content-type", b"application/json")
        self.setHeader(b"content-length", str(len(body)).encode())
        self.write(body)
        self.finish()
        return None


class StrictWebSocketFactory(ws_protocol.WebSocketFactory):
    def setProtocolOptions(self, **options: object) -> None:  # noqa: N802 (autobahn's name)
        super().setProtocolOptions(failByDrop=False, **options)


def guard_daphne_requests() -> bool:
    """True when Daphne's requests are GuardedWebRequests from now on."""
    if not settings.DAPHNE_GUARD_REQUESTS:
        return False
    installed = {name: version(name) for name in TESTED}
    if installed != TESTED:
        logger.warning("Daphne's requests are not guarded: tested with %s, installed %s", TESTED, installed)
        return False
    http_protocol.WebRequest = GuardedWebRequest  # read by Daphne's HTTPFactory.buildProtocol
    server.WebSocketFactory = StrictWebSocketFactory  # read by Daphne's Server.run
    return True
