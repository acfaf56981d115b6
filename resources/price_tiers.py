from resources.base import BelongsTo, Resource
from resources.fields import Float, Integer, String

TIER_TYPES = ("PriceVolumeTier", "PriceFrequencyTier")

resource = Resource(
    "price_tiers",
    attributes=[
        # `type` is reserved by JSON:API; imports and exports use Commerce Layer's `type`.
        String("tier_type", required=True, choices=TIER_TYPES, alias="type"),
        String("name", required=True),
        Float("up_to", minimum=0),
        Integer("price_amount_cents", required=True, minimum=0),
    ],
    relationships=[
        BelongsTo(
            "price",
            "prices",
            required=True,
            on_delete="CASCADE",
            inverse="price_tiers",
            nested=True,
        ),
    ],
    unique_key=("price", "name"),
    parent="price",
    importable=True,
)
