from resources.base import Resource
from resources.fields import Boolean, Integer, String

STRATEGIES = (
    "no_split",
    "split_shipments",
    "split_by_line_items",
    "ship_from_primary",
    "ship_from_first_available_or_primary",
)

resource = Resource(
    "inventory_models",
    attributes=[
        String("name", required=True),
        String("strategy", choices=STRATEGIES, default="no_split"),
        Integer("stock_locations_cutoff", minimum=1),
        Integer("stock_reservation_cutoff", minimum=0),
        Boolean("put_stock_transfers_first", default=False),
        Boolean("manual_stock_decrement", default=False),
    ],
)
