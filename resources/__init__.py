"""The registry: every resource type Bulkport serves, listed explicitly.

Importing this package declares every table on ``app.db.metadata`` and wires the to-many side of
each ``BelongsTo(inverse=...)``; routes, the importer and the exporter read ``REGISTRY``.
"""

from app.services import sequences  # noqa: F401 - declares the counters table
from resources import (
    addresses,
    customer_groups,
    customers,
    exports,
    import_records,
    imports,
    inventory_models,
    markets,
    merchants,
    price_lists,
    price_tiers,
    prices,
    shipping_categories,
    skus,
    stock_items,
    stock_locations,
    tags,
    tax_calculators,
    tax_categories,
)
from resources.base import BelongsTo, HasMany, Resource

MODULES = [
    addresses,
    customer_groups,
    customers,
    exports,
    imports,
    inventory_models,
    markets,
    merchants,
    price_lists,
    price_tiers,
    prices,
    shipping_categories,
    skus,
    stock_items,
    stock_locations,
    tags,
    tax_calculators,
    tax_categories,
]

REGISTRY: dict[str, Resource] = {m.resource.type: m.resource for m in MODULES}


def _wire_inverses() -> None:
    for resource in REGISTRY.values():
        for rel in resource.belongs_to:
            if rel.inverse and rel.inverse not in rel.target.relationships:
                rel.target.add_relationship(
                    HasMany(rel.inverse, resource.type, inverse=rel.name, nested=rel.nested)
                )


def importable_types() -> list[str]:
    return sorted(t for t, r in REGISTRY.items() if r.importable)


_wire_inverses()
import_records  # noqa: B018 - the table is declared by importing the module

__all__ = ["REGISTRY", "BelongsTo", "importable_types"]
