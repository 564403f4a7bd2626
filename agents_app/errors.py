"""Errors of the AI core. Each carries a stable `code` and whether trying again may help."""
from __future__ import annotations


class AgentError(Exception):
    code = "agent_error"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable


class InvalidOutput(AgentError):
    """Model output that is still not a valid object after repair."""

    code = "invalid_output"
    retryable = True


class LLMUnavailable(AgentError):
    """The model server kept failing (5xx, 429, connection errors) until retries ran out."""

    code = "llm_unavailable"
    retryable = True


class _WithPartialText(AgentError):
    """A failure during a streamed answer; `partial_text` is what already reached the learner."""

    def __init__(self, message: str, *, partial_text: str = "") -> None:
        super().__init__(message)
        self.partial_text = partial_text


class LLMTimeout(_WithPartialText):
    """The model server stopped answering in time."""

    code = "llm_timeout"
    retryable = True


class LLMStreamBroken(_WithPartialText):
    """The stream failed after text reached the learner, so it is not retried."""

    code = "llm_stream_broken"
    retryable = True


class LLMRejected(AgentError):
    """The model server refused the request (4xx other than 408/409/429): retrying will not help."""

    code = "llm_rejected"
    retryable = False

