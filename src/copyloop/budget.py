"""The budget cap: admit a model request only while what was spent, plus what is in flight, plus it fits.

Spent is the ledger priced call by call (earlier sessions of the run included, so a budget covers the whole run).
A request in flight is reserved at its ceiling at the current rates: its prompt all cache-miss and `max_tokens` of
output. A reply never costs more than that (unless the token estimate undercounts), so the ledger stays within the
budget; the price is that a batch stops a little early, by at most one wave of reservations.
A request that does not fit waits for requests in flight to come back; when nothing is in flight and it still does
not fit, the request gate stops the batch the way Ctrl-C does (see `copyloop.llm.RequestGate`). A first draft is
admitted only with room left to finish the articles already open, so a tight budget finishes what it began.
"""

from __future__ import annotations

import time

from copyloop.ledger import Ledger
from copyloop.pricing import PriceTable

BUDGET_STOP = "budget"
"""The stop reason (and the `error` of every article left unfinished) when the budget ends a run."""


class Budget:
    """Track spending against a limit in CNY, reserve the ceiling of each request in flight, pace new articles."""

    def __init__(self, limit: float, prices: PriceTable, ledger: Ledger) -> None:
        self.limit = limit
        self.prices = prices
        self.ledger = ledger
        self.reserved = 0.0
        self.open: set[int] = set()
        """Articles begun (first draft admitted) and not yet ended."""
        self._spent = 0.0
        self._priced = 0
        self._by_article: dict[int, float] = {}
        self._ended: list[float] = []

    def spent(self) -> float:
        """Return the CNY of every response in the ledger so far, each at the rate of its own time."""
        entries = self.ledger.entries
        for entry in entries[self._priced :]:
            cost = self.prices.cost(entry.model, entry.usage, entry.time)
            self._spent += cost
            if entry.article_id is not None:
                self._by_article[entry.article_id] = self._by_article.get(entry.article_id, 0.0) + cost
        self._priced = len(entries)
        return self._spent

    def ceiling(self, model: str, prompt_tokens: int, max_tokens: int, when: float | None = None) -> float:
        """Return the most a request can cost: its prompt all cache-miss, `max_tokens` of output, at `when`."""
        rates = self.prices.rates(model, time.time() if when is None else when)
        return (prompt_tokens * rates.cache_miss + max_tokens * rates.output) / 1_000_000

    def try_reserve(self, amount: float, starts: int | None = None) -> bool:
        """Reserve `amount` for a request about to be sent if it fits; False reserves nothing.

        A request that `starts` an article (its first draft) must also leave room to finish every article then
        open, itself included: an article's typical cost each (the mean of those ended so far, or before three
        have ended, `amount`). So a tight budget finishes the articles it began instead of beginning them all.
        """
        headroom = 0.0
        if starts is not None:
            typical = sum(self._ended) / len(self._ended) if len(self._ended) >= 3 else amount
            headroom = (len(self.open - {starts}) + 1) * typical
        if self.spent() + self.reserved + amount + headroom > self.limit:
            return False
        self.reserved += amount
        if starts is not None:
            self.open.add(starts)
        return True

    def release(self, amount: float) -> None:
        """Give back a reservation once its request came back (its real cost is then in the ledger) or failed."""
        self.reserved = max(0.0, self.reserved - amount)

    def article_ended(self, article_id: int) -> None:
        """Note that an article finished (or ended in error): it needs no more room."""
        if article_id in self.open:
            self.open.discard(article_id)
            self.spent()
            self._ended.append(self._by_article.get(article_id, 0.0))
