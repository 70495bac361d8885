"""What a request costs: per-model prices (per million tokens) and the arithmetic.

Prices are the person's own (``Settings.prices``, keyed by model id); a model without one
has an unknown cost, never a cost of 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from core.chat import Usage

PER = 1_000_000


class Price(msgspec.Struct, kw_only=True, frozen=True):
    """US dollars per million prompt (input) and completion (output) tokens."""

    input: float = msgspec.field(default=0.0)
    output: float = msgspec.field(default=0.0)


def price_for(prices: Mapping[str, Price], model: str) -> Price | None:
    """The price set for ``model`` (exact id first, then its name after a provider
    prefix such as ``openai/``), or None."""
    if model in prices:
        return prices[model]
    short = model.rsplit("/", 1)[-1]
    return prices.get(short)


def cost_of(usage: Usage | None, price: Price | None) -> float | None:
    """Dollars for ``usage`` at ``price``; None when either is unknown."""
    if usage is None or price is None:
        return None
    prompt = usage.prompt_tokens or 0
    completion = usage.completion_tokens or 0
    if usage.prompt_tokens is None and usage.completion_tokens is None:
        return None
    return (prompt * price.input + completion * price.output) / PER


def estimate_cost(prompt_tokens: int, completion_tokens: int, price: Price | None) -> float | None:
    """Dollars for a planned request of that many tokens; None without a price."""
    if price is None:
        return None
    return (prompt_tokens * price.input + completion_tokens * price.output) / PER


def money(value: float | None) -> str:
    """``$0.0123``, or "unknown"."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    return f"${value:.2f}"
