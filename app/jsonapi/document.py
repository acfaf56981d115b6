"""Renders rows as JSON:API resource objects with absolute links and linkage.

Resource objects come out encoded (``Encoded``, see app/jsonapi/compiled.py): documents hold
them as they are and ``JsonApiResponse`` splices them into the response body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from app.jsonapi.compiled import RowRenderer, compile_renderer, segment
from app.jsonapi.encoding import Encoded, dumps, escaped
from resources.base import Resource

Linkage = Mapping[tuple[str, str], dict[str, Any]]  # (type, id) -> relationship name -> data


@dataclass
class Renderer:
    base: str  # absolute base URL, no trailing slash
    mode: str = "live"
    fields: dict[str, set[str]] = field(default_factory=dict)
    settings: Any = None  # for attributes computed per read, e.g. signed attachment URLs
    revealed: dict[str, dict[str, Any]] = field(default_factory=dict)  # see core.unit.Unit

    def url(self, *parts: str, query: list[tuple[str, str]] | None = None) -> str:
        link = f"{self.base}/api/{'/'.join(map(segment, parts))}"
        return f"{link}?{urlencode(query)}" if query else link

    def _plan(self, resource: Resource) -> tuple[RowRenderer, bytes, bytes]:
        """The compiled renderer of ``resource`` for this request's sparse fieldset, and what it
        is given besides rows: the type's URL prefix and the `meta` object, both encoded."""
        wanted = self.fields.get(resource.type)
        render = compile_renderer(resource, None if wanted is None else frozenset(wanted))
        prefix = escaped(f"{self.base}/api/{segment(resource.type)}/")
        return render, prefix, dumps({"mode": self.mode})

    def resource_object(
        self, resource: Resource, row: dict[str, Any], linkage: dict[str, Any] | None = None
    ) -> Encoded:
        render, prefix, meta = self._plan(resource.member_for(row))
        return render(row, linkage, prefix, meta, self)

    def resource_objects(
        self, resource: Resource, rows: Iterable[dict[str, Any]], linkage: Linkage
    ) -> list[Encoded]:
        """``resource_object`` of each row, with each row's linkage from ``linkage``; a row of
        a family's umbrella renders as its concrete type."""
        type_, get = resource.type, linkage.get
        if resource.members:
            plans: dict[str, tuple[RowRenderer, bytes, bytes]] = {}
            out = []
            for row in rows:
                render, prefix, meta = self._member_plan(plans, resource.member_for(row))
                out.append(render(row, get((type_, row["id"])), prefix, meta, self))
            return out
        render, prefix, meta = self._plan(resource)
        return [render(row, get((type_, row["id"])), prefix, meta, self) for row in rows]

    def _member_plan(
        self, plans: dict[str, tuple[RowRenderer, bytes, bytes]], resource: Resource
    ) -> tuple[RowRenderer, bytes, bytes]:
        plan = plans.get(resource.type)
        if plan is None:
            plan = plans[resource.type] = self._plan(resource)
        return plan

    def included_objects(
        self, included: Mapping[tuple[str, str], tuple[Resource, dict[str, Any]]], linkage: Linkage
    ) -> list[Encoded]:
        """The resource objects of an include loader's ``included`` (of any types), in order."""
        plans: dict[str, tuple[RowRenderer, bytes, bytes]] = {}
        out = []
        for key, (resource, row) in included.items():
            render, prefix, meta = self._member_plan(plans, resource.member_for(row))
            out.append(render(row, linkage.get(key), prefix, meta, self))
        return out
