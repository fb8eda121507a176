"""The `duplicate` gate's index: accepted texts of a batch, so that no article is a near-copy of another.

Texts are compared as sets of character 5-grams over their letters and digits (punctuation, spaces and
emoji dropped, Latin lower-cased). Two measures, each the share of the smaller set found in the other
(containment):

- body: a text whose 5-grams are >= 60 % contained in an accepted text (or that contains >= 60 % of one)
  is a near-copy. Measured in tests/unit/test_diversity.py: honest posts on the same car, persona and
  selling point share <= 16 %, and <= 8 % once the spec sheet's own phrases are set aside (5-grams that
  occur in the materials are ignored: quoting the spec sheet is not copying); rewrites that keep the
  skeleton and swap words, change the hook or reorder paragraphs share >= 84 %. The simulator's template
  prose, which recombines a small pool of stock sentences, mostly stays at 50-60 % between honest drafts.
- opening: the first 40 characters; >= 80 % shared means the same hook (the first two sentences copied).

Scaling: an inverted index maps each 5-gram to the texts holding it. A query looks up its rarest 5-grams
first (leaving out stock phrases held by more than 64 texts) within a budget of 1000 postings, keeps the
8 texts sharing the most, and measures only those exactly; so a check costs O(text length + budget)
whatever the batch size. 1000 texts index and check in well under 2 s.

Order: the first text to be accepted keeps its wording; a later near-copy is sent back for revision.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

import regex

SHINGLE = 5
OPENING_CHARS = 40
BODY_THRESHOLD = 0.6
OPENING_THRESHOLD = 0.8
POSTING_BUDGET = 1_000
COMMON_POSTING = 64
MAX_CANDIDATES = 8
QUOTE_CHARS = 30

_KEEP = regex.compile(r"[\p{Han}A-Za-z0-9]")
_DROP = regex.compile(r"[^\p{Han}A-Za-z0-9]+")


def normal_text(text: str) -> str:
    """Return the text's Chinese characters, letters and digits only, Latin lower-cased."""
    return _DROP.sub("", text).lower()


def normalize(text: str) -> tuple[str, list[int]]:
    """Return `normal_text(text)` and each kept character's offset in the original."""
    offsets = [m.start() for m in _KEEP.finditer(text)]
    return normal_text(text), offsets


def shingles(normal: str) -> list[str]:
    """Return the 5-grams of a normalised text, in order (with repeats)."""
    return [normal[i : i + SHINGLE] for i in range(len(normal) - SHINGLE + 1)]


@functools.lru_cache(maxsize=64)
def ignored_grams(sources: str) -> frozenset[str]:
    """Return the 5-grams of the materials: shared spec phrases are not evidence of copying."""
    return frozenset(shingles(normalize(sources)[0]))


@dataclass(frozen=True)
class NearCopy:
    """A finding: which accepted text this one repeats, where, how much, and the repeated words."""

    key: str | int
    label: str
    kind: str  # "opening" or "body"
    score: float
    passage: str
    span: tuple[int, int]


@dataclass(frozen=True)
class _Grams:
    """A text's 5-gram sets: the whole body and its opening."""

    body: frozenset[str]
    opening: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Grams:
        body = shingles(normal_text(text))
        return cls(frozenset(body), frozenset(body[: OPENING_CHARS - SHINGLE + 1]))


@dataclass
class _Shelf:
    """One inverted index of 5-gram sets (bodies or openings)."""

    postings: dict[str, list[int]] = field(default_factory=dict)
    sets: list[frozenset[str]] = field(default_factory=list)

    def add(self, grams: frozenset[str]) -> None:
        index = len(self.sets)
        self.sets.append(grams)
        for gram in grams:
            self.postings.setdefault(gram, []).append(index)

    def best(self, grams: frozenset[str], ignore: frozenset[str], skip: set[int]) -> tuple[int, float] | None:
        """Return (entry, containment) of the closest stored set, measured without the ignored 5-grams."""
        query = grams - ignore
        if not query:
            return None
        # A 5-gram held by many accepted texts (a stock phrase) cannot tell them apart: leave it out.
        postings = sorted(
            (p for g in query if (p := self.postings.get(g)) and len(p) <= COMMON_POSTING), key=len
        )
        chosen, spent = [], 0
        for posting in postings:  # rarest first: a near-copy shares the original's rare 5-grams
            spent += len(posting)
            if spent > POSTING_BUDGET:
                break
            chosen.append(posting)
        hits = Counter(chain.from_iterable(chosen))
        best: tuple[int, float] | None = None
        for index, _ in hits.most_common(MAX_CANDIDATES + len(skip)):
            if index in skip:
                continue
            other = self.sets[index] - ignore if ignore else self.sets[index]
            if not other:
                continue
            score = len(query & other) / min(len(query), len(other))
            if best is None or score > best[1]:
                best = (index, score)
        return best


