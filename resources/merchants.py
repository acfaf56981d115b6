from resources.base import BelongsTo, Resource
from resources.fields import String

resource = Resource(
    "merchants",
    attributes=[String("name", required=True)],
    relationships=[BelongsTo("address", "addresses", required=True, inverse="merchants")],
)
