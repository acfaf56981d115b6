from resources.base import Resource
from resources.fields import String

KINDS = ("manual", "avalara", "stripe", "vertex", "taxjar", "external")

resource = Resource(
    "tax_calculators",
    attributes=[String("name", required=True), String("kind", choices=KINDS, default="manual")],
)
