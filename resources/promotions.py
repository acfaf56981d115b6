"""Promotions: the family of Commerce Layer's concrete promotion types over one table.

`promotions` lists and shows them all, each as its concrete type; they are written through
their concrete types (`percentage_discount_promotions`, ...), each with its own rules. The
column telling them apart is `kind` (the concrete type without `_promotions`): JSON:API reserves
`type`.
"""

from core.errors import FieldError
from resources.base import Resource
from resources.currencies import CURRENCY_CODES
from resources.fields import Attr, Boolean, DateTime, Integer, String
from resources.markets import market_relationship
from resources.tags import tags_relationship

KINDS = (
    "percentage_discount",
    "fixed_amount",
    "fixed_price",
    "free_shipping",
    "free_gift",
    "buy_x_pay_y",
    "external",
)


def common() -> list[Attr]:
    """What every concrete promotion has (Commerce Layer's promotion attributes)."""
    return [
        String("name", required=True),
        DateTime("starts_at", required=True),
        DateTime("expires_at", required=True),
        Integer("total_usage_limit", minimum=1),
        Integer("total_usage_count", writable=False, default=0),
        Boolean("exclusive", default=False),
        Integer("priority", minimum=0),
        String("currency_code", choices=CURRENCY_CODES),
    ]


def period(promotion: dict) -> list[FieldError]:
    starts, expires = promotion.get("starts_at"), promotion.get("expires_at")
    if starts and expires and expires <= starts:
        return [FieldError("expires_at", "greater_than", "must be after starts_at")]
    return []


def at_most_100(promotion: dict) -> list[FieldError]:
    percentage = promotion.get("percentage")
    if percentage is not None and percentage > 100:
        return [FieldError.of("percentage", "less_than_or_equal_to", count=100)]
    return []


resource = Resource(
    "promotions",
    attributes=[
        *common(),
        String("kind", required=True, choices=KINDS),
        Integer("percentage", minimum=0),
        Integer("fixed_amount_cents", minimum=0),
    ],
    relationships=[
        market_relationship(inverse="promotions", on_delete="SET NULL"),
        tags_relationship(),
    ],
    validators=[period],
    discriminator="kind",
    read_only=True,  # written through the concrete types
    cleanable=True,
)


def concrete(kind: str, *attributes: Attr, validators: tuple = ()) -> Resource:
    return Resource(
        f"{kind}_promotions",
        attributes=[*common(), *attributes],
        validators=[period, *validators],
        family=resource,
        kind=kind,
    )


percentage_discount = concrete(
    "percentage_discount",
    Integer("percentage", required=True, minimum=0),
    validators=(at_most_100,),
)
fixed_amount = concrete("fixed_amount", Integer("fixed_amount_cents", required=True, minimum=0))
fixed_price = concrete("fixed_price", Integer("fixed_amount_cents", required=True, minimum=0))
free_shipping = concrete("free_shipping")
free_gift = concrete("free_gift")
buy_x_pay_y = concrete("buy_x_pay_y")
external = concrete("external")
