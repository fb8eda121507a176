"""Call the chat model: build ChatOpenAI for DeepSeek, cap requests in flight, retry what is transient, count usage.

Every model request in copyloop goes through `call_model`. The openai client's own retries are off
(`max_retries=0`) so that retries do not multiply and the in-flight cap holds: a request waits for backoff
outside the semaphore and takes a slot again for its next attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel

from copyloop.errors import FatalAPIError, MalformedReply, ModelCallError, StopRequested
from copyloop.graph.context import Context, default_context
from copyloop.progress import emit
from copyloop.tracing import call_config
from copyloop.usage import Usage, add_usage, empty_usage, usage_from_response

log = logging.getLogger(__name__)

Role = Literal["planner", "write", "critic", "revise"]
SchemaT = TypeVar("SchemaT", bound=BaseModel)

# DeepSeek's guidance: creative writing 1.5, general conversation 1.3, data work 1.0.
TEMPERATURE: dict[str, float] = {"planner": 1.3, "write": 1.5, "critic": 1.0, "revise": 1.3}
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_BACKOFF = 60.0


@dataclass
class CallResult:
    """A model reply with what it cost: `value` is text, or the parsed schema for structured calls."""

    value: Any
    usage: Usage
    responses: int
    model: str


def _runtime_cache(ctx: Context) -> dict[Any, Any]:
    cache: dict[Any, Any] = ctx.__dict__.setdefault("_runtime_cache", {})
    return cache


class RequestGate:
    """Admit model requests: at most `limit` in flight, none new once a stop is asked for.

    On a stop (Ctrl-C, a fatal API error) requests already in flight are let finish and recorded — they are
    paid for — and every caller then raises StopRequested, which ends the run with its checkpoint intact.
    """

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(max(1, limit))
        self.in_flight = 0
        self.stop_reason: str | None = None
        self.stop_is_fatal = False
        self._idle = asyncio.Event()
        self._idle.set()

    def stop(self, reason: str, *, fatal: bool = False) -> None:
        """Refuse new requests from now on; `fatal` marks an API refusal rather than a user's request."""
        if self.stop_reason is None:
            self.stop_reason, self.stop_is_fatal = reason, fatal

    async def drained(self) -> None:
        """Wait until no request is in flight."""
        await self._idle.wait()

    async def _refuse_if_stopping(self) -> None:
        if self.stop_reason is not None:
            await self._idle.wait()  # drain: let requests in flight come back (and be recorded) first
            raise StopRequested(self.stop_reason, fatal=self.stop_is_fatal)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot for the duration of the block."""
        await self._refuse_if_stopping()
        async with self._slots:
            await self._refuse_if_stopping()
            self.in_flight += 1
            self._idle.clear()
            try:
                yield
            finally:
                self.in_flight -= 1
                if self.in_flight == 0:
                    self._idle.set()


def request_gate(ctx: Context) -> RequestGate:
    """Return the batch-wide request gate of a context (one per context and event loop)."""
    cache = _runtime_cache(ctx)
    key = ("gate", id(asyncio.get_running_loop()))
    if key not in cache:
        cache[key] = RequestGate(ctx.max_concurrency)
    gate: RequestGate = cache[key]
    return gate


def chat_model(ctx: Context, role: str, max_tokens: int) -> BaseChatModel:
    """Return the chat model for a role: the context's own model, or ChatOpenAI set up for DeepSeek."""
    if ctx.chat_model is not None:
        return ctx.chat_model
    from langchain_openai import ChatOpenAI

    cache = _runtime_cache(ctx)
    loop_id = id(asyncio.get_running_loop())
    # One HTTP pool per context and event loop: langchain-openai's shared default client is bound to the first
    # loop that used it, so a second `asyncio.run` (a script calling ainvoke twice) would fail on a closed loop.
    http_key = ("http", loop_id)
    if http_key not in cache:
        cache[http_key] = httpx.AsyncClient(
            timeout=httpx.Timeout(ctx.request_timeout + 5, connect=10.0),
            limits=httpx.Limits(
                max_connections=max(100, ctx.max_concurrency * 2),
                max_keepalive_connections=max(20, ctx.max_concurrency),
            ),
        )
    key = ("model", role, max_tokens, loop_id)
    if key not in cache:
        cache[key] = ChatOpenAI(
            model=ctx.model,
            base_url=ctx.base_url,
            api_key=ctx.api_key or "missing-key",  # type: ignore[arg-type]
            temperature=TEMPERATURE[role],
            max_tokens=max_tokens,  # type: ignore[call-arg]
            # The overall deadline is enforced with asyncio.wait_for; this only bounds connect/read stalls.
            timeout=httpx.Timeout(ctx.request_timeout + 5, connect=10.0),
            max_retries=0,
            http_async_client=cache[http_key],
            # Thinking mode ignores temperature and refuses forced tool choice; max_tokens is sent as
            # max_completion_tokens by langchain-openai, which DeepSeek may ignore, so repeat it.
            extra_body={"thinking": {"type": "disabled"}, "max_tokens": max_tokens},
        )
    model: BaseChatModel = cache[key]
    return model


