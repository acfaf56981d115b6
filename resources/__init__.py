"""The registry: every resource type Bulkport serves, listed explicitly.

Importing this package declares every table on ``core.db.metadata`` and wires the declarations
together: each relationship gets its target, each ``BelongsTo(inverse=...)`` its to-many side, and
each type the list of relationships pointing to it. Routes, the importer and the exporter read
``REGISTRY``.
"""

import importlib

from core import sequences  # noqa: F401 - declares the counters table
from resources.base import BelongsTo, HasMany, Resource

# Every resource module, by name: adding a type is adding its module here.
NAMES = (
    "addresses",
    "bundles",
    "cleanups",
    "coupon_codes_promotion_rules",
    "coupons",
    "customer_addresses",
    "customer_groups",
    "customer_payment_sources",
    "customer_subscriptions",
    "customers",
    "event_callbacks",
    "exports",
    "gift_cards",
    "imports",
    "inventory_models",
    "line_item_options",
    "line_items",
    "markets",
    "merchants",
    "orders",
    "payment_methods",
    "price_lists",
    "price_tiers",
    "prices",
    "promotions",
    "shipping_categories",
    "sku_list_items",
    "sku_lists",
    "sku_options",
    "skus",
    "stock_items",
    "stock_locations",
    "stock_transfers",
    "tags",
    "tax_calculators",
    "tax_categories",
    "versions",
    "webhooks",
)
MODULES = [importlib.import_module(f"resources.{name}") for name in NAMES]
# A table only, no resource: the records an import touched, for cleanup_records.
importlib.import_module("resources.import_records")

REGISTRY: dict[str, Resource] = {m.resource.type: m.resource for m in MODULES}


def _wire() -> None:
    for resource in REGISTRY.values():
        for rel in resource.relationships.values():
            rel.target = REGISTRY[rel.target_type]
    for resource in REGISTRY.values():
        for rel in resource.belongs_to:
            rel.target.referenced_by.append((resource, rel))
            if rel.inverse and rel.inverse not in rel.target.relationships:
                inverse = HasMany(rel.inverse, resource.type, inverse=rel.name, nested=rel.nested)
                inverse.target = resource
                rel.target.add_relationship(inverse)


def importable_types() -> list[str]:
    return sorted(t for t, r in REGISTRY.items() if r.importable)


def cleanable_types() -> list[str]:
    return sorted(t for t, r in REGISTRY.items() if r.cleanable)


_wire()

__all__ = ["REGISTRY", "BelongsTo", "cleanable_types", "importable_types"]
