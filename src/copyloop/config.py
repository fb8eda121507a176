"""Settings in one place: an explicit value wins, then the environment (and `.env`), then the default."""

from __future__ import annotations

import os
from typing import TypeVar

from dotenv import find_dotenv, load_dotenv

T = TypeVar("T", int, float, str)

DEFAULT_BASE_URL = "https://api.deepseek.com"
DEFAULT_MODEL = "deepseek-flash"
# A 400-字 post is ~300 output tokens: DeepSeek usually answers in 5-20 s; under load, much longer.
DEFAULT_REQUEST_TIMEOUT = 120.0
DEFAULT_MAX_CONCURRENCY = 16
DEFAULT_MAX_ATTEMPTS = 5

_dotenv_loaded = False


def load_env() -> None:
    """Read `.env` from the working directory once; real environment variables keep precedence."""
    global _dotenv_loaded
    if not _dotenv_loaded:
        # From the working directory up, not from this file's folder (python-dotenv's default), so a checkout's
        # own .env never leaks into runs started elsewhere (tests run from tests/).
        load_dotenv(find_dotenv(usecwd=True), override=False)
        _dotenv_loaded = True


def resolve(explicit: T | None, env_name: str, default: T) -> T:
    """Return `explicit` if given, else the environment variable `env_name` parsed as `default`'s type, else it."""
    if explicit is not None:
        return explicit
    load_env()
    raw = os.environ.get(env_name, "").strip()
    if not raw:
        return default
    try:
        return type(default)(raw)
    except ValueError:
        raise ValueError(f"{env_name}={raw!r} is not a valid {type(default).__name__}") from None


def api_key_from_env() -> str | None:
    """Return DEEPSEEK_API_KEY from the environment or `.env`, or None."""
    load_env()
    return os.environ.get("DEEPSEEK_API_KEY", "").strip() or None


# Read `.env` when copyloop is imported, not later from inside an event loop (the LangGraph dev server flags the
# blocking file-system calls that finding it takes).
load_env()
