from resources.base import Resource
from resources.fields import String

resource = Resource(
    "customer_groups",
    attributes=[String("name", required=True), String("code")],
    unique_key=("name",),
)
