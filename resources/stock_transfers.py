"""Stock moving between two locations. The origin is the import parent; a transfer without a
`number` gets the next of the organization's "stock_transfers" sequence."""

from core.errors import FieldError
from core.sequences import next_values
from resources.base import BelongsTo, Resource
from resources.fields import Integer, String
from resources.skus import sku_relationship

STATUSES = ("draft", "upcoming", "picking", "in_transit", "completed", "cancelled")


def numbers(scope, drafts) -> None:
    """derive: numbers for new transfers that have none (an import item with an `id` is an
    update, whatever it names)."""
    new = [
        d
        for d in drafts
        if d.existing is None and not d.values.get("id") and not d.values.get("number")
    ]
    for d, value in zip(new, next_values(scope, "stock_transfers", len(new)), strict=True):
        d.values["number"] = str(value)


def different_locations(transfer: dict) -> list[FieldError]:
    origin = transfer.get("origin_stock_location_id")
    if origin and origin == transfer.get("destination_stock_location_id"):
        message = "must be different from origin_stock_location"
        return [FieldError("destination_stock_location", "invalid", message, relationship=True)]
    return []


def _location(name: str, **kw) -> BelongsTo:
    return BelongsTo(name, "stock_locations", required=True, codes={f"{name}_code": "code"}, **kw)


resource = Resource(
    "stock_transfers",
    attributes=[
        String("number", required=True),
        String("status", choices=STATUSES, default="draft"),
        Integer("quantity", required=True, minimum=1),
    ],
    relationships=[
        sku_relationship(inverse="stock_transfers"),
        _location("origin_stock_location", on_delete="CASCADE", inverse="stock_transfers"),
        _location("destination_stock_location", on_delete="CASCADE"),
    ],
    unique_key=("number",),
    parent="origin_stock_location",
    validators=[different_locations],
    derive=numbers,
    importable=True,
)
