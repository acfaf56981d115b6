"""What the types hanging off a customer share: a required customer, given by id or by
`customer_email`, which is looked up as customers store emails (trimmed, lower case)."""

from resources.base import BelongsTo
from resources.fields import String


def customer_email() -> String:
    # Declared here rather than left to the generic code column so that it is lowered like
    # `customers.email`: `Grace@Example.com` in an input finds grace@example.com.
    return String("customer_email", lower=True)


def customer(inverse: str) -> BelongsTo:
    return BelongsTo(
        "customer",
        "customers",
        required=True,
        on_delete="CASCADE",
        codes={"customer_email": "email"},
        inverse=inverse,
    )
