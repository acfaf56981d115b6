from resources.base import BelongsTo, Resource
from resources.fields import String
from resources.skus import sku_relationship

resource = Resource(
    "tax_categories",
    attributes=[String("code", required=True)],
    relationships=[
        sku_relationship(inverse="tax_categories"),
        # By id, or by name (what a dry export writes, ids differing between organizations);
        # a name several calculators share is an `ambiguous` error, never a guess.
        BelongsTo(
            "tax_calculator",
            "tax_calculators",
            required=True,
            on_delete="CASCADE",
            codes={"tax_calculator_name": "name"},
            inverse="tax_categories",
        ),
    ],
    unique_key=("code", "tax_calculator"),
    parent="tax_calculator",
    importable=True,
)
