"""Round-trip recipes: how each importable type is exported, and what organization B needs.

Organization A holds tests/support/world.py's world (one record of every registered type,
every relationship filled, codes tagged "w") plus each recipe's `extra` records. For a type T,
organization B gets the world records of what T (and T's included nested children) refer to,
created the same way with the same codes, and nothing of T: A's dry export of T, imported
into B (with `parent_resource_id` = B's record of T's parent type), must then export
byte-equal from B.

A new importable type needs:
1. a world recipe in tests/support/world.py (the tenancy tests ask for it too), and
2. an entry here: `"<type>": Recipe()`, with `includes` naming its nested children
   (`Recipe(includes=("line_items.line_item_options",))`) and, optionally, `extra(api,
   world)` adding more records to A that refer to world records only (B is built from the
   world: records an extra refers to would be missing there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.documents import created, post


@dataclass(frozen=True)
class Recipe:
    includes: tuple[str, ...] = ()
    extra: Callable[[Any, dict[str, dict]], None] | None = None  # more records in A
    # B's records besides the world's (those T's world recipe makes on the side)
    extra_b: Callable[[Any, dict[str, dict]], None] | None = None
    dry_includes: tuple[str, ...] | None = None  # when the dry test cannot include them all
    gap: str | None = None  # why the dry round trip cannot hold yet (a strict xfail)

    @property
    def dry(self) -> tuple[str, ...]:
        return self.includes if self.dry_includes is None else self.dry_includes


def more_skus(api, world: dict) -> None:
    """A SKU with two tags (one new), metadata, and a description CSV must quote."""
    category = world["shipping_categories"]
    created(post(api, "skus", {"code": "SKU-x", "name": 'Mug "XL", blue',
                               "description": "Two lines,\nwith a comma", "do_not_track": True,
                               "metadata": {"colour": "blue", "sizes": [1, 2]},
                               "_add_tags": ["extra-tag", world["tags"]["attributes"]["name"]]},
                 {"shipping_category": category}))  # fmt: skip


def more_tiers(api, world: dict) -> None:
    """The world's price gets a second tier (nested children: rows per tier in CSV)."""
    created(post(api, "price_frequency_tiers", {"name": "monthly",
                                                "up_to": 30, "price_amount_cents": 700},
                 {"price": world["prices"]}))  # fmt: skip


def more_addresses(api, world: dict) -> None:
    created(post(api, "addresses", {"business": True, "company": "Analytical Engines Ltd",
                                    "line_1": "2 Difference Row", "city": "Leeds",
                                    "country_code": "GB", "phone": "+44 113 496 0000",
                                    "reference": "addr-x", "lat": 53.8, "lng": -1.55}))  # fmt: skip


def more_customers(api, world: dict) -> None:
    created(post(api, "customers", {"email": "second@w.example.com",
                                    "metadata": {"vip": True}, "_add_tags": ["loyal"]},
                 {"customer_group": world["customer_groups"]}))  # fmt: skip


def destination(api, world: dict) -> None:
    """The world's stock transfer goes to a second location its recipe creates."""
    created(post(api, "stock_locations", {"name": "Store w", "code": "store-w"},
                 {"address": world["addresses"]}))  # fmt: skip


RECIPES: dict[str, Recipe] = {
    "addresses": Recipe(extra=more_addresses),
    "bundles": Recipe(),
    "coupons": Recipe(),
    "customer_addresses": Recipe(),
    "customer_payment_sources": Recipe(),
    "customer_subscriptions": Recipe(),
    "customers": Recipe(extra=more_customers),
    "gift_cards": Recipe(),
    "line_item_options": Recipe(),
    "line_items": Recipe(includes=("line_item_options",)),
    "orders": Recipe(includes=("line_items.line_item_options",)),
    "price_tiers": Recipe(),
    "prices": Recipe(includes=("price_tiers",), extra=more_tiers),
    "shipping_categories": Recipe(),
    "sku_list_items": Recipe(),
    "sku_lists": Recipe(includes=("sku_list_items",)),
    "sku_options": Recipe(),
    "skus": Recipe(extra=more_skus),
    "stock_items": Recipe(),
    "stock_transfers": Recipe(extra_b=destination),
    "tags": Recipe(),
    "tax_categories": Recipe(),
}


def recipe_for(resource_type: str) -> Recipe:
    recipe = RECIPES.get(resource_type)
    assert recipe is not None, (
        f"{resource_type} is importable but has no round-trip recipe: add\n"
        f'    "{resource_type}": Recipe(),\n'
        f"to RECIPES in tests/bulk/exports/recipes.py (with includes=(...) naming its nested "
        f"children, if any) and a world recipe for it in tests/support/world.py"
    )
    return recipe
