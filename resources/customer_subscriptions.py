"""A customer's subscription, known by its `reference` (Commerce Layer imports match on
customer + reference, so here the reference is required)."""

from core.errors import FieldError
from resources.base import Resource
from resources.customer_links import customer, customer_email


def reference_given(subscription: dict) -> list[FieldError]:
    return [] if subscription.get("reference") else [FieldError.of("reference", "blank")]


resource = Resource(
    "customer_subscriptions",
    attributes=[customer_email()],
    relationships=[customer(inverse="customer_subscriptions")],
    unique_key=("customer", "reference"),
    validators=[reference_given],
    importable=True,
)
