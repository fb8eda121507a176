"""Knobs of the offline DeepSeek simulator, loadable from the environment or JSON."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "COPYLOOP_SIM_"

# How each field is parsed from JSON/env text: the kind names are checked in ``_coerce``.
_KINDS: dict[str, str] = {
    "seed": "int",
    "model": "str",
    "latency": "float",
    "latency_jitter": "float",
    "latency_rules": "rules",
    "latency_per_output_char": "float",
    "error_rate": "rate",
    "error_statuses": "statuses",
    "retry_after": "float",
    "hang_rate": "rate",
    "keepalive_interval": "float",
    "hang_seconds": "float",
    "malformed_rate": "rate",
    "blank_rate": "rate",
    "force_status": "status?",
    "api_key": "str?",
    "fail_after": "int?",
    "fail_after_status": "status",
    "cache_block_chars": "int",
    "cache_delay": "float",
    "duplicate_rate": "rate",
}


@dataclass
class SimConfig:
    """Hold every knob of the simulator; all fields have defaults that behave like a healthy, instant API."""

    seed: int = 0
    model: str = "deepseek-flash"
    latency: float = 0.0
    latency_jitter: float = 0.0
    latency_rules: list[tuple[str, float]] = field(default_factory=list)
    latency_per_output_char: float = 0.0
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [429, 500, 503])
    retry_after: float = 0.0
    hang_rate: float = 0.0
    keepalive_interval: float = 1.0
    hang_seconds: float = 600.0
    malformed_rate: float = 0.0
    blank_rate: float = 0.0
    force_status: int | None = None
    api_key: str | None = None
    fail_after: int | None = None
    fail_after_status: int = 402
    cache_block_chars: int = 64
    cache_delay: float = 0.0
    duplicate_rate: float = 0.0

    def __post_init__(self) -> None:
        """Normalise and validate every field (so JSON lists become tuples, strings become numbers)."""
        for f in dataclasses.fields(self):
            setattr(self, f.name, _coerce(f.name, getattr(self, f.name)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimConfig:
        """Build a config from a mapping of field names; unknown names raise ``ValueError``."""
        _check_names(data)
        return cls(**dict(data))

    @classmethod
    def from_json(cls, text: str) -> SimConfig:
        """Build a config from a JSON object string."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("simulator config JSON must be an object")
        return cls.from_dict(data)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX) -> SimConfig:
        """Build a config from ``COPYLOOP_SIM_<FIELD>`` variables.

        ``COPYLOOP_SIM_CONFIG`` may hold a JSON object or the path of a JSON file; single-field variables
        override it. Lists are JSON or comma-separated (``429,500``; rules as ``宝妈=3.5,孝子=1``).
        """
        env = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        base = env.get(prefix + "CONFIG", "").strip()
        if base:
            text = base if base.startswith("{") else Path(base).read_text(encoding="utf-8")
            loaded = json.loads(text)
            if not isinstance(loaded, dict):
                raise ValueError(f"{prefix}CONFIG must be a JSON object")
            _check_names(loaded)
            data.update(loaded)
        for name in _KINDS:
            raw = env.get(prefix + name.upper())
            if raw is not None:
                data[name] = _parse_env_text(name, raw)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Return the config as a JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["latency_rules"] = [[marker, seconds] for marker, seconds in self.latency_rules]
        return out

    def to_json(self) -> str:
        """Return the config as a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def replace(self, **changes: Any) -> SimConfig:
        """Return a copy with ``changes`` applied (validated like the constructor)."""
        _check_names(changes)
        return dataclasses.replace(self, **changes)


def _check_names(data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(_KINDS))
    if unknown:
        raise ValueError(f"unknown simulator config field(s): {', '.join(unknown)}")


def _parse_env_text(name: str, raw: str) -> Any:
    """Turn an environment string into a value ``_coerce`` accepts."""
    kind = _KINDS[name]
    text = raw.strip()
    if kind.endswith("?") and text.lower() in ("", "none", "null"):
        return None
    if kind in ("rules", "statuses"):
        if text.startswith("["):
            return json.loads(text)
        if not text:
            return []
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if kind == "statuses":
            return [int(p) for p in parts]
        rules = []
        for part in parts:
            marker, sep, seconds = part.rpartition("=")
            if not sep:
                raise ValueError(f"{ENV_PREFIX}{name.upper()}: expected MARKER=SECONDS, got {part!r}")
            rules.append((marker, float(seconds)))
        return rules
    return raw if kind.startswith("str") else text


def _coerce(name: str, value: Any) -> Any:
    """Validate one field value and convert it to its canonical type."""
    kind = _KINDS[name]
    if kind.endswith("?"):
        if value is None or value == "":
            return None
        kind = kind[:-1]
    if kind == "str":
        return str(value)
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"{name} must be an integer")
        number = int(value)
        if name == "cache_block_chars" and number < 1:
            raise ValueError("cache_block_chars must be >= 1")
        if name == "fail_after" and number < 0:
            raise ValueError("fail_after must be >= 0")
        return number
    if kind in ("float", "rate"):
        real = float(value)
        if real < 0:
            raise ValueError(f"{name} must be >= 0")
        if kind == "rate" and real > 1:
            raise ValueError(f"{name} must be between 0 and 1")
        return real
    if kind == "status":
        status = int(value)
        if not 100 <= status <= 599:
            raise ValueError(f"{name} must be an HTTP status, got {status}")
        return status
    if kind == "statuses":
        statuses = [_coerce("fail_after_status", v) for v in value]
        if not statuses:
            raise ValueError("error_statuses must not be empty")
        return statuses
    if kind == "rules":
        if isinstance(value, Mapping):
            value = list(value.items())
        rules: list[tuple[str, float]] = []
        for item in value:
            marker, seconds = item
            rules.append((str(marker), _coerce("latency", seconds)))
        return rules
    raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover
