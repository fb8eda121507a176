"""`copyloop lint`: run every deterministic gate on existing texts against a brief, with no model call.

A file is either a whole post in tagged sections (`<title>...</title>`, `<digest>`, `<body>`, `<tags>`; any
subset) or plain body text. A file that uses any section tag is checked as a full post, so a platform that
needs a title or hashtags reports them missing; a plain text file is checked as a body only (length,
format, banned terms, numbers, duplicates), since it holds no title or tags to judge. Files are checked for
near-copies of each other in the order given: the first keeps its text, a later near-copy gets `duplicate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copyloop.brief import PLATFORMS, load_brief
from copyloop.counting import count_chars
from copyloop.diversity import DiversityIndex
from copyloop.gates import check_draft, duplicate_problem
from copyloop.graph.state import Draft, Problem
from copyloop.nodes.common import SECTIONS, parse_draft


class LintInputError(ValueError):
    """A file that cannot be linted (missing, unreadable); the message is one line naming it."""


@dataclass
class LintResult:
    """One file's outcome: its path as given, the body's 字数 and the gate problems."""

    file: str
    chars: int
    problems: list[Problem]

    def as_json(self) -> str:
        """Return the result as one JSON line: {"file", "chars", "problems": [{"rule", "detail", "span"}]}."""
        problems = [{"rule": p["rule"], "detail": p["detail"], "span": p["span"]} for p in self.problems]
        return json.dumps({"file": self.file, "chars": self.chars, "problems": problems}, ensure_ascii=False)

    def as_text(self) -> str:
        """Return the result for people: a header line, then one indented line per problem."""
        if not self.problems:
            return f"{self.file}: {self.chars} 字, ok"
        lines = [f"{self.file}: {self.chars} 字, {len(self.problems)} problem(s)"]
        for p in self.problems:
            where = f" [{p['span'][0]}, {p['span'][1]}]" if p["span"] else ""
            lines.append(f"  {p['rule']}{where}: {p['detail']}")
        return "\n".join(lines)


def read_post(path: Path, platform: str) -> tuple[Draft, bool]:
    """Read a file into a draft; also return whether it is a full post (uses section tags) or a bare body."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LintInputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise LintInputError(f"{path}: is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LintInputError(f"{path}: cannot read as UTF-8 text: {error}") from None
    is_post = any(f"<{name}>" in text for name in SECTIONS)
    return parse_draft(text, 1, platform), is_post


def lint_files(paths: list[Path], brief: dict[str, Any], platform: str) -> list[LintResult]:
    """Check each file against the brief's settings and materials, and the files against each other."""
    posts = [(str(path), *read_post(path, platform)) for path in paths]
    index = DiversityIndex()
    results = []
    for position, (name, draft, is_post) in enumerate(posts):
        problems = check_draft(draft, brief, platform, post=is_post)
        found = index.claim(position, name, draft["text"], ignore=brief["product"]["materials"])
        if found:
            problems.append(duplicate_problem(found))
        results.append(LintResult(name, count_chars(draft["text"]), problems))
    return results


def run_lint(brief_path: Path, paths: list[Path], platform: str | None, fmt: str) -> tuple[int, list[str]]:
    """Lint `paths` against the brief at `brief_path`; return the exit code (0 clean, 1 problems) and lines.

    Raises BriefError or LintInputError (exit 2) for a missing or invalid brief, an unknown platform or a
    file that cannot be read.
    """
    brief = load_brief(brief_path)
    platform = platform or brief.platforms[0]
    if platform not in PLATFORMS:
        raise LintInputError(f"--platform: unknown platform {platform!r}; allowed: {', '.join(PLATFORMS)}")
    results = lint_files(paths, brief.model_dump(), platform)
    lines = [r.as_json() if fmt == "json" else r.as_text() for r in results]
    return (1 if any(r.problems for r in results) else 0), lines
