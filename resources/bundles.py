"""Bundles: a SKU list sold as one item at one price, per market (or in its own currency)."""

from resources.base import BelongsTo, Resource
from resources.currencies import CURRENCY_CODES
from resources.fields import Integer, String, Text
from resources.market_currency import currency_unless_market
from resources.markets import market_relationship
from resources.tags import tags_relationship

resource = Resource(
    "bundles",
    attributes=[
        String("code", required=True),
        String("name", required=True),
        String("currency_code", choices=CURRENCY_CODES),
        Text("description"),
        String("image_url"),
        Integer("price_amount_cents", minimum=0),
        Integer("compare_at_amount_cents", minimum=0),
    ],
    relationships=[
        market_relationship(inverse="bundles"),
        # SKU list names are unique in an organization, so a name identifies one as well.
        BelongsTo(
            "sku_list",
            "sku_lists",
            required=True,
            codes={"sku_list_name": "name"},
            inverse="bundles",
        ),
        tags_relationship(),
    ],
    unique_key=("code", "market"),
    parent="market",
    validators=[currency_unless_market],
    importable=True,
    cleanable=True,
)
