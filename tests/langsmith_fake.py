"""A stand-in for the LangSmith API on 127.0.0.1 that records every run the langsmith client sends it.

Point `LANGSMITH_ENDPOINT` at `FakeLangSmith().url`. The client ingests through `/runs/multipart` (parts named
`post.<id>`, `patch.<id>`, `post.<id>.inputs` …) or `/runs/batch` (JSON), possibly compressed (zstd, gzip);
all are handled, and runs are merged by id, so `runs()` shows each run as its last update left it.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from email.parser import BytesParser
from typing import Any

from aiohttp import web

INFO = {
    "version": "0.12.0",
    "license_expiration_time": None,
    "batch_ingest_config": {
        "use_multipart_endpoint": True,
        "scale_up_qsize_trigger": 1000,
        "scale_up_nthreads_limit": 16,
        "scale_down_nempty_trigger": 4,
        "size_limit": 100,
        "size_limit_bytes": 20_971_520,
    },
    "instance_flags": {},
}


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    return body


def _multipart(body: bytes, content_type: str) -> list[tuple[str, Any]]:
    """Return (part name, decoded JSON) for every part of a multipart/form-data body."""
    message = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        try:
            value: Any = json.loads(payload)
        except ValueError:
            value = payload
        parts.append((str(name), value))
    return parts


class FakeLangSmith:
    """Serve the few LangSmith routes the client uses, in a background thread; record what arrives."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self._runs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> FakeLangSmith:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="fake-langsmith", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/info", self._info)
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def _info(self, request: web.Request) -> web.Response:
        return web.json_response(INFO)

    async def _any(self, request: web.Request) -> web.Response:
        body = _decode(await request.read(), request.headers.get("Content-Encoding", ""))
        with self._lock:
            self.bodies.append(body)
            self.headers.append(dict(request.headers))
        path = request.path.rstrip("/")
        if path.endswith("/runs/multipart"):
            for name, value in _multipart(body, request.headers["Content-Type"]):
                self._multipart_part(name, value)
        elif path.endswith("/runs/batch"):
            data = json.loads(body)
            for run in [*data.get("post", []), *data.get("patch", [])]:
                self._merge(str(run["id"]), run)
        elif path.endswith("/runs") and request.method == "POST":
            run = json.loads(body)
            self._merge(str(run["id"]), run)
        elif "/runs/" in path and request.method == "PATCH":
            self._merge(path.rsplit("/", 1)[-1], json.loads(body))
        return web.json_response({})

    def _multipart_part(self, name: str, value: Any) -> None:
        pieces = name.split(".")
        if len(pieces) < 2 or pieces[0] not in ("post", "patch"):
            return
        run_id = pieces[1]
        if len(pieces) == 2 and isinstance(value, dict):
            self._merge(run_id, value)
        elif len(pieces) == 3:
            self._merge(run_id, {pieces[2]: value})

    def _merge(self, run_id: str, fields: dict[str, Any]) -> None:
        with self._lock:
            self._runs.setdefault(run_id, {"id": run_id}).update(fields)

    def runs(self) -> list[dict[str, Any]]:
        """Return every run received, merged by id."""
        with self._lock:
            return [dict(r) for r in self._runs.values()]

    def raw_text(self) -> str:
        """Return every request body received, decoded, as one text (to search for secrets)."""
        with self._lock:
            return "\n".join(b.decode("utf-8", "replace") for b in self.bodies)


def metadata_of(run: dict[str, Any]) -> dict[str, Any]:
    """Return a run's metadata (LangSmith keeps it under `extra.metadata`)."""
    return dict((run.get("extra") or {}).get("metadata") or {})
