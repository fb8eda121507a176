"""Prompt texts, one `.md` file per prompt, loaded with importlib.resources."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> str:
    """Return the text of `prompts/<name>.md`."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def prompt_for(ctx: Any, name: str) -> str:
    """Return prompt `name` for one batch: its Context's override (`Context.prompts[name]`), else the file."""
    overrides: dict[str, str] = getattr(ctx, "prompts", None) or {}
    return overrides.get(name) or load(name)
