"""The registry: every resource type Bulkport serves, listed explicitly.

Importing this package declares every table on ``core.db.metadata`` and wires the declarations
together: each relationship gets its target, each ``BelongsTo(inverse=...)`` its to-many side, and
each type the list of relationships pointing to it. The members of a family (the concrete types
of an umbrella such as `promotions`) are registered after it and get its relationships. Routes,
the importer and the exporter read ``REGISTRY``.
"""

import copy
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
    "import_analyses",
    "import_profiles",
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

REGISTRY: dict[str, Resource] = {
    r.type: r for m in MODULES for r in (m.resource, *m.resource.members.values())
}


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
    for umbrella in REGISTRY.values():
        for member in umbrella.members.values():
            _share(umbrella, member)


def _share(umbrella: Resource, member: Resource) -> None:
    """A member relates as its umbrella does: the same relationships (their inverses and the
    references to them stay the umbrella's, whose table is the member's)."""
    for rel in umbrella.relationships.values():
        if rel.name not in member.relationships:
            mine = copy.copy(rel)
            if isinstance(mine, BelongsTo):
                mine.inverse = None
            member.add_relationship(mine)
    member.add_relationship_attributes()
    member.referenced_by = umbrella.referenced_by


def importable_types() -> list[str]:
    return sorted(t for t, r in REGISTRY.items() if r.importable)


def cleanable_types() -> list[str]:
    return sorted(t for t, r in REGISTRY.items() if r.cleanable)


def checked_choices() -> dict[tuple[str, str], list[str]]:
    """(type, attribute) -> the values its service accepts where a declaration cannot list
    them, as they depend on the registry: the types a job's `resource_type` may name
    (bulk/admission.job_target; every export can be imported back). The API reference lists
    them as the attribute's enum."""
    importable = importable_types()
    jobs = ("imports", "exports", "import_analyses", "import_profiles")
    return {
        **{(job, "resource_type"): importable for job in jobs},
        ("cleanups", "resource_type"): cleanable_types(),
    }


_wire()

__all__ = ["REGISTRY", "BelongsTo", "checked_choices", "cleanable_types", "importable_types"]
