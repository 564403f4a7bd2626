"""Domain errors: raised by actions and domain modules, turned into JSON API errors
in one place (tutor_project.web.api.exception_handler) and into `error` frames on sockets."""
from __future__ import annotations


class DomainError(Exception):
    http_status = 400

    def __init__(self, code: str, detail: str, *, http_status: int | None = None, retryable: bool = False):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.retryable = retryable
        if http_status is not None:
            self.http_status = http_status
