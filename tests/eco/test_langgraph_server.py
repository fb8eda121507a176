"""LangGraph Studio / server: `langgraph.json` names importable graphs, and `langgraph dev` serves them offline."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph.graph.state import CompiledStateGraph

from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import ROOT

CONFIG = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CONFIG["graphs"]))
def test_every_graph_in_langgraph_json_imports_compiled_without_a_checkpointer(name: str) -> None:
    module, _, attribute = CONFIG["graphs"][name].partition(":")
    graph = getattr(importlib.import_module(module), attribute)
    assert isinstance(graph, CompiledStateGraph)
    assert graph.checkpointer is None  # the server brings its own
    # The server derives these for Studio's forms; both must be buildable.
    assert "briefs" in graph.get_input_jsonschema()["properties"]
    context = graph.get_context_jsonschema() or {}
    assert {"model", "base_url", "max_concurrency", "prompts"} <= set(context["properties"])
    assert not {"chat_model", "ledger", "finished"} & set(context["properties"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[httpx.Client, SimServer]]:
    """Start `langgraph dev` (the repo's langgraph.json, env from a temp file) against the simulator."""
    binary = Path(sys.executable).with_name("langgraph")
    if not binary.exists() and not shutil.which("langgraph"):
        pytest.skip("langgraph-cli is not installed (dev extra langgraph-cli[inmem])")
    with SimServer(SimConfig(seed=1)) as sim:
        env_file = tmp_path / "server.env"
        env_file.write_text(
            f"DEEPSEEK_BASE_URL={sim.base_url}\nDEEPSEEK_API_KEY=anything\n", encoding="utf-8"
        )
        config = {**CONFIG, "dependencies": [str(ROOT)], "env": str(env_file)}
        (tmp_path / "langgraph.json").write_text(json.dumps(config), encoding="utf-8")
        port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "LANGSMITH_"))}
        command = [str(binary if binary.exists() else "langgraph"), "dev", "--no-browser", "--no-reload"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--config", str(tmp_path / "langgraph.json")]
        server = subprocess.Popen(
            command,
            cwd=tmp_path,  # .langgraph_api/ lands here
            env={**base, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true"},
            stdout=(tmp_path / "server.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/ok", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "langgraph dev did not start:\n" + (tmp_path / "server.log").read_text()[-3000:]
                    )
                time.sleep(0.3)
            yield client, sim
        finally:
            client.close()
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.mark.e2e
@pytest.mark.slow
def test_langgraph_dev_runs_a_brief_with_plan_review_through_its_http_api(
    dev_server: tuple[httpx.Client, SimServer],
) -> None:
    client, sim = dev_server
    (assistant,) = client.post("/assistants/search", json={"graph_id": "copyloop"}).json()
    schemas = client.get(f"/assistants/{assistant['assistant_id']}/schemas").json()
    assert "prompts" in schemas["context_schema"]["properties"]
    thread = client.post("/threads", json={}).json()["thread_id"]
    brief: dict[str, Any] = {  # a raw brief, as one would type it into Studio
        "product": {"name": "远岚 V7", "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L。"},
        "personas": ["宝妈"],
        "selling_points": ["空间", "安全"],
    }
    run = {
        "assistant_id": "copyloop",
        "input": {"briefs": [brief], "review_plan": True},
        "context": {"max_concurrency": 2},  # Studio's context form; unset fields come from the environment
    }
    assert client.post(f"/threads/{thread}/runs/wait", json=run).status_code == 200
    state = client.get(f"/threads/{thread}/state").json()
    assert state["next"] == ["review_plan"]
    (pause,) = state["tasks"][0]["interrupts"]
    assert [row["id"] for row in pause["value"]["assignments"]] == [1, 2]

    resume = {"assistant_id": "copyloop", "command": {"resume": {"drop": [1]}}}
    final = client.post(f"/threads/{thread}/runs/wait", json=resume).json()
    assert [a["id"] for a in final["articles"]] == [2]
    assert final["articles"][0]["status"] in ("passed", "failed")
    assert sim.stats()["responses"] >= 3  # planner + write + critic went to the simulator, no context given
