from resources.base import BelongsTo, Resource
from resources.fields import Password, String
from resources.tags import tags_relationship

EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"

resource = Resource(
    "customers",
    attributes=[
        String(
            "email",
            required=True,
            pattern=EMAIL,
            lower=True,
            aliases=("e-mail", "e-mail-adresse", "email address", "mail", "emailadresse"),
        ),
        String("status", writable=False, default="prospect"),
        String("shopper_reference"),
        String("profile_id"),
        String("tax_exemption_code"),
        Password("password"),
    ],
    relationships=[
        BelongsTo(
            "customer_group",
            "customer_groups",
            on_delete="SET NULL",
            inverse="customers",
            codes={"customer_group_code": "code"},
            code_aliases=("customer group", "kundengruppe", "group", "gruppe"),
        ),
        tags_relationship(),
    ],
    unique_key=("email",),
    importable=True,
)