def _retry_after(error: BaseException) -> float | None:
    response = getattr(error, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _classify(error: BaseException) -> Literal["transient", "fatal", "permanent"]:
    if isinstance(error, asyncio.TimeoutError | openai.APITimeoutError | openai.APIConnectionError):
        return "transient"
    if isinstance(error, httpx.TransportError):
        return "transient"
    if isinstance(error, openai.APIStatusError):
        if error.status_code in (401, 402):
            return "fatal"
        if error.status_code in RETRY_STATUSES:
            return "transient"
    return "permanent"


def _fatal_message(error: openai.APIStatusError) -> str:
    if error.status_code == 401:
        return "DEEPSEEK_API_KEY was rejected (HTTP 401): check the key in your environment or .env"
    return "the DeepSeek balance is empty (HTTP 402): top up the account, then `copyloop resume`"


def _backoff(ctx: Context, attempt: int, error: BaseException) -> float:
    hinted = _retry_after(error)
    if hinted is not None:
        return min(hinted, MAX_BACKOFF)
    base = ctx.retry_base_delay * (2 ** (attempt - 1))
    return min(base, MAX_BACKOFF) * (0.5 + random.random() / 2)


async def _invoke_once(
    ctx: Context, runnable: Any, messages: list[BaseMessage], config: Any
) -> tuple[AIMessage, Any, BaseException | None]:
    async with request_gate(ctx).slot():
        reply = await asyncio.wait_for(runnable.ainvoke(messages, config), timeout=ctx.request_timeout)
    if isinstance(reply, dict):  # with_structured_output(include_raw=True)
        return reply["raw"], reply.get("parsed"), reply.get("parsing_error")
    return reply, None, None


async def call_model(
    ctx: Context | None,
    *,
    role: Role,
    messages: list[BaseMessage],
    max_tokens: int,
    schema: type[SchemaT] | None = None,
    article_id: int | None = None,
    draft: int | None = None,
) -> CallResult:
    """Send one request, retrying transient faults; return the text (or parsed schema) and the usage paid.

    `ctx` None means the process-wide context from the environment (a run started without one, e.g. by the
    LangGraph server). `draft` is the number of the draft written or judged, for tracing.
    Raises FatalAPIError for a bad key or empty balance, ModelCallError when the request fails for good.
    """
    ctx = ctx if ctx is not None else default_context()
    config = call_config(role, draft)
    model = chat_model(ctx, role, max_tokens)
    runnable: Any = (
        model.with_structured_output(schema, method="function_calling", include_raw=True) if schema else model
    )
    usage = empty_usage()
    responses = 0
    attempt = 0
    malformed = 0
    while True:
        attempt += 1
        try:
            raw, parsed, parse_error = await _invoke_once(ctx, runnable, messages, config)
        except StopRequested:
            raise
        except Exception as error:
            kind = _classify(error)
            if kind == "fatal":
                assert isinstance(error, openai.APIStatusError)
                message = _fatal_message(error)
                gate = request_gate(ctx)
                gate.stop(message, fatal=True)  # no new request anywhere in the batch
                await gate.drained()  # the others' requests in flight are paid for: let them be recorded
                raise FatalAPIError(message, error.status_code) from None
            if kind == "permanent" or attempt >= ctx.max_attempts:
                raise ModelCallError(f"{role} request failed: {_describe(error)}", usage) from None
            delay = _backoff(ctx, attempt, error)
            log.info("%s request: %s; retry %d in %.1fs", role, _describe(error), attempt, delay)
            await asyncio.sleep(delay)
            continue

        this_usage = usage_from_response(raw.response_metadata, raw.usage_metadata)  # type: ignore[arg-type]
        usage = add_usage(usage, this_usage)
        responses += 1
        served_by = str(raw.response_metadata.get("model_name") or ctx.model)
        if ctx.ledger is not None:
            ctx.ledger.record(role, article_id, served_by, this_usage)
        emit({"event": "usage", "role": role, "article": article_id, "model": served_by, "usage": this_usage})
        try:
            value = _interpret(raw, parsed, parse_error, schema)
        except MalformedReply as error:
            malformed += 1
            attempt -= 1  # malformed replies have their own budget
            if malformed > ctx.max_malformed:
                raise ModelCallError(
                    f"{role} reply unusable after {malformed} tries: {error}", usage
                ) from None
            log.info("%s reply malformed (%s); asking again", role, error)
            continue
        return CallResult(value=value, usage=usage, responses=responses, model=served_by)


def _interpret(raw: AIMessage, parsed: Any, parse_error: Any, schema: type[BaseModel] | None) -> Any:
    if schema is not None:
        if parsed is None:
            raise MalformedReply(str(parse_error or "no tool call in the reply")[:200])
        return parsed
    text = raw.content if isinstance(raw.content, str) else "".join(str(p) for p in raw.content)
    if not text.strip():
        raise MalformedReply("blank reply")
    return text


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "no answer before the request deadline"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return f"connection problem ({type(error).__name__})"
    return f"{type(error).__name__}: {str(error)[:200]}"
