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
        String("first_name", aliases=("vorname", "first name", "given name")),
        String("last_name", aliases=("nachname", "last name", "surname", "family name")),
        String("company", aliases=("firma", "unternehmen", "company name")),
        String(
            "line_1",
            required=True,
            aliases=("straße", "strasse", "street", "address", "adresse", "address line 1"),
        ),
        String("line_2", aliases=("adresszusatz", "address line 2", "zusatz")),
        String("city", required=True, aliases=("ort", "stadt", "town")),
        String("zip_code", aliases=("plz", "postleitzahl", "zip", "postal code", "postcode")),
        String("state_code", aliases=("bundesland", "state", "region")),
        String(
            "country_code",
            required=True,
            pattern=r"[A-Za-z]{2}",
            aliases=("land", "country", "länderkennzeichen"),
        ),
        String(
            "phone",
            required=True,
            aliases=("telefon", "tel", "telephone", "phone number", "telefonnummer"),
        ),
        String("email", aliases=("e-mail", "mail", "email address")),
        Text("notes", aliases=("notizen", "bemerkung", "anmerkungen")),
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
