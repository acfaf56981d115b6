"""Records as export items: the same keys the importer reads, so a file goes back in.

Attributes by their import names (aliases such as price tiers' `type`), relationships as
`<rel>_id` plus the code keys the importer accepts (`sku_code`), tags as names, included
children nested as arrays (to-many) or objects (to-one). `dry_data` drops ids, timestamps and
blanks, which is what makes a file importable into another organization.
"""

from __future__ import annotations

from typing import Any

from app.jsonapi.includes import IncludeLoader
from resources.base import BelongsTo, ManyToMany, Resource

TIMESTAMPS = ("created_at", "updated_at")


class Nested(dict):
    """An included to-one record (CSV writes it as dotted columns, not as a JSON cell)."""


def blank(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


class Shaper:
    def __init__(self, loader: IncludeLoader, dry: bool, fields: list[str] | None) -> None:
        self.loader = loader
        self.dry = dry
        self.fields = set(fields) if fields and "*" not in fields else None

    def rows(self, resource: Resource, rows: list[dict], tree: dict[str, dict]) -> list[dict]:
        """Shapes a page of rows, loading its includes (and tags) in one query per level."""
        children: dict[str, list[dict]] = {}
        for name, subtree in tree.items():
            related = self.loader.related_rows(resource.relationships[name], rows)
            target = resource.relationships[name].target
            shaped = self.rows(target, related, subtree)
            children[name] = dict(zip([r["id"] for r in related], shaped, strict=True))
        tag_names = self._tag_names(resource, rows) if "tags" not in tree else {}
        out = []
        for row in rows:
            item = self.one(resource, row, tag_names.get(row["id"]))
            for name in tree:
                rel = resource.relationships[name]
                linkage = self.loader.linkage[(resource.type, row["id"])].get(name)
                if rel.many:
                    value = [children[name][i["id"]] for i in linkage or []]
                    if isinstance(rel, ManyToMany):  # tags go out as names, like they come in
                        value = sorted(v["name"] for v in value)
                    elif self.dry:  # ids differ between organizations: order by key instead
                        value.sort(key=sort_key(rel.target))
                else:
                    value = Nested(children[name][linkage["id"]]) if linkage else None
                if not (self.dry and blank(value)):
                    item[name] = value
            out.append(item)
        return out

    def one(self, resource: Resource, row: dict, tags: list[str] | None) -> dict[str, Any]:
        item: dict[str, Any] = {} if self.dry else {"id": row["id"]}
        for name, attr in resource.attributes.items():
            if not attr.column or attr.secret or (self.dry and name in TIMESTAMPS):
                continue
            if self.fields is not None and name not in self.fields:
                continue
            value = attr.render(row.get(name))
            if not (self.dry and blank(value)):
                item[attr.alias or name] = value
        if not self.dry:
            for rel in resource.belongs_to:
                item[rel.column] = row.get(rel.column)
        if tags:
            item["tags"] = tags
        return item

    def _tag_names(self, resource: Resource, rows: list[dict]) -> dict[str, list[str]]:
        rel = resource.relationships.get("tags")
        if not isinstance(rel, ManyToMany) or not rows:
            return {}
        related = self.loader.related_rows(rel, rows)
        names = {r["id"]: r["name"] for r in related}
        return {
            row["id"]: sorted(
                names[i["id"]] for i in self.loader.linkage[(resource.type, row["id"])]["tags"]
            )
            for row in rows
        }


def sort_key(resource: Resource):
    names = [resource.attributes[c].alias or c if c in resource.attributes else c
             for c in key_order(resource)]  # fmt: skip
    return lambda item: tuple(str(item.get(n) or "") for n in names)


def key_order(resource: Resource) -> list[str]:
    """Columns that order a dry export the same way in every organization: the unique key as
    written (codes for relationships), whatever the ids are."""
    columns = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        if isinstance(rel, BelongsTo):
            columns.append(next(iter(rel.codes), rel.column))
        else:
            columns.append(name)
    return columns
