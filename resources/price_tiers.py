"""Price tiers: `price_volume_tiers` and `price_frequency_tiers` over one table.

`price_tiers` lists them all and is what imports write, nested under prices with Commerce
Layer's `type` column (`PriceVolumeTier`), stored as `tier_type` (JSON:API reserves `type`).
"""

from resources.base import BelongsTo, Resource
from resources.fields import Attr, Float, Integer, String

TIER_TYPES = ("PriceVolumeTier", "PriceFrequencyTier")


def common() -> list[Attr]:
    return [
        String("name", required=True),
        Float("up_to", minimum=0),
        Integer("price_amount_cents", required=True, minimum=0),
    ]


resource = Resource(
    "price_tiers",
    attributes=[
        String("tier_type", required=True, choices=TIER_TYPES, alias="type"),
        *common(),
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
    discriminator="tier_type",
    read_only=True,  # the API writes them through the concrete types
)

volume = Resource(
    "price_volume_tiers", attributes=common(), family=resource, kind="PriceVolumeTier"
)
frequency = Resource(
    "price_frequency_tiers", attributes=common(), family=resource, kind="PriceFrequencyTier"
)
