"""Line items of an order: a SKU or a bundle (or a priced line of another kind), imported alone
or nested in `orders`, with nested `line_item_options`.

`item_code` (read-only) is the SKU or bundle code the line sells: with the order it is the
unique key, so a re-import updates a line whether it sells a SKU or a bundle.
"""

from typing import Any

from core.errors import FieldError
from resources.base import BelongsTo, Resource
from resources.fields import Integer, String
from resources.tags import tags_relationship

ITEM_TYPES = (
    "skus",
    "bundles",
    "shipments",
    "payment_methods",
    "adjustments",
    "gift_cards",
    "percentage_discount_promotions",
    "free_shipping_promotions",
    "buy_x_pay_y_promotions",
    "free_gift_promotions",
    "fixed_price_promotions",
    "external_promotions",
    "fixed_amount_promotions",
    "discount_engine_items",
)
ITEM_OF = {"sku": "skus", "bundle": "bundles"}


def item_code(scope: Any, drafts: list[Any]) -> None:
    """The code of what the line sells, and its `item_type` when not given (once codes are
    resolved: a line given by `sku_id` has its `sku_code` by now). Bundle codes resolve
    organization-wide: where markets share one, give `bundle_id`."""
    for d in drafts:
        if d.values.get("item_type") in ITEM_OF:  # Commerce Layer's own example says "sku"
            d.values["item_type"] = ITEM_OF[d.values["item_type"]]
        record = d.record
        code = record.get("sku_code") or record.get("bundle_code")
        if code is not None:
            d.values["item_code"] = code
        if not record.get("item_type"):
            for rel, item_type in ITEM_OF.items():
                if record.get(f"{rel}_id"):
                    d.values["item_type"] = item_type


def one_item(line: dict[str, Any]) -> list[FieldError]:
    """A line sells a SKU or a bundle, not both."""
    if line.get("sku_id") and line.get("bundle_id"):
        return [FieldError("bundle_code", "invalid", "must be blank when sku_code is given")]
    return []


resource = Resource(
    "line_items",
    attributes=[
        Integer("quantity", required=True, minimum=1),
        String("item_code", writable=False),
        Integer("unit_amount_cents", minimum=0),
        Integer("compare_at_amount_cents", minimum=0),
        String("name"),
        String("image_url"),
        String("item_type", choices=ITEM_TYPES),
        String("frequency"),
    ],
    relationships=[
        BelongsTo(
            "order",
            "orders",
            required=True,
            on_delete="CASCADE",
            inverse="line_items",
            nested=True,
        ),
        BelongsTo(
            "sku", "skus", on_delete="SET NULL", codes={"sku_code": "code"}, inverse="line_items"
        ),
        BelongsTo(
            "bundle",
            "bundles",
            on_delete="SET NULL",
            codes={"bundle_code": "code"},
            inverse="line_items",
        ),
        tags_relationship(),
    ],
    unique_key=("order", "item_code"),
    parent="order",
    derive=item_code,
    validators=[one_item],
    importable=True,
)
