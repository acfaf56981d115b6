"""The records the order, SKU list and bundle fixture files refer to, and `@name` placeholders
for the ids fixtures cannot know (`sku_option_id: "@engraving"`)."""

from __future__ import annotations

import re
from typing import Any

from tests import factories
from tests.imports.helpers import Catalog, fixture

CELL = re.compile(r"(?<![^,\n])@(\w+)(?=[,\r\n]|$)")


class Shop(Catalog):
    """The catalog, two markets (EU, US) and, on request, SKU options and a bundle."""

    def __init__(self, api) -> None:
        super().__init__(api)
        self.eu = factories.market(api, code="EU")
        self.us = factories.market(api, code="US")
        self.ids: dict[str, str] = {}

    def options(self) -> Shop:
        """ "Engraving" and "Gift wrap" of the EU market."""
        for name in ("Engraving", "Gift wrap"):
            row = factories.sku_option(self.api, name, self.eu)
            self.ids[name.lower().replace(" ", "_")] = row["id"]
        return self

    def bundle(self) -> dict:
        """SUMMER-KIT in the US market, of the "Summer Essentials" list."""
        skus = [self.skus["TSHIRT-S"], self.skus["MUG-01"]]
        summer = factories.sku_list(self.api, "Summer Essentials", skus)
        return factories.bundle(self.api, summer, "SUMMER-KIT", self.us)

    def inputs(self, type_: str, name: str, **ids: str) -> Any:
        """A fixture with its `@name` placeholders replaced by ids."""
        ids = {**self.ids, **ids}
        data = fixture(type_, name)
        if isinstance(data, str):  # CSV: whole cells only
            return CELL.sub(lambda m: ids.get(m[1], m[0]), data)
        return substitute(data, ids)


def substitute(value: Any, ids: dict[str, str]) -> Any:
    """JSON: every string value "@name" becomes ids[name]."""
    if isinstance(value, str) and value.startswith("@"):
        return ids.get(value[1:], value)
    if isinstance(value, list):
        return [substitute(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, ids) for k, v in value.items()}
    return value
