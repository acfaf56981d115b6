from resources.base import Resource
from resources.fields import String

resource = Resource(
    "shipping_categories",
    attributes=[String("name", required=True), String("code")],
    unique_key=("name",),
    importable=True,
    extra_columns=(),
)
