from resources.base import Resource
from resources.fields import Boolean, String

resource = Resource(
    "price_lists",
    attributes=[
        String("name", required=True),
        String("code"),
        String("currency_code", required=True, pattern=r"[A-Z]{3}"),
        Boolean("tax_included", default=True),
    ],
    unique_key=("code",),
)
