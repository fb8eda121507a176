"""Helpers for end-to-end tests: run the real `copyloop` CLI as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "yuanlan_v7.yaml"
COPYLOOP = [sys.executable, "-m", "copyloop"]


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `copyloop ARGS` in a clean environment (no DeepSeek variables unless given) and capture output."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "COPYLOOP_", "LANGSMITH_"))}
    return subprocess.run(
        [*COPYLOOP, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT / "tests",  # no .env here; keeps the repo's .env (if any) out of tests
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def example_brief() -> Path:
    """The example brief shipped in examples/."""
    return EXAMPLE
