"""The budget cap: admit a model request only while what was spent, plus what is in flight, plus it fits.

Spent is the ledger priced call by call (earlier sessions of the run included, so a budget covers the whole run).
A request in flight is reserved at its ceiling at the current rates: its prompt all cache-miss and `max_tokens` of
output. A reply never costs more than that (unless the token estimate undercounts), so the ledger stays within the
budget; the price is that a batch stops a little early, by at most one wave of reservations.
When a request does not fit, the request gate stops the batch the way Ctrl-C does (see `copyloop.llm.RequestGate`).
"""

from __future__ import annotations

import time

from copyloop.ledger import Ledger
from copyloop.pricing import PriceTable

BUDGET_STOP = "budget"
"""The stop reason (and the `error` of every article left unfinished) when the budget ends a run."""


class Budget:
    """Track spending against a limit in CNY and reserve the ceiling of each request in flight."""

    def __init__(self, limit: float, prices: PriceTable, ledger: Ledger) -> None:
        self.limit = limit
        self.prices = prices
        self.ledger = ledger
        self.reserved = 0.0
        self._spent = 0.0
        self._priced = 0

    def spent(self) -> float:
        """Return the CNY of every response in the ledger so far, each at the rate of its own time."""
        entries = self.ledger.entries
        for entry in entries[self._priced :]:
            self._spent += self.prices.cost(entry.model, entry.usage, entry.time)
        self._priced = len(entries)
        return self._spent

    def ceiling(self, model: str, prompt_tokens: int, max_tokens: int, when: float | None = None) -> float:
        """Return the most a request can cost: its prompt all cache-miss, `max_tokens` of output, at `when`."""
        rates = self.prices.rates(model, time.time() if when is None else when)
        return (prompt_tokens * rates.cache_miss + max_tokens * rates.output) / 1_000_000

    def try_reserve(self, amount: float) -> bool:
        """Reserve `amount` for a request about to be sent; False (and nothing reserved) if it does not fit."""
        if self.spent() + self.reserved + amount > self.limit:
            return False
        self.reserved += amount
        return True

    def release(self, amount: float) -> None:
        """Give back a reservation once its request came back (its real cost is then in the ledger) or failed."""
        self.reserved = max(0.0, self.reserved - amount)
