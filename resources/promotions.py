"""Promotions: one type for Commerce Layer's concrete promotions, told apart by `kind`."""

from core.errors import FieldError
from resources.base import Resource
from resources.currencies import CURRENCY_CODES
from resources.fields import Boolean, DateTime, Integer, String
from resources.markets import market_relationship
from resources.tags import tags_relationship

# Commerce Layer's concrete promotion types, without the `_promotions` suffix. The attribute
# cannot be called `type`: JSON:API reserves it.
KINDS = (
    "percentage_discount",
    "fixed_amount",
    "fixed_price",
    "free_shipping",
    "free_gift",
    "buy_x_pay_y",
    "external",
)
# What each kind cannot do without.
NEEDS = {"percentage_discount": "percentage", "fixed_amount": "fixed_amount_cents"}


def period_and_amounts(promotion: dict) -> list[FieldError]:
    errors = []
    starts, expires = promotion.get("starts_at"), promotion.get("expires_at")
    if starts and expires and expires <= starts:
        errors.append(FieldError("expires_at", "greater_than", "must be after starts_at"))
    needed = NEEDS.get(promotion.get("kind") or "")
    if needed and promotion.get(needed) is None:
        errors.append(FieldError.of(needed, "blank"))
    percentage = promotion.get("percentage")
    if percentage is not None and percentage > 100:
        errors.append(FieldError.of("percentage", "less_than_or_equal_to", count=100))
    return errors


resource = Resource(
    "promotions",
    attributes=[
        String("name", required=True),
        String("kind", required=True, choices=KINDS),
        DateTime("starts_at", required=True),
        DateTime("expires_at", required=True),
        Integer("total_usage_limit", minimum=1),
        Integer("total_usage_count", writable=False, default=0),
        Boolean("exclusive", default=False),
        Integer("priority", minimum=0),
        Integer("percentage", minimum=0),
        Integer("fixed_amount_cents", minimum=0),
        String("currency_code", choices=CURRENCY_CODES),
    ],
    relationships=[
        market_relationship(inverse="promotions", on_delete="SET NULL"),
        tags_relationship(),
    ],
    validators=[period_and_amounts],
    cleanable=True,
)
