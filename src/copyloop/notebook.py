"""Notebook helpers: pick the backend (DeepSeek when `DEEPSEEK_API_KEY` is set, else the simulator), build contexts.

    backend = Backend.choose()             # starts the offline simulator unless DEEPSEEK_API_KEY is set
    ctx = backend.context()                # a Context with a fresh Ledger, pointed at that backend
    state = await graph.ainvoke({"briefs": [...]}, context=ctx)
    backend.close()

Only the process environment decides (not `.env`), so a test can force the simulator by leaving the key out.
Figures from the simulator are simulator figures, never DeepSeek's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from copyloop.graph.context import Context
from copyloop.ledger import Ledger
from copyloop.sim import SimConfig, SimServer

OFFLINE_KEY = "sk-offline-simulator"


@dataclass
class Backend:
    """Where a notebook's model requests go: DeepSeek, or the simulator this object started."""

    name: str
    sim: SimServer | None = None

    @classmethod
    def choose(cls, seed: int = 7, **sim_knobs: Any) -> Backend:
        """Return DeepSeek if `DEEPSEEK_API_KEY` is in the environment, else start the simulator (seeded)."""
        if os.environ.get("DEEPSEEK_API_KEY", "").strip():
            return cls(name="deepseek")
        sim = SimServer(SimConfig(seed=seed, **sim_knobs))
        sim.start()
        return cls(name="simulator", sim=sim)

    @property
    def offline(self) -> bool:
        """True when requests go to the simulator."""
        return self.sim is not None

    def context(self, **fields: Any) -> Context:
        """Return a Context for this backend with its own Ledger; `fields` override (e.g. `prompts=`)."""
        fields.setdefault("ledger", Ledger())
        if self.sim is not None:
            assert self.sim.url is not None
            fields.setdefault("base_url", self.sim.url)
            fields.setdefault("api_key", OFFLINE_KEY)
            fields.setdefault("model", "deepseek-flash")
        return Context(**fields)

    def describe(self) -> str:
        """Say where requests go, and what the figures mean."""
        if self.sim is None:
            return "DeepSeek API (DEEPSEEK_API_KEY is set): real model, real cost."
        return (
            f"offline simulator at {self.sim.url}: every figure below is a simulator figure, not DeepSeek's."
        )

    def close(self) -> None:
        """Stop the simulator, if this backend started one."""
        if self.sim is not None:
            self.sim.stop()
