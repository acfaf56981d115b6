"""What a delivery POSTs: the record's JSON:API document as GET shows it, with the webhook's
`include_resources`; a destroyed record's carries its type and id only.

Rendered here, below the HTTP layer, because workers never load it: the same attributes and
relationships a read shows (``shown``), links under BULKPORT_PUBLIC_URL. Records are rendered
when delivered, so an import's chunk only queues them (records/events.py).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from core.settings import Settings
from core.tenancy import Scope
from query.includes import IncludeLoader, include_tree, row_dicts
from resources.base import Resource

LOCAL_URL = "http://localhost:8080"  # links without BULKPORT_PUBLIC_URL (`bulkport serve`)


def destroyed(resource_type: str, record_id: str) -> dict[str, Any]:
    return {"data": {"id": record_id, "type": resource_type}}


def document(
    scope: Scope, settings: Settings, resource: Resource, record_id: str, include: list[str]
) -> dict[str, Any] | None:
    """The record's document, or None when it is gone (deleted since the event)."""
    table = resource.table
    rows = row_dicts(scope.execute(scope.select(table).where(table.c.id == record_id)))
    if not rows:
        return None
    loader = IncludeLoader(scope, {(resource.type, record_id)})
    paths = [tuple(path.split(".")) for path in include]
    if paths:
        loader.load(resource, rows, include_tree(paths))
    render = _Objects(settings)
    doc: dict[str, Any] = {"data": render(resource, rows[0], loader.linkage)}
    if paths:
        doc["included"] = [render(r, row, loader.linkage) for r, row in loader.included.values()]
    return doc


class _Objects:
    def __init__(self, settings: Settings) -> None:
        self.base = settings.public_url or LOCAL_URL
        # What computed attributes are given (`attachment_url` signs with the settings).
        self.renderer = SimpleNamespace(base=self.base, settings=settings, revealed={})

    def __call__(self, resource: Resource, row: dict[str, Any], linkage: Any) -> dict[str, Any]:
        url = f"{self.base}/api/{resource.type}/{row['id']}"
        attributes = {}
        for name, attr in resource.attributes.items():
            if attr.secret or attr.hidden:
                continue
            if attr.compute is not None:
                attributes[name] = attr.compute(row, self.renderer)
            elif attr.column:
                value = row.get(name)
                attributes[name] = None if value is None else attr.render(value)
        links = linkage.get((resource.type, row["id"]), {})
        relationships = {}
        for name in resource.relationships:
            rel: dict[str, Any] = {
                "links": {"self": f"{url}/relationships/{name}", "related": f"{url}/{name}"}
            }
            if name in links:
                rel["data"] = links[name]
            relationships[name] = rel
        obj = {"id": row["id"], "type": resource.type, "links": {"self": url},
               "attributes": attributes}  # fmt: skip
        if relationships:
            obj["relationships"] = relationships
        obj["meta"] = {"mode": "live"}
        return obj
