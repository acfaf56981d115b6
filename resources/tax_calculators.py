"""Tax calculators: Commerce Layer's concrete calculator types over one table.

`tax_calculators` lists them all (what tax categories refer to); each is written through its
concrete type. The column telling them apart is `kind`.
"""

from resources.base import Resource
from resources.fields import String

# kind -> Commerce Layer's concrete type
TYPES = {
    "manual": "manual_tax_calculators",
    "external": "external_tax_calculators",
    "avalara": "avalara_accounts",
    "stripe": "stripe_tax_accounts",
    "vertex": "vertex_accounts",
    "taxjar": "taxjar_accounts",
}

resource = Resource(
    "tax_calculators",
    attributes=[String("name", required=True), String("kind", choices=tuple(TYPES))],
    discriminator="kind",
    read_only=True,  # written through the concrete types
)

members = [
    Resource(type_, attributes=[String("name", required=True)], family=resource, kind=kind)
    for kind, type_ in TYPES.items()
]
