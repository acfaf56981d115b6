"""SKU lists: a curated (manual) or regex-defined set of SKUs, with nested `sku_list_items`."""

import re
from typing import Any

from core.errors import FieldError
from resources.base import BelongsTo, Resource
from resources.fields import Boolean, String, Text


def regex_unless_manual(sku_list: dict[str, Any]) -> list[FieldError]:
    """A list that is not manual is defined by its `sku_code_regex`."""
    if sku_list.get("manual") is False and not sku_list.get("sku_code_regex"):
        return [FieldError.of("sku_code_regex", "blank")]
    return []


def slug_from_name(values: dict[str, Any], existing: dict[str, Any] | None) -> list[FieldError]:
    """`slug` is read-only and follows the name: "Summer Sale 2024" -> "summer-sale-2024"."""
    if values.get("name"):
        values["slug"] = re.sub(r"[^a-z0-9]+", "-", values["name"].lower()).strip("-") or None
    return []


resource = Resource(
    "sku_lists",
    attributes=[
        String("name", required=True),
        String("slug", writable=False),
        Text("description"),
        String("image_url"),
        Boolean("manual", default=True),
        String("sku_code_regex"),
        # The customer's email as stored on customers (lower case), so any casing resolves.
        String("customer_email", lower=True),
    ],
    relationships=[
        BelongsTo(
            "customer",
            "customers",
            on_delete="SET NULL",
            codes={"customer_email": "email"},
            inverse="sku_lists",
        ),
    ],
    unique_key=("name",),
    validators=[regex_unless_manual],
    prepare=slug_from_name,
    importable=True,
    cleanable=True,
)
