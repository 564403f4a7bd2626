"""Cost estimates for model calls from a configurable price table (USD per million tokens)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping

MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class Price:
    input_per_million: Decimal
    output_per_million: Decimal


# Public list prices at the time of writing; deployments override them with LLM_PRICES.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": Price(Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-mini": Price(Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": Price(Decimal("2.00"), Decimal("8.00")),
}


def price_table(overrides: Mapping[str, Mapping[str, float | str]] | None = None) -> dict[str, Price]:
    """Defaults plus overrides of the form {"model": {"input": 0.15, "output": 0.6}}."""
    table = dict(DEFAULT_PRICES)
    for model, price in (overrides or {}).items():
        try:
            table[model] = Price(Decimal(str(price["input"])), Decimal(str(price["output"])))
        except (KeyError, ArithmeticError) as exc:
            raise ValueError(f"price for {model!r} needs numeric 'input' and 'output'") from exc
    return table


def estimate_cost(table: Mapping[str, Price], model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
    """Cost in USD; unknown models (local servers) cost nothing rather than a guess."""
    price = table.get(model)
    if price is None:
        return Decimal("0")
    cost = (price.input_per_million * prompt_tokens + price.output_per_million * completion_tokens) / 1_000_000
    return cost.quantize(MICRO, rounding=ROUND_HALF_UP)
