from resources.base import Resource
from resources.currencies import CURRENCY_CODES
from resources.fields import Boolean, String

resource = Resource(
    "price_lists",
    attributes=[
        String("name", required=True),
        String("code"),
        String("currency_code", required=True, choices=CURRENCY_CODES),
        Boolean("tax_included", default=True),
    ],
    unique_key=("code",),
)
