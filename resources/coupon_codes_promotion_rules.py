"""The rule that makes a promotion need a coupon: the parent of coupons in imports
(Commerce Layer's inputs name it `promotion_rule_id`). One per promotion."""

from resources.base import BelongsTo, Resource

resource = Resource(
    "coupon_codes_promotion_rules",
    relationships=[
        BelongsTo(
            "promotion",
            "promotions",
            required=True,
            on_delete="CASCADE",
            inverse="coupon_codes_promotion_rules",
        ),
    ],
    unique_key=("promotion",),
)
