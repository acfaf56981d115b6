from resources.base import BelongsTo, Resource
from resources.fields import Boolean, String

resource = Resource(
    "stock_locations",
    attributes=[
        String("name", required=True),
        String("code"),
        String("label_format", choices=["PDF", "ZPL", "EPL2", "PNG"], default="PDF"),
        Boolean("suppress_etd", default=False),
    ],
    relationships=[BelongsTo("address", "addresses", required=True, inverse="stock_locations")],
    unique_key=("code",),
)
