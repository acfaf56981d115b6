"""Gift cards. A card without a code gets a random one; a card in a market takes the currency of
the market's price list, and a card without a market must name its currency."""

import secrets
import string

from core.errors import FieldError
from resources.base import Resource
from resources.currencies import CURRENCY_CODES
from resources.customers import EMAIL
from resources.fields import Boolean, DateTime, Integer, String
from resources.market_currency import currency_unless_market
from resources.markets import market_relationship
from resources.markets import resource as market_declaration
from resources.price_lists import resource as price_list_declaration
from resources.tags import tags_relationship

STATUSES = ("draft", "inactive", "active", "redeemed")
CODE_ALPHABET = string.ascii_uppercase + string.digits


def random_code() -> str:
    """Four groups of four letters or digits, e.g. `7KQ2-M9XA-P04Z-C1TL` (about 82 random bits)."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _group in range(4))


def market_currencies(scope, drafts) -> None:
    """derive: cards put in a market without a `currency_code` take its price list's."""
    wanted = [d for d in drafts if d.values.get("market_id") and not d.values.get("currency_code")]
    if not wanted:
        return
    markets, lists = market_declaration.table, price_list_declaration.table
    ids = {d.values["market_id"] for d in wanted}
    stmt = scope.select(markets, markets.c.id, lists.c.currency_code).join(
        lists, lists.c.id == markets.c.price_list_id
    )
    found = dict(scope.execute(stmt.where(markets.c.id.in_(ids))).all())
    for d in wanted:
        d.values["currency_code"] = found.get(d.values["market_id"])


def code_when_missing(values: dict, existing: dict | None) -> list[FieldError]:
    """prepare: a new card without a code gets one, as Commerce Layer does."""
    if existing is None and not values.get("code"):
        values["code"] = random_code()
    return []


def balance_within_maximum(card: dict) -> list[FieldError]:
    balance, maximum = card.get("balance_cents"), card.get("balance_max_cents")
    if balance is not None and maximum is not None and balance > maximum:
        return [FieldError.of("balance_cents", "less_than_or_equal_to", count=maximum)]
    return []


resource = Resource(
    "gift_cards",
    attributes=[
        String("code", required=True),
        String("status", writable=False, default="draft", choices=STATUSES),
        String("currency_code", choices=CURRENCY_CODES),
        Integer("balance_cents", required=True, minimum=0),
        Integer("balance_max_cents", minimum=0),
        Boolean("single_use", default=False),
        Boolean("rechargeable", default=True),
        Boolean("distribute_discount", default=True),
        String("image_url"),
        String("recipient_email", pattern=EMAIL),
        DateTime("expires_at"),
    ],
    relationships=[
        market_relationship(inverse="gift_cards", on_delete="RESTRICT"),
        tags_relationship(),
    ],
    unique_key=("code",),
    parent="market",
    validators=[currency_unless_market, balance_within_maximum],
    derive=market_currencies,
    prepare=code_when_missing,
    importable=True,
    cleanable=True,
)
