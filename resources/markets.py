from resources.base import BelongsTo, Resource
from resources.fields import Boolean, Integer, String

resource = Resource(
    "markets",
    attributes=[
        String("name", required=True),
        String("code"),
        String("checkout_url"),
        String("external_prices_url"),
        Integer("shipping_cost_cutoff", minimum=0),
        Boolean("disabled", default=False),
    ],
    relationships=[
        BelongsTo("merchant", "merchants", required=True, inverse="markets"),
        BelongsTo(
            "price_list",
            "price_lists",
            required=True,
            inverse="markets",
            codes={"price_list_code": "code"},
        ),
        BelongsTo("inventory_model", "inventory_models", required=True, inverse="markets"),
        BelongsTo("customer_group", "customer_groups", on_delete="SET NULL", inverse="markets"),
        BelongsTo("tax_calculator", "tax_calculators", on_delete="SET NULL", inverse="markets"),
    ],
    unique_key=("code",),
)


def market_relationship(inverse: str, on_delete: str = "CASCADE") -> BelongsTo:
    """The optional market of a record (by id or `market_code`); without one, such records
    carry their own currency."""
    return BelongsTo(
        "market", "markets", on_delete=on_delete, codes={"market_code": "code"}, inverse=inverse
    )
