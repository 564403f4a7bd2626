"""The one gateway for every model call (SPEC 5.1), on the official async `openai` client.

- Settings are read per call from a ConfigProvider, so admin edits apply on the next call.
- The SDK retries 408/409/429/5xx and connection errors itself (jittered exponential
  backoff, Retry-After honoured). This module adds only what the SDK cannot do: reopening a
  stream that broke before any text (never after: the learner has seen it), a cap on how
  long someone waits for a reply to start, and the attempt count of every call.
- Structured output asks for a strict JSON schema (falling back to JSON mode when the
  server refuses it), is always validated with pydantic, repaired once, and re-asked once.
- Every call, online or offline, is recorded as a RunRecord.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import httpx2
import openai
from pydantic import BaseModel

from agents_app.errors import AgentError, InvalidOutput, LLMRejected, LLMStreamBroken, LLMTimeout, LLMUnavailable
from agents_app.per_loop import PerLoop
from agents_app.pricing import DEFAULT_PRICES, Price, estimate_cost
from agents_app.repair import extract_json, parse_output
from agents_app.runs import AgentSettings, CallContext, ConfigProvider, RunRecord, RunRecorder, TurnGuard

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

RETRY_STATUSES = frozenset({408, 409, 429})
OFFLINE_MODEL = "offline"
KEPT_CONNECTIONS = 1000  # to the model server, per process


@dataclass(frozen=True)
class GatewayConfig:
    api_key: str | None
    base_url: str | None = None
    default_model: str = "gpt-4o-mini"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 3
    # Seconds a learner may wait for a reply to start (a stream's first text, a whole plain
    # reply), retries and the pauses between them included; background calls are not capped.
    max_wait: float = 60.0
    batch_read_timeout: float = 120.0  # background work (analysis, plans) may wait longer for a whole reply
    structured_mode: Literal["json_schema", "json_object"] = "json_schema"
    max_tokens_param: str = "max_tokens"  # "max_completion_tokens" for OpenAI reasoning models
    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments object, with the repair pipeline's fixes (LaTeX in draw_latex, fences)."""
        try:
            return json.loads(extract_json(self.arguments or "{}"), strict=False)
        except json.JSONDecodeError as exc:
            raise InvalidOutput(f"arguments of tool {self.name!r} are not valid JSON: {exc.msg}") from exc
        except InvalidOutput as exc:
            raise InvalidOutput(f"arguments of tool {self.name!r}: {exc.message}", code=exc.code) from exc

    def as_message_part(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@dataclass
class Completion:
    text: str
    tool_calls: list[ToolCall]
    finish_reason: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class StreamText:
    text: str


@dataclass
class _Run:
    """What one call accumulates before it is recorded."""

    record: RunRecord
    started: float = field(default_factory=time.monotonic)
    failure: AgentError | None = None

    def usage(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.record.prompt_tokens += prompt_tokens
        self.record.completion_tokens += completion_tokens


# The call whose HTTP requests are being sent: the SDK retries inside one `create` and does
# not say how many requests a failed call took, so a request hook of the HTTP client counts them.
_SENDING: ContextVar[_Run | None] = ContextVar("gateway_sending", default=None)


@contextmanager
def _sending(run: _Run) -> Iterator[None]:
    token = _SENDING.set(run)
    try:
        yield
    finally:
        _SENDING.reset(token)


async def _count_attempt(request: httpx2.Request) -> None:
    run = _SENDING.get()
    if run is not None:
        run.record.attempts += 1


class LLMGateway:
    def __init__(self, config: GatewayConfig, configs: ConfigProvider, recorder: RunRecorder,
                 guard: TurnGuard | None = None) -> None:
        self.config = config
        self.configs = configs
        self.recorder = recorder
        self.guard = guard
        self._json_schema_ok = config.structured_mode == "json_schema"
        self._clients = PerLoop(self._new_client, openai.AsyncOpenAI.close)

    # --- choosing the engine --------------------------------------------------------

    async def settings_for(self, agent: str) -> AgentSettings:
        return await self.configs.get(agent)

    def uses_llm(self, settings: AgentSettings) -> bool:
        """No API key, or the agent disabled in admin: the offline engine answers."""
        return bool(self.config.api_key) and settings.enabled

    async def admit_turn(self, ctx: CallContext, settings: AgentSettings) -> bool:
        """Whether this learner turn may use the model; False when offline or the session budget is spent."""
        if not self.uses_llm(settings):
            return False
        return self.guard is None or await self.guard.admit(ctx)

    async def run(self, ctx: CallContext, *, llm: Callable[[AgentSettings], Awaitable[R]],
                  offline: Callable[[], R]) -> R:
        """Run an agent's LLM path or its offline path; callers never know which."""
        settings = await self.settings_for(ctx.agent)
        if self.uses_llm(settings):
            return await llm(settings)
        async with self.track(ctx, settings, offline=True):
            return offline()

    @asynccontextmanager
    async def track(self, ctx: CallContext, settings: AgentSettings, *, offline: bool = False) -> AsyncIterator[_Run]:
        """Time a call and record it however it ends (ok, error, timeout, cancelled)."""
        model = OFFLINE_MODEL if offline else (settings.model or self.config.default_model)
        run = _Run(RunRecord(agent=ctx.agent, model=model, prompt_version=settings.prompt_version, status="ok",
                             offline=offline, attempts=1 if offline else 0,
                             session_id=ctx.session_id, user_id=ctx.user_id))
        try:
            yield run
        except (asyncio.CancelledError, GeneratorExit):
            run.record.status = "cancelled"
            raise
        except LLMTimeout as exc:
            run.record.status, run.record.error = "timeout", f"{exc.code}: {exc.message}"
            raise
        except Exception as exc:
            run.record.status, run.record.error = "error", f"{getattr(exc, 'code', type(exc).__name__)}: {exc}"
            raise
        else:
            if run.failure is not None:
                run.record.status, run.record.error = "error", f"{run.failure.code}: {run.failure.message}"
        finally:
            run.record.latency_ms = int((time.monotonic() - run.started) * 1000)
            run.record.cost_usd = estimate_cost(self.config.prices, model, run.record.prompt_tokens,
                                                run.record.completion_tokens)
            await self.recorder.record(run.record)

    # --- calls ---------------------------------------------------------------------

    async def complete(self, ctx: CallContext, settings: AgentSettings, messages: list[dict[str, Any]], *,
                       tools: list[dict[str, Any]] | None = None) -> Completion:
        async with self.track(ctx, settings) as run:
            return await self._complete(run, settings, messages, tools=tools)

    async def structured(self, ctx: CallContext, settings: AgentSettings, messages: list[dict[str, Any]],
                         output: type[T], *, context: dict[str, Any] | None = None, batch: bool = False) -> T:
        """A validated `output` object; one repair re-ask quoting the error, then InvalidOutput.

        `batch` is for work no learner is waiting on: the whole reply may take batch_read_timeout.
        """
        raw, result = await self._structured_once(ctx, settings, messages, output, context, batch)
        if isinstance(result, BaseModel):
            return result
        reask = [*messages, {"role": "assistant", "content": raw},
                 {"role": "user", "content": f"That reply was not accepted: {result.message}\n"
                                             "Reply again with only the corrected JSON object."}]
        _, second = await self._structured_once(ctx, settings, reask, output, context, batch)
        if isinstance(second, BaseModel):
            return second
        raise InvalidOutput(f"{ctx.agent}: the model's output was still invalid after one repair attempt "
                            f"({second.code}): {second.message}")

    async def _structured_once(self, ctx: CallContext, settings: AgentSettings, messages: list[dict[str, Any]],
                               output: type[T], context: dict[str, Any] | None,
                               batch: bool) -> tuple[str, T | InvalidOutput]:
        schema = strict_schema(output)
        async with self.track(ctx, settings) as run:
            try:
                completion = await self._complete(run, settings, self._json_messages(messages, schema), batch=batch,
                                                  response_format=self._response_format(output.__name__, schema))
            except LLMRejected as exc:
                if not (self._json_schema_ok and _about_response_format(exc.message)):
                    raise
                # The server refused strict json_schema: remember it and use JSON mode from now on.
                self._json_schema_ok = False
                completion = await self._complete(run, settings, self._json_messages(messages, schema), batch=batch,
                                                  response_format={"type": "json_object"})
            try:
                return completion.text, parse_output(completion.text, output, context)
            except InvalidOutput as exc:
                run.failure = exc
                return completion.text, exc

    def _response_format(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        if self._json_schema_ok:
            return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
        return {"type": "json_object"}

    def _json_messages(self, messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
        if self._json_schema_ok:
            return messages
        # JSON mode has no schema parameter, so the schema travels in the prompt.
        note = ("Reply with only a JSON object (no prose, no code fences) matching this JSON schema:\n"
                + json.dumps(schema))
        return [*messages, {"role": "system", "content": note}]

    async def _complete(self, run: _Run, settings: AgentSettings, messages: list[dict[str, Any]], *,
                        tools: list[dict[str, Any]] | None = None,
                        response_format: dict[str, Any] | None = None, batch: bool = False) -> Completion:
        params = self._params(settings, messages, tools=tools, response_format=response_format)
        if batch:
            params["timeout"] = openai.Timeout(self.config.batch_read_timeout, connect=self.config.connect_timeout)
        client = await self._require_client()
        async with self._calling(run, capped=not batch):
            with _sending(run):
                response = await client.chat.completions.create(**params)
        choice = response.choices[0]
        calls = [ToolCall(c.id, c.function.name, c.function.arguments or "")
                 for c in choice.message.tool_calls or () if c.type == "function"]
        text = choice.message.content or ""
        usage = response.usage
        prompt, done = (usage.prompt_tokens, usage.completion_tokens) if usage else _estimate(messages, text)
        run.usage(prompt, done)
        return Completion(text, calls, choice.finish_reason, prompt, done)

    async def embed(self, ctx: CallContext, settings: AgentSettings, texts: list[str]) -> list[list[float]]:
        """One embedding vector per text, in order (one request: callers batch)."""
        async with self.track(ctx, settings) as run:
            client = await self._require_client()
            async with self._calling(run):
                with _sending(run):
                    response = await client.embeddings.create(model=settings.model or self.config.default_model,
                                                              input=texts)
            run.usage(response.usage.prompt_tokens if response.usage else sum(len(t) for t in texts) // 4, 0)
        return [item.embedding for item in sorted(response.data, key=lambda item: item.index)]

    async def stream(self, ctx: CallContext, settings: AgentSettings, messages: list[dict[str, Any]], *,
                     tools: list[dict[str, Any]] | None = None) -> AsyncIterator[StreamText | Completion]:
        """Text deltas as they arrive, then the whole Completion.

        Failures before any text are retried; after text, LLMTimeout / LLMStreamBroken carry
        the partial text. Closing or cancelling the iteration closes the upstream stream.
        """
        params = self._params(settings, messages, tools=tools, stream=True)
        async with self.track(ctx, settings) as run:
            client = await self._require_client()
            parts = _StreamParts()
            async with self._calling(run) as waiting:
                while True:
                    try:
                        with _sending(run):
                            upstream = await _stream_chat(client, params)
                        async with upstream:  # leaving it, however, closes the HTTP stream
                            async for chunk in upstream:
                                pieces = parts.add(chunk)
                                if parts.text or parts.calls:
                                    waiting.reschedule(None)  # the reply has started: no cap from here on
                                for piece in pieces:
                                    yield StreamText(piece)
                        break
                    except openai.APIError as exc:
                        # The SDK retried the request; a stream that breaks later is ours to retry,
                        # but only while the learner has seen nothing of it.
                        if parts.text:
                            raise _broken_stream(exc, "".join(parts.text)) from exc
                        if run.record.attempts > self.config.max_retries or not _worth_retrying(exc):
                            raise
                        parts = _StreamParts()
            completion = parts.completion(messages)
            run.usage(completion.prompt_tokens, completion.completion_tokens)
            yield completion

    # --- waiting and failing -------------------------------------------------------

    @asynccontextmanager
    async def _calling(self, run: _Run, *, capped: bool = True) -> AsyncIterator[asyncio.Timeout]:
        """Cap the wait for the call's reply (`waiting.reschedule(None)` lifts it) and turn the
        SDK's errors into ours."""
        max_wait = self.config.max_wait if capped else None
        try:
            async with asyncio.timeout(max_wait) as waiting:
                yield waiting
        except TimeoutError as exc:  # the cap; the SDK's own timeouts are openai.APITimeoutError
            raise LLMUnavailable(f"the model server gave no reply within {max_wait:g} s "
                                 f"({run.record.attempts} attempt(s))") from exc
        except openai.OpenAIError as exc:
            raise _translate(exc, run.record.attempts) from exc

    def _params(self, settings: AgentSettings, messages: list[dict[str, Any]], *, stream: bool = False,
                tools: list[dict[str, Any]] | None = None,
                response_format: dict[str, Any] | None = None) -> dict[str, Any]:
        """The keyword arguments of chat.completions.create for this call."""
        params: dict[str, Any] = {
            "model": settings.model or self.config.default_model,
            "messages": messages,
            "temperature": settings.temperature,
            self.config.max_tokens_param: settings.max_tokens,
        }
        if tools:
            params["tools"] = tools
        if response_format:
            params["response_format"] = response_format
        if stream:
            params.update(stream=True, stream_options={"include_usage": True})
        return params

    async def _require_client(self) -> openai.AsyncOpenAI:
        """The client of the running event loop: its connection pool cannot outlive its loop.

        It speaks HTTP through aiohttp, whose pool hands out a kept-alive connection in
        constant time and parses responses in C; httpx's pool probes every idle connection's
        socket on each request and release, which with a connection per streaming turn was
        the largest cost of a busy tutor process (profiled). The client is closed when its
        loop shuts down (agents_app.per_loop)."""
        if not self.config.api_key:
            raise LLMUnavailable("no model is configured (OPENAI_API_KEY is not set)", retryable=False)
        return await self._clients.get()

    def _new_client(self) -> openai.AsyncOpenAI:
        timeout = openai.Timeout(self.config.read_timeout, connect=self.config.connect_timeout)
        # Every streaming turn holds a connection; the SDK's default keeps only 100 idle ones,
        # so past 100 concurrent turns each new turn would open (and later drop) another.
        http_client = openai.DefaultAioHttpClient(
            limits=httpx2.Limits(max_connections=KEPT_CONNECTIONS, max_keepalive_connections=KEPT_CONNECTIONS),
            event_hooks={"request": [_count_attempt]})
        return openai.AsyncOpenAI(api_key=self.config.api_key, base_url=self.config.base_url or None,
                                  timeout=timeout, max_retries=self.config.max_retries, http_client=http_client)


class _StreamParts:
    """Assembles streamed chunks into text, tool calls and usage."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, ToolCall] = {}
        self.finish_reason: str | None = None
        self.usage: tuple[int, int] | None = None

    def add(self, chunk: dict[str, Any]) -> list[str]:
        """Take one chunk (a `chat.completion.chunk` object as JSON); returns its text pieces."""
        if usage := chunk.get("usage"):
            self.usage = (usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
        pieces = []
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if content := delta.get("content"):
                pieces.append(content)
            for part in delta.get("tool_calls") or ():
                call = self.calls.setdefault(part.get("index", 0), ToolCall(part.get("id") or "", "", ""))
                call.id = part.get("id") or call.id
                if function := part.get("function"):
                    call.name += function.get("name") or ""
                    call.arguments += function.get("arguments") or ""
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
        self.text.extend(pieces)
        return pieces

    def completion(self, messages: list[dict[str, Any]]) -> Completion:
        text = "".join(self.text)
        prompt, done = self.usage or _estimate(messages, text)
        calls = [self.calls[i] for i in sorted(self.calls)]
        return Completion(text, calls, self.finish_reason, prompt, done)


async def _stream_chat(client: openai.AsyncOpenAI, params: dict[str, Any]) -> openai.AsyncStream[object]:
    """A streamed chat completion whose chunks are the API's JSON objects as they come.

    The SDK's generic `post` (its documented way to call any endpoint), not
    `chat.completions.create`: for a body of plain JSON, create's two typed layers do nothing
    but cost a busy tutor process most of its event loop (profiled): it walks the request
    against the parameters' TypedDicts (about 10 ms for the teacher's 14 board tools on
    this machine), and it builds a typed object per streamed chunk. The SDK still sends,
    retries, times out and decodes the server-sent events (an `error` object in the stream
    raises APIError)."""
    return await client.post("/chat/completions", body=params, cast_to=object, stream=True,
                             stream_cls=openai.AsyncStream[object])


# Keywords that strict structured output rejects; pydantic still enforces them on the reply.
_UNSUPPORTED_SCHEMA_KEYWORDS = frozenset({"minLength", "maxLength"})


def strict_schema(output: type[BaseModel]) -> dict[str, Any]:
    """The SDK's strict JSON schema of `output` (the one it sends for a pydantic tool)."""
    def prune(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: prune(v) for k, v in node.items() if k not in _UNSUPPORTED_SCHEMA_KEYWORDS}
        if isinstance(node, list):
            return [prune(v) for v in node]
        return node

    return prune(openai.pydantic_function_tool(output)["function"]["parameters"])


def _worth_retrying(exc: openai.APIError) -> bool:
    """What the SDK retries when it sends a request: connection failures, 408/409/429/5xx."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUSES or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)


def _translate(exc: openai.OpenAIError, attempts: int) -> Exception:
    if isinstance(exc, openai.APITimeoutError):
        return LLMTimeout(f"the model server did not answer in time ({attempts} attempt(s))")
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailable(f"could not reach the model server ({attempts} attempt(s))")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in RETRY_STATUSES or exc.status_code >= 500:
            return LLMUnavailable(f"the model server answered {exc.status_code} ({attempts} attempt(s))")
        return LLMRejected(f"the model server refused the request ({exc.status_code}): {exc.message}")
    return LLMUnavailable(f"the model server's reply could not be read: {exc}")


def _about_response_format(message: str) -> bool:
    lowered = message.lower()
    return "response_format" in lowered or "json_schema" in lowered


def _broken_stream(exc: Exception, partial: str) -> AgentError:
    if isinstance(exc, openai.APITimeoutError):
        return LLMTimeout("the model stopped sending mid-answer", partial_text=partial)
    return LLMStreamBroken(f"the model stream broke mid-answer: {exc}", partial_text=partial)


def _estimate(messages: list[dict[str, Any]], text: str) -> tuple[int, int]:
    """Rough token counts (4 characters a token) for servers that report no usage."""
    prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
    return prompt_chars // 4, len(text) // 4
