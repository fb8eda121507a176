"""An offline HTTP simulator of DeepSeek's OpenAI-compatible chat-completions API (aiohttp, own thread)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from copyloop.sim.config import SimConfig
from copyloop.sim.prose import (
    extract_materials,
    fill_arguments,
    write_json_object,
    write_prose,
)
from copyloop.sim.tokens import (
    PrefixCache,
    canonical_prompt,
    estimate_tokens,
    message_text,
    prompt_usage,
    unit_hashes,
)

log = logging.getLogger("copyloop.sim")

MAX_TOKENS_LIMIT = 393_216
VOLATILE_FIELDS = frozenset({"stream", "stream_options", "user", "metadata", "store", "service_tier"})
SYSTEM_FINGERPRINT = "fp_copyloop_sim"

_ERROR_KINDS: dict[int, tuple[str, str, str]] = {
    400: ("invalid_request_error", "invalid_request_error", "Invalid request"),
    401: (
        "authentication_error",
        "invalid_request_error",
        "Authentication Fails, Your api key: ****{key} is invalid",
    ),
    402: ("unknown_error", "invalid_request_error", "Insufficient Balance"),
    422: ("invalid_request_error", "invalid_request_error", "Invalid request parameters"),
    429: ("rate_limit_error", "rate_limit_exceeded", "Rate Limit Reached"),
    500: ("api_error", "internal_server_error", "Internal Server Error"),
    503: (
        "api_error",
        "server_overloaded",
        "Service Unavailable: the server is overloaded, please try again later",
    ),
}


def request_key(body: dict[str, Any]) -> str:
    """Return the sha256 of the request body without volatile fields (stream flags, user, metadata)."""
    stable = {k: v for k, v in body.items() if k not in VOLATILE_FIELDS}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def error_body(status: int, message: str | None = None, api_key: str = "") -> dict[str, Any]:
    """Return a DeepSeek/OpenAI-style error body for ``status``."""
    kind, code, default = _ERROR_KINDS.get(status, ("api_error", "error", f"HTTP {status}"))
    text = message or default.format(key=api_key[-4:])
    return {"error": {"message": text, "type": kind, "param": None, "code": code}}


class _Stats:
    """Counters shared between the server thread and callers (all access under one lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self._zero()

    def _zero(self) -> None:
        self.requests = 0
        self.responses = 0
        self.by_status: Counter[str] = Counter()
        self.max_in_flight = self.in_flight
        self.usage: Counter[str] = Counter()
        self.tool_calls = 0
        self.streamed = 0
        self.hangs = 0
        self.disconnects = 0

    def reset(self) -> None:
        with self._lock:
            self._zero()

    def begin(self) -> None:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def status(self, status: int) -> None:
        with self._lock:
            self.by_status[str(status)] += 1

    def bump(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def ok(self, usage: dict[str, Any], tool_call: bool, streamed: bool) -> None:
        with self._lock:
            self.responses += 1
            self.by_status["200"] += 1
            self.usage["prompt_tokens"] += usage["prompt_tokens"]
            self.usage["completion_tokens"] += usage["completion_tokens"]
            self.usage["cache_hit_tokens"] += usage["prompt_cache_hit_tokens"]
            self.usage["cache_miss_tokens"] += usage["prompt_cache_miss_tokens"]
            self.tool_calls += int(tool_call)
            self.streamed += int(streamed)

    def ok_count(self) -> int:
        with self._lock:
            return self.responses

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "responses": self.responses,
                "by_status": dict(sorted(self.by_status.items())),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "usage": {
                    key: self.usage[key]
                    for key in ("prompt_tokens", "completion_tokens", "cache_hit_tokens", "cache_miss_tokens")
                },
                "tool_calls": self.tool_calls,
                "streamed": self.streamed,
                "hangs": self.hangs,
                "disconnects": self.disconnects,
            }


@dataclass
class _Reply:
    """What the simulated model says: text or one tool call, and why it stopped."""

    content: str
    tool_name: str | None = None
    arguments: str | None = None
    finish_reason: str = "stop"

    @property
    def output(self) -> str:
        """Return the text that counts as completion (content or tool arguments)."""
        return self.arguments if self.tool_name is not None and self.arguments is not None else self.content


class _BadRequest(Exception):
    """A request the real API would refuse with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SimServer:
    """Run the DeepSeek simulator on a local port in a daemon thread with its own event loop."""

    def __init__(self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        """Prepare a server (not started) with ``config`` on ``host:port`` (port 0 picks a free one)."""
        self.host = host
        self.port = port
        self.url: str | None = None
        self.base_url: str | None = None
        self._config = config or SimConfig()
        self._config_lock = threading.Lock()
        self._stats = _Stats()
        self._cache = PrefixCache()
        self._seen: Counter[str] = Counter()
        self._seen_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def config(self) -> SimConfig:
        """Return the current configuration."""
        with self._config_lock:
            return self._config

    def start(self) -> str:
        """Start serving in a daemon thread, wait until it listens, and return the base URL."""
        if self._thread is not None and self.url is not None:
            return self.url
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._astart(sock))
            except BaseException as exc:  # surfaced to start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name=f"copyloop-sim-{self.port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise failure[0]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = self.base_url = f"http://{host}:{self.port}"
        return self.url

    async def _astart(self, sock: socket.socket) -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/models", self._models)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/sim/stats", self._stats_route)
        app.router.add_post("/sim/reset", self._reset_route)
        app.router.add_get("/sim/config", self._config_get_route)
        app.router.add_post("/sim/config", self._config_route)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _astop(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        """Stop the server and its thread (hung requests are closed)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._astop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = self._runner = None
        self.url = self.base_url = None

    def __enter__(self) -> SimServer:
        """Start the server and return it."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()

    # -- control ------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Return a snapshot of the counters (same as ``GET /sim/stats``)."""
        return self._stats.snapshot()

    def reset(self) -> None:
        """Zero the counters, clear the prefix cache and forget how often each body was seen."""
        self._stats.reset()
        self._cache.clear()
        with self._seen_lock:
            self._seen.clear()

    def configure(self, **changes: Any) -> SimConfig:
        """Change knobs at runtime (validated like ``SimConfig``) and return the new config."""
        with self._config_lock:
            self._config = self._config.replace(**changes)
            return self._config

    def _attempt(self, key: str) -> int:
        """Return how many times this body was seen before, and count this sighting."""
        with self._seen_lock:
            seen = self._seen[key]
            self._seen[key] = seen + 1
            return seen

    # -- routes -------------------------------------------------------------------------------
    async def _models(self, request: web.Request) -> web.Response:
        model = self.config.model
        return web.json_response(
            {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "deepseek"}]}
        )

    async def _stats_route(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _reset_route(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _config_get_route(self, request: web.Request) -> web.Response:
        return web.json_response(self.config.to_dict())

    async def _config_route(self, request: web.Request) -> web.Response:
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise ValueError("body must be a JSON object")
            config = self.configure(**changes)
        except (ValueError, TypeError) as exc:
            return web.json_response(error_body(400, str(exc)), status=400)
        return web.json_response(config.to_dict())

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self._stats.begin()
        try:
            return await self._chat_inner(request)
        except asyncio.CancelledError:
            self._stats.bump("disconnects")
            raise
        except Exception:
            log.exception("simulator bug while answering a chat completion")
            return await self._send_error(request, 500, "simulator internal error")
        finally:
            self._stats.end()

    async def _send_error(
        self, request: web.Request, status: int, message: str | None = None, retry_after: float | None = None
    ) -> web.StreamResponse:
        headers = {"Retry-After": str(float(retry_after))} if retry_after is not None else {}
        key = _bearer(request)
        resp = web.json_response(error_body(status, message, key), status=status, headers=headers)
        await resp.prepare(request)
        await resp.write_eof()
        self._stats.status(status)
        return resp

    async def _chat_inner(self, request: web.Request) -> web.StreamResponse:
        cfg = self.config
        if cfg.api_key is not None and _bearer(request) != cfg.api_key:
            return await self._send_error(request, 401)
        raw = await request.read()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return await self._send_error(
                request, 400, "Failed to deserialize the JSON body into the target type"
            )
        key = request_key(body)
        attempt = self._attempt(key)
        if cfg.force_status is not None:
            return await self._send_error(request, cfg.force_status)
        if cfg.fail_after is not None and self._stats.ok_count() >= cfg.fail_after:
            return await self._send_error(request, cfg.fail_after_status)
        try:
            _validate(body)
        except _BadRequest as bad:
            return await self._send_error(request, bad.status, bad.message)

        fault = random.Random(f"{cfg.seed}:{key}:{attempt}:fault")
        u_error, u_status, u_hang, u_malformed, u_blank, u_jitter = (fault.random() for _ in range(6))
        if u_error < cfg.error_rate:
            status = cfg.error_statuses[int(u_status * len(cfg.error_statuses))]
            return await self._send_error(
                request, status, retry_after=cfg.retry_after if status == 429 else None
            )
        stream = bool(body.get("stream"))
        if u_hang < cfg.hang_rate:
            return await self._hang(request, stream, cfg)

        messages = body["messages"]
        reply = _build_reply(
            body, cfg, key, malformed=u_malformed < cfg.malformed_rate, blank=u_blank < cfg.blank_rate
        )
        prompt = canonical_prompt(messages, body.get("tools"))
        units = unit_hashes(prompt, cfg.cache_block_chars)
        usage = prompt_usage(prompt, self._cache.longest_hit(units), reply.output)

        base = _base_latency(cfg, messages)
        if cfg.latency_jitter and base:
            base = max(0.0, base * (1 + (2 * u_jitter - 1) * cfg.latency_jitter))
        resp: web.StreamResponse | None = None
        try:
            if stream:
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                await asyncio.sleep(base)
                resp = web.StreamResponse(
                    status=200,
                    headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"},
                )
                await resp.prepare(request)
                await self._stream_body(resp, cfg, key, reply, usage, include_usage)
            else:
                await asyncio.sleep(base + cfg.latency_per_output_char * len(reply.output))
                resp = web.json_response(_completion(cfg, reply, usage), dumps=_dumps)
                await resp.prepare(request)
                await resp.write_eof()
        except ConnectionError:
            self._stats.bump("disconnects")
            return resp if resp is not None and resp.prepared else web.Response(status=499)
        self._remember(units, cfg.cache_delay)
        self._stats.ok(usage, reply.tool_name is not None, stream)
        return resp

    def _remember(self, units: list[tuple[int, str]], delay: float) -> None:
        digests = [digest for _, digest in units]
        if delay > 0 and self._loop is not None:
            self._loop.call_later(delay, self._cache.store, digests)
        else:
            self._cache.store(digests)

    async def _hang(self, request: web.Request, stream: bool, cfg: SimConfig) -> web.StreamResponse:
        """Never answer: send keep-alive blank lines until the client leaves or ``hang_seconds`` pass."""
        self._stats.bump("hangs")
        content_type = "text/event-stream" if stream else "application/json"
        resp = web.StreamResponse(
            status=200, headers={"Content-Type": content_type, "Cache-Control": "no-cache"}
        )
        await resp.prepare(request)
        beat = b": keep-alive\n\n" if stream else b"\n"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + cfg.hang_seconds
        closing = self._closing
        while (now := loop.time()) < deadline and not (closing and closing.is_set()):
            try:
                await resp.write(beat)
            except ConnectionError:
                self._stats.bump("disconnects")
                return resp
            wait = min(max(cfg.keepalive_interval, 0.01), deadline - now)
            if closing is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closing.wait(), wait)
            else:
                await asyncio.sleep(wait)
        if request.transport is not None:
            request.transport.close()
        return resp

    async def _stream_body(
        self,
        resp: web.StreamResponse,
        cfg: SimConfig,
        key: str,
        reply: _Reply,
        usage: dict[str, Any],
        include_usage: bool,
    ) -> None:
        """Write ``reply`` as server-sent events of ``chat.completion.chunk`` objects."""
        head = _chunk_head(cfg)
        rng = random.Random(f"{cfg.seed}:{key}:chunks")

        async def send(choices: list[dict[str, Any]], usage_value: dict[str, Any] | None = None) -> None:
            chunk = {**head, "choices": choices}
            if include_usage:
                chunk["usage"] = usage_value
            await resp.write(b"data: " + _dumps(chunk).encode("utf-8") + b"\n\n")

        def delta(payload: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
            return [{"index": 0, "delta": payload, "logprobs": None, "finish_reason": finish}]

        if reply.tool_name is not None:
            call_id = "call_" + uuid.uuid4().hex[:24]
            first = {
                "index": 0,
                "id": call_id,
                "type": "function",
                "function": {"name": reply.tool_name, "arguments": ""},
            }
            await send(delta({"role": "assistant", "content": None, "tool_calls": [first]}))
            for piece in _pieces(reply.arguments or "", rng, 4, 16):
                await asyncio.sleep(cfg.latency_per_output_char * len(piece))
                await send(delta({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        else:
            await send(delta({"role": "assistant", "content": ""}))
            for piece in _pieces(reply.content, rng, 2, 6):
                await asyncio.sleep(cfg.latency_per_output_char * len(piece))
                await send(delta({"content": piece}))
        await send(delta({}, reply.finish_reason))
        if include_usage:
            await send([], usage)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()


# ----------------------------------------------------------------------------------------------
# Helpers


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else header.strip()


def _thinking_enabled(body: dict[str, Any]) -> bool:
    thinking = body.get("thinking")
    if thinking is None:
        return True
    return not (isinstance(thinking, dict) and thinking.get("type") == "disabled")


def _named_tool(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        function = choice.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return function["name"]
    return None


def _tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools") or []
    return [t["function"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)]


def _validate(body: dict[str, Any]) -> None:
    """Refuse what DeepSeek refuses: no messages, json_schema, forced tools when thinking, bad max_tokens."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _BadRequest(400, "Invalid request: `messages` is required and must be a non-empty list")
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS_LIMIT:
            raise _BadRequest(
                422, f"Invalid {name} value, the valid range of {name} is [1, {MAX_TOKENS_LIMIT}]"
            )
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        raise _BadRequest(400, "This response_format type is unavailable now")
    named = _named_tool(body)
    if named is not None:
        if _thinking_enabled(body):
            raise _BadRequest(
                400,
                "tool_choice naming a function is not supported in thinking mode; "
                'send thinking: {"type": "disabled"}',
            )
        if named not in [t.get("name") for t in _tools(body)]:
            raise _BadRequest(400, f"Invalid tool_choice: no function named {named!r} in tools")
    if body.get("tool_choice") == "required" and not _tools(body):
        raise _BadRequest(400, "Invalid tool_choice: `required` needs at least one tool")


def _base_latency(cfg: SimConfig, messages: list[Any]) -> float:
    last = messages[-1] if messages else {}
    text = message_text(last.get("content")) if isinstance(last, dict) else ""
    for marker, seconds in cfg.latency_rules:
        if marker in text:
            return seconds
    return cfg.latency


def _build_reply(body: dict[str, Any], cfg: SimConfig, key: str, malformed: bool, blank: bool) -> _Reply:
    """Decide between a tool call, JSON mode and prose, and generate the output deterministically."""
    if blank:
        return _Reply(content="")
    messages = body["messages"]
    materials = extract_materials(messages)
    rng = random.Random(f"{cfg.seed}:{key}:content")
    tools = _tools(body)
    choice = body.get("tool_choice")
    named = _named_tool(body)
    use_tool = (
        bool(tools)
        and choice != "none"
        and (named is not None or choice == "required" or not materials.forbids_tools)
    )
    if use_tool:
        function = next((t for t in tools if t.get("name") == named), tools[0]) if named else tools[0]
        arguments = _dumps(fill_arguments(function.get("parameters") or {}, rng, materials))
        if malformed:
            arguments = _truncate_json(arguments, rng)
        reply = _Reply(content="", tool_name=str(function.get("name", "tool")), arguments=arguments)
        reply.finish_reason = "tool_calls"
        return _limit(reply, body)
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_object":
        content = write_json_object(rng, materials, messages)
        if malformed:
            content = _truncate_json(content, rng)
        return _limit(_Reply(content=content), body)
    duplicate = cfg.duplicate_rate > 0 and rng.random() < cfg.duplicate_rate
    if duplicate:
        content = write_prose(random.Random(f"{cfg.seed}:duplicate"), materials, generic=True)
    else:
        content = write_prose(rng, materials)
    return _limit(_Reply(content=content), body)


def _truncate_json(text: str, rng: random.Random) -> str:
    """Cut a JSON document so that it no longer parses."""
    cut = max(1, int(len(text) * rng.uniform(0.3, 0.8)))
    return text[:cut]


def _limit(reply: _Reply, body: dict[str, Any]) -> _Reply:
    """Honour ``max_tokens``: cut the output and report ``finish_reason: length`` when it does not fit."""
    limit = body.get("max_tokens")
    if not isinstance(limit, int) or estimate_tokens(reply.output) <= limit:
        return reply
    text = reply.output
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if estimate_tokens(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    if reply.tool_name is not None:
        reply.arguments = text[:low]
    else:
        reply.content = text[:low]
    reply.finish_reason = "length"
    return reply


def _pieces(text: str, rng: random.Random, low: int, high: int) -> list[str]:
    pieces = []
    pos = 0
    while pos < len(text):
        size = rng.randint(low, high)
        pieces.append(text[pos : pos + size])
        pos += size
    return pieces


def _chunk_head(cfg: SimConfig) -> dict[str, Any]:
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": cfg.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


def _completion(cfg: SimConfig, reply: _Reply, usage: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_name is not None:
        message["tool_calls"] = [
            {
                "id": "call_" + uuid.uuid4().hex[:24],
                "type": "function",
                "function": {"name": reply.tool_name, "arguments": reply.arguments or ""},
            }
        ]
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": cfg.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}],
        "usage": usage,
    }


def serve_forever(
    config: SimConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the simulator until interrupted (Ctrl-C); ``ready(url)`` is called once it listens."""
    server = SimServer(config, host=host, port=port)
    url = server.start()
    if ready is not None:
        ready(url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
