"""Call the chat model: build ChatOpenAI for DeepSeek, cap requests in flight, retry what is transient, count usage.

Every model request in copyloop goes through `call_model`. The openai client's own retries are off
(`max_retries=0`) so that retries do not multiply and the in-flight cap holds: a request waits for backoff
outside the semaphore and takes a slot again for its next attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from copyloop.budget import BUDGET_STOP, Budget
from copyloop.errors import FatalAPIError, MalformedReply, ModelCallError, StopRequested
from copyloop.graph.context import Context, default_context
from copyloop.progress import emit
from copyloop.tokens import prompt_tokens, tools_text
from copyloop.tracing import call_config
from copyloop.usage import Usage, add_usage, empty_usage, usage_from_response

log = logging.getLogger(__name__)

Role = Literal["planner", "write", "critic", "revise"]
SchemaT = TypeVar("SchemaT", bound=BaseModel)

# DeepSeek's guidance: creative writing 1.5, general conversation 1.3, data work 1.0.
TEMPERATURE: dict[str, float] = {"planner": 1.3, "write": 1.5, "critic": 1.0, "revise": 1.3}
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_BACKOFF = 60.0
BUDGET_GRACE = 0.25
"""Seconds a request that does not fit the budget waits, with nothing in flight, before it stops the batch."""


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

    On a stop (Ctrl-C, a fatal API error, the budget) requests already in flight are let finish and recorded —
    they are paid for — and every caller then raises StopRequested, which ends the run with its checkpoint intact.
    With a `budget`, a request is sent only once its reserved cost fits: while it does not, it waits for requests
    in flight to come back (their real cost is usually far below their reservation); if it still does not fit
    with nothing in flight, the batch stops with reason `budget`.
    """

    def __init__(self, limit: int, budget: Budget | None = None) -> None:
        self._slots = asyncio.Semaphore(max(1, limit))
        self.budget = budget
        self.in_flight = 0
        self.stop_reason: str | None = None
        self.stop_is_fatal = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._returned = asyncio.Event()
        self.admitted = 0
        """Requests holding a budget reservation (in flight, or about to be)."""

    def stop(self, reason: str, *, fatal: bool = False) -> None:
        """Refuse new requests from now on; `fatal` marks an API refusal rather than a user's request."""
        if self.stop_reason is None:
            self.stop_reason, self.stop_is_fatal = reason, fatal
        self._returned.set()  # requests waiting for budget wake up and see the stop

    async def drained(self) -> None:
        """Wait until no request is in flight."""
        await self._idle.wait()

    async def _refuse_if_stopping(self) -> None:
        if self.stop_reason is not None:
            await self._idle.wait()  # drain: let requests in flight come back (and be recorded) first
            raise StopRequested(self.stop_reason, fatal=self.stop_is_fatal)

    @contextlib.asynccontextmanager
    async def slot(self, cost: float = 0.0, starts: int | None = None) -> AsyncIterator[None]:
        """Hold one request slot for the duration of the block; `cost` is reserved against the budget.

        `starts` is the article a first-draft request begins (the budget paces new articles; see `Budget`).
        Requests waiting for a slot are served in arrival order (a priority for articles further along was
        measured: it made the batch's tail longer, see benchmarks/).
        """
        await self._refuse_if_stopping()
        if self.budget is not None:
            await self._admit(cost, starts)
        try:
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
        finally:
            if self.budget is not None:
                # The caller records the reply's real cost before it yields to the event loop again.
                self.budget.release(cost)
                self.admitted -= 1
                self._returned.set()  # wake requests waiting for budget; they check again
                self._returned = asyncio.Event()

    async def _admit(self, cost: float, starts: int | None) -> None:
        """Reserve `cost` once it fits; stop the batch when nothing admitted can free budget."""
        assert self.budget is not None
        while not self.budget.try_reserve(cost, starts):
            returned = self._returned
            if self.admitted:
                await returned.wait()  # replies usually cost far less than their reservation
            else:
                # Nothing in flight: wait a moment for an article between two calls, which may fit; then stop.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(returned.wait(), BUDGET_GRACE)
                if not self.admitted and not returned.is_set():
                    self.stop(BUDGET_STOP)
            await self._refuse_if_stopping()
        self.admitted += 1


