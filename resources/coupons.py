from resources.base import BelongsTo, Resource
from resources.customers import EMAIL
from resources.fields import Boolean, DateTime, Integer, String
from resources.tags import tags_relationship

resource = Resource(
    "coupons",
    attributes=[
        # Commerce Layer's dashboard asks for at least 8 characters; 40 is its organization
        # default `coupons_max_code_length`.
        String("code", required=True, min_length=8, max_length=40),
        Boolean("customer_single_use", default=False),
        Integer("usage_limit", minimum=1),
        Integer("usage_count", writable=False, default=0),
        String("recipient_email", pattern=EMAIL),
        DateTime("expires_at"),
    ],
    relationships=[
        BelongsTo(
            "promotion_rule",
            "coupon_codes_promotion_rules",
            required=True,
            on_delete="CASCADE",
            inverse="coupons",
        ),
        tags_relationship(),
    ],
    unique_key=("code", "promotion_rule"),
    parent="promotion_rule",
    importable=True,
)
