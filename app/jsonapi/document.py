"""Renders rows as JSON:API resource objects with absolute links and linkage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from resources.base import BelongsTo, Resource

SAFE = re.compile(r"[A-Za-z0-9_.~-]+")  # path segments that need no percent-encoding


@dataclass
class Renderer:
    base: str  # absolute base URL, no trailing slash
    mode: str = "live"
    fields: dict[str, set[str]] = field(default_factory=dict)
    settings: Any = None  # for attributes computed per read, e.g. signed attachment URLs

    def url(self, *parts: str, query: list[tuple[str, str]] | None = None) -> str:
        path = "/".join(p if SAFE.fullmatch(p) else quote(p, safe="") for p in parts)
        link = f"{self.base}/api/{path}"
        return f"{link}?{urlencode(query)}" if query else link

    def resource_object(
        self, resource: Resource, row: dict[str, Any], linkage: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        wanted = self.fields.get(resource.type)
        attributes = {}
        for name, attr in resource.attributes.items():
            hidden = attr.hidden if wanted is None else name not in wanted
            if attr.secret or hidden:
                continue
            if attr.compute is not None:
                attributes[name] = attr.compute(row, self)
            elif attr.column or name in row:
                attributes[name] = attr.render(row.get(name))
        relationships = {}
        linkage = linkage or {}
        # Links are built by concatenation: quoting each part costs a third of a list request.
        me = self.url(resource.type, row["id"])
        for name, rel in resource.relationships.items():
            if wanted is not None and name not in wanted:
                continue
            obj: dict[str, Any] = {
                "links": {"self": f"{me}/relationships/{name}", "related": f"{me}/{name}"}
            }
            if name in linkage:
                obj["data"] = linkage[name]
            elif isinstance(rel, BelongsTo):
                fk = row.get(rel.column)
                obj["data"] = {"type": rel.target_type, "id": fk} if fk else None
            relationships[name] = obj
        out: dict[str, Any] = {
            "id": row["id"],
            "type": resource.type,
            "links": {"self": me},
            "attributes": attributes,
        }
        if relationships:
            out["relationships"] = relationships
        out["meta"] = {"mode": self.mode}
        return out