def request_gate(ctx: Context) -> RequestGate:
    """Return the batch-wide request gate of a context (one per context and event loop)."""
    cache = _runtime_cache(ctx)
    key = ("gate", id(asyncio.get_running_loop()))
    if key not in cache:
        cache[key] = RequestGate(ctx.max_concurrency, ctx.budget)
    gate: RequestGate = cache[key]
    return gate


def chat_model(ctx: Context, role: str, max_tokens: int) -> BaseChatModel:
    """Return the chat model for a role: the context's own model, or ChatOpenAI set up for DeepSeek."""
    if ctx.chat_model is not None:
        return ctx.chat_model
    cache = _runtime_cache(ctx)
    loop = id(asyncio.get_running_loop())
    # One HTTP pool per context and event loop (see _http_clients).
    key = ("model", role, max_tokens, loop)
    if key not in cache:
        http = _http_clients(ctx, loop)
        cache[key] = ChatOpenAI(
            model=ctx.model,
            base_url=ctx.base_url,
            api_key=ctx.api_key or "missing-key",  # type: ignore[arg-type]
            temperature=TEMPERATURE[role],
            max_tokens=max_tokens,  # type: ignore[call-arg]
            # The overall deadline is enforced with asyncio.timeout; this only bounds connect/read stalls.
            timeout=httpx.Timeout(ctx.request_timeout + 5, connect=10.0),
            max_retries=0,
            # Thinking mode ignores temperature and refuses forced tool choice; max_tokens is sent as
            # max_completion_tokens by langchain-openai, which DeepSeek may ignore, so repeat it.
            extra_body={"thinking": {"type": "disabled"}, "max_tokens": max_tokens},
            http_client=http[0],
            http_async_client=http[1],
        )
    model: BaseChatModel = cache[key]
    return model


def _http_clients(ctx: Context, loop: int) -> tuple[httpx.Client, httpx.AsyncClient]:
    """Return the HTTP connection pools every model of the batch shares (one per context and event loop).

    Per loop: langchain-openai's shared default client is bound to the first loop that used it, so a second
    `asyncio.run` (a script calling ainvoke twice) would fail on a closed loop. Shared by all models: left to
    itself, ChatOpenAI builds a pool (and TLS context, ~30 ms of CPU each) per instance whose timeout is an
    `httpx.Timeout` — one per role and output limit here. TCP keepalive as langchain-openai sets it by default.
    """
    cache = _runtime_cache(ctx)
    key = ("http", loop)
    if key not in cache:
        timeout = httpx.Timeout(ctx.request_timeout + 5, connect=10.0)
        limits = httpx.Limits(
            max_connections=max(100, ctx.max_concurrency * 2),
            max_keepalive_connections=max(20, ctx.max_concurrency),
        )
        options = _socket_options()
        tls = _tls_context()
        sync = httpx.HTTPTransport(verify=tls, limits=limits, socket_options=options)
        async_ = httpx.AsyncHTTPTransport(verify=tls, limits=limits, socket_options=options)
        cache[key] = (
            httpx.Client(timeout=timeout, transport=sync),
            httpx.AsyncClient(timeout=timeout, transport=async_),
        )
    clients: tuple[httpx.Client, httpx.AsyncClient] = cache[key]
    return clients


def _socket_options() -> list[tuple[int, int, int]]:
    """Return TCP keepalive options: a dead connection is noticed in ~90 s instead of never."""
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    return options


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Return one TLS context for the process (loading the CA bundle costs ~30 ms of CPU each time)."""
    return httpx.create_ssl_context()


async def close_clients(ctx: Context) -> None:
    """Close the HTTP connection pools the context's models opened on this event loop."""
    clients = _runtime_cache(ctx).pop(("http", id(asyncio.get_running_loop())), None)
    if clients is not None:
        clients[0].close()
        await clients[1].aclose()


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


@functools.lru_cache(maxsize=64)
def _tool_name(schema: type[BaseModel]) -> str:
    return str(convert_to_openai_tool(schema)["function"]["name"])