class DiversityIndex:
    """Accepted texts of one batch; `claim` checks a text and, if it is no near-copy, registers it."""

    def __init__(
        self, body_threshold: float = BODY_THRESHOLD, opening_threshold: float = OPENING_THRESHOLD
    ) -> None:
        self.body_threshold = body_threshold
        self.opening_threshold = opening_threshold
        self._bodies = _Shelf()
        self._openings = _Shelf()
        self._keys: list[str | int] = []
        self._labels: list[str] = []
        self._index_of: dict[str | int, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        """Forget every accepted text (a new batch starts)."""
        with self._lock:
            self._bodies, self._openings = _Shelf(), _Shelf()
            self._keys, self._labels, self._index_of = [], [], {}

    def __contains__(self, key: object) -> bool:
        return key in self._index_of

    def check(self, text: str, *, key: str | int | None = None, ignore: str = "") -> NearCopy | None:
        """Return the near-copy `text` is of an accepted text (other than `key`'s own), or None."""
        return self._check(text, _Grams.of(text), key, ignore)

    def _check(self, text: str, grams: _Grams, key: str | int | None, ignore: str) -> NearCopy | None:
        if not grams.body:
            return None
        ignored = ignored_grams(ignore) if ignore else frozenset()
        skip = {self._index_of[key]} if key is not None and key in self._index_of else set()
        found = self._openings.best(grams.opening, ignored, skip)
        if found and found[1] >= self.opening_threshold:
            return self._finding(found, "opening", text, self._openings, ignored)
        found = self._bodies.best(grams.body, ignored, skip)
        if found and found[1] >= self.body_threshold:
            return self._finding(found, "body", text, self._bodies, ignored)
        return None

    def add(self, key: str | int, label: str, text: str) -> None:
        """Register an accepted text under `key` (a second text for the same key is ignored: first wins)."""
        self._add(key, label, _Grams.of(text))

    def _add(self, key: str | int, label: str, grams: _Grams) -> None:
        if key in self:
            return
        self._index_of[key] = len(self._keys)
        self._keys.append(key)
        self._labels.append(label)
        self._bodies.add(grams.body)
        self._openings.add(grams.opening)

    def claim(self, key: str | int, label: str, text: str, *, ignore: str = "") -> NearCopy | None:
        """Check `text`, and register it if it is no near-copy; atomic, so two copies cannot both pass."""
        grams = _Grams.of(text)
        with self._lock:
            found = self._check(text, grams, key, ignore)
            if found is None:
                self._add(key, label, grams)
            return found

    def _finding(
        self,
        found: tuple[int, float],
        kind: str,
        text: str,
        shelf: _Shelf,
        ignored: frozenset[str],
    ) -> NearCopy:
        index, score = found
        normal, offsets = normalize(text)
        if kind == "opening":
            normal = normal[:OPENING_CHARS]
        start, end = longest_shared_run(normal, shelf.sets[index] - ignored)
        span = (offsets[start], offsets[end - 1] + 1) if end > start else (0, 0)
        passage = " ".join(text[span[0] : span[1]].split())
        if len(passage) > QUOTE_CHARS:
            passage = passage[:QUOTE_CHARS] + "…"
        return NearCopy(self._keys[index], self._labels[index], kind, round(score, 3), passage, span)


def longest_shared_run(normal: str, grams: frozenset[str]) -> tuple[int, int]:
    """Return [start, end) in `normal` of the longest stretch made of 5-grams found in `grams`."""
    best, run_start = (0, 0), -1
    for i, gram in enumerate(shingles(normal)):
        if gram not in grams:
            run_start = -1
            continue
        if run_start < 0:
            run_start = i
        if i + SHINGLE - run_start > best[1] - best[0]:
            best = (run_start, i + SHINGLE)
    return best
