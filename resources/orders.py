"""Orders, with nested `line_items` (and their `line_item_options`) in imports.

`number` comes from the organization's "orders" sequence when not given. An order is created as
a `draft` whatever `status` says, unless `_archive: true` imports a finished order: then its
`status` is kept and `archived_at` set. Without `_archive` an update never changes the status.
"""

from typing import Any

from core.db import utcnow
from core.errors import FieldError
from core.sequences import next_values
from resources.base import BelongsTo, Resource
from resources.currencies import CURRENCY_CODES
from resources.customers import EMAIL
from resources.fields import Boolean, DateTime, Json, String
from resources.tags import tags_relationship

STATUSES = ("draft", "pending", "placed", "approved", "cancelled")


def number_new_orders(scope: Any, drafts: list[Any]) -> None:
    """Numbers the orders about to be created without one from the sequence, skipping numbers
    already taken (an imported "1005"): a number-less item must never match an existing order."""
    new = [
        d
        for d in drafts
        if d.existing is None and "id" not in d.values and not d.values.get("number")
    ]
    table = resource.table
    given = {d.values.get("number") for d in drafts}
    numbers: list[str] = []
    while len(numbers) < len(new):
        fresh = [str(v) for v in next_values(scope, "orders", len(new) - len(numbers))]
        stmt = scope.select(table, table.c.number).where(table.c.number.in_(fresh))
        taken = given | set(scope.execute(stmt).scalars())
        numbers += [n for n in fresh if n not in taken]
    for draft, number in zip(new, numbers, strict=True):
        draft.values["number"] = number


def archive(values: dict[str, Any], existing: dict[str, Any] | None) -> list[FieldError]:
    """`_archive` / `_unarchive` triggers, and the status rule above."""
    archiving = values.pop("_archive", None) is True
    unarchiving = values.pop("_unarchive", None) is True
    if existing is None:
        if archiving:
            values["archived_at"] = utcnow()
        else:
            values["status"] = "draft"
        return []
    if not archiving:
        values.pop("status", None)
    elif existing.get("archived_at") is None:
        values["archived_at"] = utcnow()
    if unarchiving:
        values["archived_at"] = None
    return []


def address(name: str) -> BelongsTo:
    return BelongsTo(name, "addresses", on_delete="SET NULL")


resource = Resource(
    "orders",
    attributes=[
        String("number", required=True),
        String("status", choices=STATUSES, default="draft"),
        DateTime("archived_at", writable=False),
        Boolean("_archive", column=False),
        Boolean("_unarchive", column=False, update_only=True),
        String("customer_email", pattern=EMAIL),
        String("language_code", pattern=r"[a-z]{2}(-[A-Za-z]{2})?"),
        String("currency_code", choices=CURRENCY_CODES),
        String("affiliate_code"),
        String("shipping_country_code_lock", pattern=r"[A-Za-z]{2}"),
        String("coupon_code"),
        String("gift_card_code"),
        *(String(f"{page}_url") for page in ("cart", "return", "terms", "privacy")),
        Boolean("guest"),
        Boolean("autorefresh"),
        Boolean("place_async"),
        *(Boolean(f"{what}_taxable") for what in ("freight", "payment_method", "adjustment")),
        Boolean("gift_card_taxable"),
        DateTime("expires_at"),
        Json("expiration_info"),
    ],
    relationships=[
        BelongsTo("market", "markets", codes={"market_code": "code"}, inverse="orders"),
        # The customer is linked by id: `customer_email` is the order's own attribute (guest
        # orders carry one without any customer record).
        BelongsTo("customer", "customers", on_delete="SET NULL", inverse="orders"),
        address("shipping_address"),
        address("billing_address"),
        BelongsTo("payment_method", "payment_methods", on_delete="SET NULL", inverse="orders"),
        tags_relationship(),
    ],
    unique_key=("number",),
    parent="market",
    derive=number_new_orders,
    prepare=archive,
    importable=True,
)
