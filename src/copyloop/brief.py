"""Load and validate briefs: the YAML a marketing team writes to order a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Platform = Literal["xiaohongshu", "douyin", "wechat", "generic"]
PLATFORMS: tuple[Platform, ...] = ("xiaohongshu", "douyin", "wechat", "generic")
SCORE_DIMENSIONS: tuple[str, ...] = ("scene", "emotion", "selling_point", "persona", "platform")


class BriefError(ValueError):
    """A brief that cannot be used; the message is one line that names the file and the field."""


def no_control_characters(value: str) -> str:
    """Reject names with control characters (they end up in file contents and terminals)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Named(_Strict):
    """A persona or selling point: a short name and an optional description for the writer."""

    name: Annotated[str, Field(min_length=1, max_length=50)]
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"name": value}
        return value

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        return no_control_characters(value)


class Product(_Strict):
    """The product: its name and the materials (spec sheet, selling-point notes) every claim must come from."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    materials: Annotated[str, Field(min_length=1)]

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        return no_control_characters(value)


class LengthWindow(_Strict):
    """The body's 字数 window, counted by `copyloop.counting.count_chars`."""

    min: Annotated[int, Field(ge=1, le=20000)] = 250
    max: Annotated[int, Field(ge=1, le=20000)] = 350

    @model_validator(mode="after")
    def _ordered(self) -> LengthWindow:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


def _default_platforms() -> list[Platform]:
    return ["xiaohongshu"]


class Brief(_Strict):
    """One order: a product, who to write for, what to stress, where it is posted, and the quality bar."""

    product: Product
    personas: Annotated[list[Named], Field(min_length=1)]
    selling_points: Annotated[list[Named], Field(min_length=1)]
    platforms: Annotated[list[Platform], Field(min_length=1)] = Field(
        default_factory=lambda: _default_platforms()
    )
    count: Annotated[int, Field(ge=1, le=1000)] | None = None
    length: LengthWindow = Field(default_factory=LengthWindow)
    min_score: Annotated[int, Field(ge=1, le=10)] | dict[str, Annotated[int, Field(ge=1, le=10)]] = 8
    max_revisions: Annotated[int, Field(ge=0, le=10)] = 3
    banned_terms: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list)
    """Extra terms the `banned_term` gate rejects (added to copyloop/data/terms.yaml)."""
    allowed_terms: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list)
    """Words the `banned_term` gate must not catch: a hit lying inside one of them does not count."""
    ai_label: bool = False
    """Publish the AI-generated-content label (copyloop.disclosure) after each body, outside the 字数."""

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[Platform]) -> list[Platform]:
        return list(dict.fromkeys(value))

    @field_validator("min_score")
    @classmethod
    def _known_dimensions(cls, value: int | dict[str, int]) -> int | dict[str, int]:
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(SCORE_DIMENSIONS) - {"default"})
            if unknown:
                raise ValueError(
                    f"unknown score dimension {unknown[0]!r}; known: {', '.join(SCORE_DIMENSIONS)}"
                )
        return value

    @property
    def article_count(self) -> int:
        """Return how many articles this brief orders: `count`, or one per persona x selling point x platform."""
        if self.count is not None:
            return self.count
        return min(1000, len(self.personas) * len(self.selling_points) * len(self.platforms))

    def threshold(self, dimension: str) -> int:
        """Return the minimum score a draft needs on `dimension` to pass."""
        if isinstance(self.min_score, int):
            return self.min_score
        return self.min_score.get(dimension, self.min_score.get("default", 8))


_TYPE_TAGS = {"str", "int", "Named", "is-instance", "dict", "list"}


def _field_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in (str(p) for p in loc):
        if part.isdigit():
            path += f"[{part}]"
        elif part in _TYPE_TAGS or "-" in part or "[" in part:
            continue  # pydantic's union/validator tags, not field names
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def describe_validation_error(source: str, error: ValidationError) -> str:
    """Return one line naming the first invalid field of a brief and what is wrong with it."""
    first = error.errors()[0]
    field = _field_path(tuple(first["loc"]))
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown setting {field!r}"
    if first["type"] == "missing":
        return f"{source}: {field} is required"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "literal_error" and "platform" in field:
        message = f"unknown platform {first.get('input')!r}; allowed: {', '.join(PLATFORMS)}"
    return f"{source}: {field}: {message}"


def parse_brief(data: Any, source: str = "brief") -> Brief:
    """Validate a brief already parsed from YAML/JSON, raising BriefError with a one-line message."""
    if not isinstance(data, dict):
        raise BriefError(f"{source}: a brief must be a mapping with product, personas and selling_points")
    try:
        return Brief.model_validate(data)
    except ValidationError as error:
        raise BriefError(describe_validation_error(source, error)) from None


def load_brief(path: str | Path) -> Brief:
    """Read and validate one brief file."""
    path = Path(path)
    if not path.is_file():
        raise BriefError(f"{path}: brief file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BriefError(f"{path}: YAML syntax error{where}: {error.problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BriefError(f"{path}: cannot read YAML: {error}") from None
    return parse_brief(data, str(path))


def load_briefs(paths: list[str] | list[Path]) -> list[Brief]:
    """Read and validate several briefs that form one batch; ids continue across them in order."""
    if not paths:
        raise BriefError("no brief given")
    briefs = [load_brief(p) for p in paths]
    total = sum(b.article_count for b in briefs)
    if total > 1000:
        raise BriefError(f"the batch orders {total} articles; at most 1000 per run")
    return briefs
