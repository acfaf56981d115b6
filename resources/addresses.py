from core.errors import FieldError
from resources.base import Resource
from resources.fields import Boolean, Float, String, Text
from resources.tags import tags_relationship


def names_or_company(address: dict) -> list[FieldError]:
    """A person's address needs first and last name; a business address needs a company."""
    if address.get("business"):
        return [] if address.get("company") else [FieldError.of("company", "blank")]
    return [FieldError.of(n, "blank") for n in ("first_name", "last_name") if not address.get(n)]


resource = Resource(
    "addresses",
    attributes=[
        Boolean("business", default=False),
        String("first_name"),
        String("last_name"),
        String("company"),
        String("line_1", required=True),
        String("line_2"),
        String("city", required=True),
        String("zip_code"),
        String("state_code"),
        String("country_code", required=True, pattern=r"[A-Za-z]{2}"),
        String("phone", required=True),
        String("email"),
        Text("notes"),
        Float("lat"),
        Float("lng"),
        Text("billing_info"),
    ],
    relationships=[tags_relationship()],
    # Addresses have no natural key: imports match them by `reference` when given.
    unique_key=("reference",),
    validators=[names_or_company],
    importable=True,
)
