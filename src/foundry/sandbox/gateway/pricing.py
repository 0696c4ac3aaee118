"""What a model call costs: a price table in USD per million tokens, matched by model prefix.

Unknown models are charged at the (deliberately high) prices in knobs.py, so a budget errs on the
side of stopping early rather than overspending.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundry.sandbox.gateway import knobs


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float


@dataclass(frozen=True)
class Usage:
    """Tokens one model call consumed, as the upstream reported them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def total(self) -> int:
        """Every token counted against a session's token cap."""
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )


# Longest matching prefix wins; list published list prices (2025).
PRICES: dict[str, Price] = {
    "claude-opus-4-5": Price(5.0, 25.0),
    "claude-opus-4": Price(15.0, 75.0),
    "claude-3-opus": Price(15.0, 75.0),
    "claude-sonnet-4": Price(3.0, 15.0),
    "claude-3-7-sonnet": Price(3.0, 15.0),
    "claude-3-5-sonnet": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
    "claude-3-haiku": Price(0.25, 1.25),
    "gpt-4o-mini": Price(0.15, 0.6),
    "gpt-4o": Price(2.5, 10.0),
    "gpt-4.1-nano": Price(0.1, 0.4),
    "gpt-4.1-mini": Price(0.4, 1.6),
    "gpt-4.1": Price(2.0, 8.0),
    "gpt-5-mini": Price(0.25, 2.0),
    "gpt-5": Price(1.25, 10.0),
    "o4-mini": Price(1.1, 4.4),
}

# Anthropic bills cache writes at 1.25x and cache reads at 0.1x the input price.
CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


def price_of(model: str) -> Price:
    """The price of `model`, or the unknown-model price."""
    best = ""
    for prefix in PRICES:
        if model.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    if best:
        return PRICES[best]
    return Price(knobs.UNKNOWN_MODEL_INPUT_USD_PER_MTOK, knobs.UNKNOWN_MODEL_OUTPUT_USD_PER_MTOK)


def cost_usd(model: str, usage: Usage) -> float:
    """What `usage` of `model` costs in USD."""
    price = price_of(model)
    input_equivalent = (
        usage.input_tokens
        + usage.cache_write_tokens * CACHE_WRITE_FACTOR
        + usage.cache_read_tokens * CACHE_READ_FACTOR
    )
    return (input_equivalent * price.input + usage.output_tokens * price.output) / 1_000_000
