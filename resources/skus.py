from resources.base import BelongsTo, Resource
from resources.fields import Boolean, Float, Integer, String, Text
from resources.tags import tags_relationship

# What files call a SKU's code (German and English): an analysis suggests `code` (`sku_code`).
SKU_CODE_ALIASES = (
    "sku", "artikel", "artikelnummer", "artikel-nr", "art.-nr.", "artnr", "item code",
    "item number", "item no", "product code", "produktnummer", "sku number",
)  # fmt: skip

resource = Resource(
    "skus",
    attributes=[
        String("code", required=True, aliases=SKU_CODE_ALIASES),
        String(
            "name",
            required=True,
            aliases=(
                "bezeichnung",
                "artikelname",
                "title",
                "titel",
                "product name",
                "produktname",
                "item name",
            ),
        ),
        Text("description", aliases=("beschreibung", "details", "langtext", "long description")),
        # The column is a VARCHAR(255): a longer URL is a 422, not a database error.
        String("image_url"),
        Integer(
            "pieces_per_pack",
            minimum=1,
            aliases=(
                "stück pro packung",
                "stueck pro packung",
                "pack size",
                "vpe",
                "packungsgröße",
                "pieces per pack",
                "units per pack",
            ),
        ),
        Float("weight", minimum=0, aliases=("gewicht", "weight kg", "gewicht kg", "kg")),
        String("unit_of_weight", choices=["gr", "lb", "oz"]),
        String("hs_tariff_number"),
        Boolean(
            "do_not_ship",
            default=False,
            aliases=("nicht versenden", "kein versand", "no shipping", "digital"),
        ),
        Boolean("do_not_track", default=False),
    ],
    relationships=[
        # Shippable SKUs need a shipping category (Commerce Layer's dashboard rule).
        BelongsTo(
            "shipping_category",
            "shipping_categories",
            required=lambda sku: not sku.get("do_not_ship"),
            codes={"shipping_category_code": "code"},
            inverse="skus",
            code_aliases=("shipping category", "versandkategorie", "versandart", "versandklasse"),
        ),
        tags_relationship(),
    ],
    unique_key=("code",),
    importable=True,
    cleanable=True,
)


def sku_relationship(inverse: str) -> BelongsTo:
    """The required SKU of a record that belongs to it (prices, stock items...): by id or by
    `sku_code`, deleted with the SKU."""
    return BelongsTo(
        "sku",
        "skus",
        required=True,
        on_delete="CASCADE",
        codes={"sku_code": "code"},
        inverse=inverse,
        code_aliases=SKU_CODE_ALIASES,
    )
