"""A rule shared by the types priced either in a market's currency or in their own."""

from typing import Any

from core.errors import FieldError


def currency_unless_market(record: dict[str, Any]) -> list[FieldError]:
    """Without a market, `currency_code` says what the amounts are in."""
    if record.get("market_id") is None and not record.get("currency_code"):
        return [FieldError.of("currency_code", "blank")]
    return []
