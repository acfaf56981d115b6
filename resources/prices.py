from resources.base import BelongsTo, Resource
from resources.fields import Integer, Json
from resources.skus import sku_relationship

resource = Resource(
    "prices",
    attributes=[
        Integer(
            "amount_cents",
            required=True,
            minimum=0,
            aliases=(
                "price",
                "preis",
                "amount",
                "betrag",
                "verkaufspreis",
                "vk",
                "vk-preis",
                "unit price",
                "stückpreis",
                "price cents",
                "preis cent",
            ),
        ),
        Integer(
            "compare_at_amount_cents",
            minimum=0,
            aliases=(
                "compare at price",
                "original price",
                "uvp",
                "streichpreis",
                "listenpreis",
                "list price",
                "rrp",
                "msrp",
            ),
        ),
        Json("rules"),
    ],
    relationships=[
        BelongsTo(
            "price_list",
            "price_lists",
            required=True,
            on_delete="CASCADE",
            codes={"price_list_code": "code"},
            inverse="prices",
            code_aliases=("price list", "preisliste", "pricelist"),
        ),
        sku_relationship(inverse="prices"),
    ],
    unique_key=("price_list", "sku"),
    parent="price_list",
    importable=True,
    cleanable=True,
)
