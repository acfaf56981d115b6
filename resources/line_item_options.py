"""Options chosen for a line item (an engraving text, a gift wrap), nested in `line_items`."""

from resources.base import BelongsTo, Resource
from resources.fields import Integer, Json, String
from resources.tags import tags_relationship

resource = Resource(
    "line_item_options",
    attributes=[
        Integer("quantity", required=True, minimum=1),
        # Commerce Layer's guide imports options as {"name", "sku_option_id", "quantity"}:
        # none given is an empty object.
        Json("options", required=True, default=dict),
        String("name"),
        Integer("unit_amount_cents", minimum=0),
    ],
    relationships=[
        BelongsTo(
            "line_item",
            "line_items",
            required=True,
            on_delete="CASCADE",
            inverse="line_item_options",
            nested=True,
        ),
        # By id, or by name where the name is unique in the organization (a name several
        # markets' options share is an `ambiguous` error, never a guess).
        BelongsTo(
            "sku_option",
            "sku_options",
            required=True,
            codes={"sku_option_name": "name"},
            inverse="line_item_options",
        ),
        tags_relationship(),
    ],
    unique_key=("line_item", "sku_option"),
    parent="line_item",
    importable=True,
)
