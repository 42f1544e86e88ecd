"""Tokens an answer used, and what they cost: an estimate from list prices, kept in one table.

Prices change and differ by contract, so the figure is labelled an estimate wherever it is shown.
A model is priced by its family (the word ``opus``, ``sonnet`` or ``haiku`` in its name); a model
of no known family is priced as Sonnet, and the label says so.
"""

from __future__ import annotations

from dataclasses import dataclass

# USD per million tokens (input, output), Anthropic's list prices for the current models of each family.
PRICES = {"opus": (5.00, 25.00), "sonnet": (3.00, 15.00), "haiku": (1.00, 5.00)}
FALLBACK_FAMILY = "sonnet"
CACHE_WRITE = 1.25  # a 5-minute cache write costs 1.25x the input price
CACHE_READ = 0.10  # a cache hit costs a tenth of it


@dataclass
class Usage:
    """Token counts as the API reports them; ``input_tokens`` excludes the cached parts."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0

    def add(self, other: "Usage") -> None:
        """Sum another round's usage into this one: an answer with tools is several requests."""
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_input_tokens += other.cache_read_input_tokens
        self.cache_creation_input_tokens += other.cache_creation_input_tokens

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + self.cache_read_input_tokens + self.cache_creation_input_tokens


def family(model: str) -> str | None:
    return next((name for name in PRICES if name in model.lower()), None)


def estimate_cost(model: str, usage: Usage) -> float:
    """Estimated USD for ``usage`` on ``model`` at list prices."""
    price_in, price_out = PRICES[family(model) or FALLBACK_FAMILY]
    prompt = (usage.input_tokens + usage.cache_creation_input_tokens * CACHE_WRITE
              + usage.cache_read_input_tokens * CACHE_READ) * price_in
    return (prompt + usage.output_tokens * price_out) / 1_000_000


def usage_line(model: str, usage: Usage) -> str:
    """One line a person reads: tokens in (cached, written to cache), out, and the estimated cost."""
    known = family(model)
    basis = f"{known} list prices" if known else f"priced as {FALLBACK_FAMILY}: unknown model family"
    return (f"{model}: {usage.prompt_tokens:,} input tokens ({usage.cache_read_input_tokens:,} cached, "
            f"{usage.cache_creation_input_tokens:,} cache write), {usage.output_tokens:,} output; "
            f"estimated cost ${estimate_cost(model, usage):.4f} ({basis})")
