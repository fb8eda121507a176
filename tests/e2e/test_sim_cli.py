"""`copyloop sim --port N` serves the simulator standalone, for notebooks and `langgraph dev`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.e2e.conftest import COPYLOOP, ROOT

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sim_command_serves_an_openai_compatible_api() -> None:
    port = free_port()
    process = subprocess.Popen(
        [*COPYLOOP, "sim", "--port", str(port), "--seed", "3"],
        cwd=ROOT / "tests",
        env=dict(os.environ),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1) as response:
                    models = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert models["data"][0]["id"] == "deepseek-flash"
        body = json.dumps(
            {"model": "deepseek-flash", "messages": [{"role": "user", "content": "字数：50–60 字，写一段话"}]}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/chat/completions", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            reply = json.loads(response.read())
        assert reply["choices"][0]["message"]["content"]
        assert (
            reply["usage"]["prompt_cache_miss_tokens"] + reply["usage"]["prompt_cache_hit_tokens"]
            == reply["usage"]["prompt_tokens"]
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
