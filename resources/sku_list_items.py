"""The SKUs of a manual SKU list, in order; imported alone or nested in `sku_lists`."""

from resources.base import BelongsTo, Resource
from resources.fields import Integer
from resources.skus import sku_relationship

resource = Resource(
    "sku_list_items",
    attributes=[Integer("position", minimum=0), Integer("quantity", minimum=1)],
    relationships=[
        BelongsTo(
            "sku_list",
            "sku_lists",
            required=True,
            on_delete="CASCADE",
            inverse="sku_list_items",
            nested=True,
        ),
        sku_relationship(inverse="sku_list_items"),
    ],
    unique_key=("sku_list", "sku"),
    parent="sku_list",
    importable=True,
)
