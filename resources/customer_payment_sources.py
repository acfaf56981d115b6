"""A customer's saved payment source, as the gateway knows it (tokens)."""

from resources.base import BelongsTo, Resource
from resources.customer_links import customer, customer_email
from resources.fields import String

resource = Resource(
    "customer_payment_sources",
    attributes=[
        customer_email(),
        # The import key (with the customer), so required here though Commerce Layer's is not.
        String("payment_source_token", required=True),
        String("customer_token"),
    ],
    relationships=[
        customer(inverse="customer_payment_sources"),
        BelongsTo(
            "payment_method",
            "payment_methods",
            on_delete="SET NULL",
            inverse="customer_payment_sources",
        ),
    ],
    unique_key=("customer", "payment_source_token"),
    importable=True,
)
