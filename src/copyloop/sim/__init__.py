"""Offline simulator of DeepSeek's OpenAI-compatible chat-completions API, for tests and offline demos."""

from copyloop.sim.config import SimConfig
from copyloop.sim.server import SimServer, serve_forever

__all__ = ["SimConfig", "SimServer", "serve_forever"]
