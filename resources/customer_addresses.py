"""A customer's address book entry. The address is given by id or, in imports, by the
`address_reference` of an address imported before (addresses' own import key)."""

from resources.base import BelongsTo, Resource
from resources.customer_links import customer, customer_email

resource = Resource(
    "customer_addresses",
    attributes=[customer_email()],
    relationships=[
        customer(inverse="customer_addresses"),
        BelongsTo(
            "address",
            "addresses",
            required=True,
            on_delete="CASCADE",
            codes={"address_reference": "reference"},
            inverse="customer_addresses",
        ),
    ],
    unique_key=("customer", "address"),
    importable=True,
)
