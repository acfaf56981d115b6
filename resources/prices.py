from resources.base import BelongsTo, Resource
from resources.fields import Integer, Json

resource = Resource(
    "prices",
    attributes=[
        Integer("amount_cents", required=True, minimum=0),
        Integer("compare_at_amount_cents", minimum=0),
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
        ),
        BelongsTo(
            "sku",
            "skus",
            required=True,
            on_delete="CASCADE",
            codes={"sku_code": "code"},
            inverse="prices",
        ),
    ],
    unique_key=("price_list", "sku"),
    parent="price_list",
    importable=True,
)
