"""SKU options: extras a line item can carry (engraving, gift wrap), per market."""

from resources.base import Resource
from resources.currencies import CURRENCY_CODES
from resources.fields import Integer, String, Text
from resources.market_currency import currency_unless_market
from resources.markets import market_relationship
from resources.tags import tags_relationship

resource = Resource(
    "sku_options",
    attributes=[
        String("name", required=True),
        String("currency_code", choices=CURRENCY_CODES),
        Text("description"),
        Integer("price_amount_cents", minimum=0),
        Integer("delay_hours", minimum=0),
        String("sku_code_regex"),
    ],
    relationships=[
        market_relationship(inverse="sku_options"),
        tags_relationship(),
    ],
    unique_key=("name", "market"),
    parent="market",
    validators=[currency_unless_market],
    importable=True,
    cleanable=True,
)