def _runnable(
    ctx: Context, model: BaseChatModel, schema: type[BaseModel] | None, tools: tuple[type[BaseModel], ...]
) -> Any:
    """Bind the declared tools, forcing `schema`'s tool or none; cached, binding converts schemas each time."""
    declared = tools or ((schema,) if schema else ())
    if not declared:
        return model
    cache = _runtime_cache(ctx)
    key = ("runnable", id(model), schema, declared)
    if key not in cache:
        try:
            cache[key] = model.bind_tools(
                list(declared), tool_choice=_tool_name(schema) if schema else "none"
            )
        except NotImplementedError:  # a chat model without tool binding: one tool, or none
            cache[key] = (
                model.with_structured_output(schema, method="function_calling", include_raw=True)
                if schema
                else model
            )
    return cache[key]


def _request_ceiling(
    ctx: Context, messages: list[BaseMessage], tools: tuple[type[BaseModel], ...], max_tokens: int
) -> float:
    """Return the most this request can cost (for the budget), or 0 without a budget."""
    if ctx.budget is None:
        return 0.0
    cache = _runtime_cache(ctx)
    key = ("tools_json", tools)
    if key not in cache:
        cache[key] = tools_text(tools) if tools else ""
    texts = [m.content if isinstance(m.content, str) else str(m.content) for m in messages]
    return ctx.budget.ceiling(ctx.model, prompt_tokens(texts, cache[key]), max_tokens)


async def _invoke_once(
    ctx: Context,
    runnable: Any,
    messages: list[BaseMessage],
    config: Any,
    cost: float,
    starts: int | None,
) -> tuple[AIMessage, Any, BaseException | None]:
    async with request_gate(ctx).slot(cost, starts), asyncio.timeout(ctx.request_timeout):
        reply = await runnable.ainvoke(messages, config)
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
    tools: tuple[type[BaseModel], ...] = (),
    article_id: int | None = None,
    draft: int | None = None,
) -> CallResult:
    """Send one request, retrying transient faults; return the text (or parsed schema) and the usage paid.

    `schema` is the tool the model must call (its arguments are the value); `tools` are the tools the request
    declares — pass the batch's one list on every call so that every prompt starts the same (prefix cache).
    `ctx` None means the process-wide context from the environment (a run started without one, e.g. by the
    LangGraph server). `draft` is the number of the draft written or judged, for tracing.
    Raises FatalAPIError for a bad key or empty balance, ModelCallError when the request fails for good.
    """
    ctx = ctx if ctx is not None else default_context()
    config = call_config(role, draft)
    model = chat_model(ctx, role, max_tokens)
    runnable = _runnable(ctx, model, schema, tools)
    cost = _request_ceiling(ctx, messages, tools or ((schema,) if schema else ()), max_tokens)
    starts = article_id if role == "write" else None  # a first draft begins an article
    usage = empty_usage()
    responses = 0
    attempt = 0
    malformed = 0
    while True:
        attempt += 1
        try:
            raw, parsed, parse_error = await _invoke_once(ctx, runnable, messages, config, cost, starts)
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
        if parsed is None and parse_error is None:
            parsed, parse_error = _parse_tool_call(raw, schema)
        if parsed is None:
            raise MalformedReply(str(parse_error or "no tool call in the reply")[:200])
        return parsed
    text = raw.content if isinstance(raw.content, str) else "".join(str(p) for p in raw.content)
    if not text.strip():
        raise MalformedReply("blank reply")
    return text


def _parse_tool_call(raw: AIMessage, schema: type[BaseModel]) -> tuple[Any, Any]:
    """Return (the schema parsed from the reply's call of its tool, None) or (None, why not)."""
    name = _tool_name(schema)
    for call in raw.tool_calls:
        if call["name"] == name:
            try:
                return schema.model_validate(call["args"]), None
            except ValidationError as error:
                return None, error
    invalid = [c.get("error") for c in raw.invalid_tool_calls if c.get("name") == name]
    return None, (invalid[0] if invalid else None) or f"no {name} call in the reply"


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "no answer before the request deadline"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return f"connection problem ({type(error).__name__})"
    return f"{type(error).__name__}: {str(error)[:200]}"
