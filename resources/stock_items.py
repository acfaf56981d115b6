from resources.base import BelongsTo, Resource
from resources.fields import Integer
from resources.skus import sku_relationship

resource = Resource(
    "stock_items",
    attributes=[
        Integer(
            "quantity",
            required=True,
            aliases=("menge", "bestand", "qty", "stock", "anzahl", "lagerbestand", "on hand"),
        )
    ],
    relationships=[
        BelongsTo(
            "stock_location",
            "stock_locations",
            required=True,
            on_delete="CASCADE",
            codes={"stock_location_code": "code"},
            inverse="stock_items",
            code_aliases=("lager", "lagerort", "warehouse", "stock location", "location"),
        ),
        sku_relationship(inverse="stock_items"),
    ],
    unique_key=("stock_location", "sku"),
    parent="stock_location",
    importable=True,
    cleanable=True,
)
