"""The operations of every route `app/jsonapi/endpoints.resource_routes` builds for a type:

    /api/<type>                          GET list, POST create
    /api/<type>/<id>                     GET, PATCH, DELETE
    /api/<type>/<id>/<rel>               GET the related record(s)
    /api/<type>/<id>/relationships/<rel> GET linkage; PATCH/POST/DELETE where writable
    /api/<type>/<id>/<history type>      GET the record's versions

A method a route always refuses (writes of a read-only type, of a to-many inverse) is listed
with its refusal: the routes serve it, and a client learns why it cannot.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from app.jsonapi.endpoints import fixed_relationship_reason, read_only_reason
from app.openapi.schemas import Components
from app.openapi.shared import content, errors, ref, tagged
from core.errors import MEDIA_TYPE
from resources.base import BelongsTo, Relationship, Resource

MULTIPART = "multipart/form-data"
READ_ERRORS = ("400", "401", "406", "429", "503")
WRITE_ERRORS = ("400", "401", "406", "409", "413", "415", "422", "429", "503")
ITEM = ref("parameters", "id")


@dataclass
class Wiring:
    """What `app/main.py` gives the routes besides the registry: the types whose creation takes
    a file (``uploads``), whose creation honours `Prefer: wait=N` (``waits``), and the type
    whose records are the others' versions (``history``)."""

    uploads: Collection[str] = field(default_factory=set)
    waits: Collection[str] = field(default_factory=set)
    history: Resource | None = None


def _operation(
    resource: Resource, op_id: str, summary: str, responses: dict[str, Any], **more: Any
) -> dict[str, Any]:
    description = more.pop("description", "")
    if resource.integration_only:
        description = f"Integration tokens only. {description}"
    operation = tagged(resource.type, operationId=op_id, summary=summary, **more)
    if description.strip():
        operation["description"] = description.strip()
    operation["responses"] = responses
    return operation


def _refused(resource: Resource, op_id: str, summary: str, why: str) -> dict[str, Any]:
    responses = {"403": ref("responses", "403"), **errors("401", "404")}
    return _operation(
        resource, op_id, f"{summary} (always refused)", responses, description=f"Refused: {why}."
    )


class Paths:
    def __init__(self, components: Components, wiring: Wiring) -> None:
        self.c = components
        self.wiring = wiring
        self.paths: dict[str, Any] = {}
        self.c.responses["linkage.one"] = self._linkage_response(many=False)
        self.c.responses["linkage.many"] = self._linkage_response(many=True)

    @staticmethod
    def _linkage_response(many: bool) -> dict[str, Any]:
        data = (
            {"type": "array", "items": ref("schemas", "identifier")}
            if many
            else {"anyOf": [ref("schemas", "identifier"), {"type": "null"}]}
        )
        schema = {
            "type": "object",
            "required": ["data", "links"],
            "properties": {"data": data, "links": ref("schemas", "links")},
        }
        return {"description": "The relationship's linkage.", "content": content(schema)}

    def _path(self, path: str, item: bool, **operations: Any) -> None:
        if item:  # on each operation: Swagger UI shows a path's own parameters poorly
            for operation in operations.values():
                operation["parameters"] = [ITEM, *operation.get("parameters", ())]
        self.paths[path] = operations

    def _reading(self, resource: Resource, many: bool) -> list[dict[str, str]]:
        """The query parameters of a read of ``resource``'s records."""
        found = []
        if many:
            found += [self.c.filter_parameter(resource), self.c.sort_parameter(resource)]
        include = self.c.include_parameter(resource)
        found += [include] if include else []
        found.append(ref("parameters", "fields"))
        if many:
            found += [ref("parameters", "page_number"), ref("parameters", "page_size")]
        return found

    def add(self, resource: Resource) -> None:
        base = f"/api/{resource.type}"
        history = self.wiring.history
        if history is not None and resource.versioned:
            self._path(f"{base}/{{id}}/{history.type}", True, get=self._history(resource, history))
        self._path(base, False, get=self._list(resource), post=self._create(resource))
        self._path(f"{base}/{{id}}", True, **self._item(resource))
        for rel in resource.relationships.values():
            self._path(f"{base}/{{id}}/relationships/{rel.name}", True, **self._linkage(rel))
            self._path(f"{base}/{{id}}/{rel.name}", True, get=self._related(rel))

    # -- the type's own routes -------------------------------------------------------------------
    def _list(self, resource: Resource) -> dict[str, Any]:
        responses = {"200": self.c.list_response(resource), **errors(*READ_ERRORS)}
        return _operation(
            resource, f"{resource.type}.list", "List records", responses,
            parameters=self._reading(resource, many=True),
        )  # fmt: skip

    def _create(self, resource: Resource) -> dict[str, Any]:
        t = resource.type
        why = read_only_reason(resource)
        if why:
            return _refused(resource, f"{t}.create", "Create a record", why)
        waits = t in self.wiring.waits
        parameters = self._reading(resource, many=False)
        if resource.idempotent:
            parameters.append(ref("parameters", "idempotency_key"))
        if waits:
            parameters.append(ref("parameters", "prefer"))
        body = content(self.c.request(resource, update=False))
        description = ""
        if t in self.wiring.uploads:
            body.update(content(self.c.form(resource), MULTIPART))
            description = (
                f"Also as `{MULTIPART}`: the file in the `file` field, the attributes as "
                "form fields (text, as CSV cells are read). "
            )
        responses = {
            "201": self.c.created_response(resource, resource.idempotent, waits),
            **errors(*WRITE_ERRORS),
        }
        return _operation(
            resource, f"{t}.create", "Create a record", responses, parameters=parameters,
            requestBody={"required": True, "content": body}, description=description,
        )  # fmt: skip

    def _item(self, resource: Resource) -> dict[str, Any]:
        t = resource.type
        one = self.c.one_response(resource)
        show = _operation(
            resource, f"{t}.show", "Show a record",
            {"200": one, **errors("404", *READ_ERRORS)},
            parameters=self._reading(resource, many=False),
        )  # fmt: skip
        why = read_only_reason(resource)
        if why:
            return {
                "get": show,
                "patch": _refused(resource, f"{t}.update", "Update a record", why),
                "delete": _refused(resource, f"{t}.delete", "Delete a record", why),
            }
        update = _operation(
            resource, f"{t}.update", "Update a record",
            {"200": one, **errors("404", *WRITE_ERRORS)},
            parameters=self._reading(resource, many=False),
            requestBody={
                "required": True, "content": content(self.c.request(resource, update=True))
            },
        )  # fmt: skip
        delete = _operation(
            resource, f"{t}.delete", "Delete a record",
            {"204": ref("responses", "no_content"), **errors("401", "404", "422", "429", "503")},
            description="422 when records that must not lose it still refer to it.",
        )  # fmt: skip
        return {"get": show, "patch": update, "delete": delete}

    def _history(self, resource: Resource, history: Resource) -> dict[str, Any]:
        responses = {"200": self.c.list_response(history), **errors("404", *READ_ERRORS)}
        operation = _operation(
            resource, f"{resource.type}.{history.type}", "The versions of a record", responses,
            parameters=self._reading(history, many=True),
        )  # fmt: skip
        if history.integration_only:
            operation["description"] = "Integration tokens only."
        return operation

    # -- relationships ---------------------------------------------------------------------------
    def _related(self, rel: Relationship) -> dict[str, Any]:
        owner, target = rel.owner, rel.target
        assert owner is not None
        if isinstance(rel, BelongsTo):
            ok = self.c.one_response(target, maybe=True)
            parameters = self._reading(target, many=False)
        else:
            ok = self.c.list_response(target)
            parameters = self._reading(target, many=True)
        return _operation(
            owner, f"{owner.type}.{rel.name}", f"The record's {rel.name}",
            {"200": ok, **errors("404", *READ_ERRORS)}, parameters=parameters,
        )  # fmt: skip

    def _linkage(self, rel: Relationship) -> dict[str, Any]:
        owner = rel.owner
        assert owner is not None
        prefix, name = f"{owner.type}.{rel.name}.linkage", rel.name
        linkage = ref("responses", "linkage.many" if rel.many else "linkage.one")
        show = _operation(
            owner, prefix, f"The linkage of {name}",
            {"200": linkage, **errors("404", *READ_ERRORS)},
            description="Takes no query parameters.",
        )  # fmt: skip
        verbs = {"patch": "Replace", "post": "Add to", "delete": "Remove from"}
        operations: dict[str, Any] = {"get": show}
        for method, verb in verbs.items():
            op_id, summary = f"{prefix}.{method}", f"{verb} {name}"
            why = read_only_reason(owner) or fixed_relationship_reason(rel, method.upper())
            if why is not None:
                operations[method] = _refused(owner, op_id, summary, why)
                continue
            done = linkage if not rel.many else ref("responses", "no_content")
            operations[method] = _operation(
                owner, op_id, summary,
                {"200" if not rel.many else "204": done, **errors("404", *WRITE_ERRORS)},
                requestBody={
                    "required": True,
                    "content": content(self.c.linkage_request(rel), MEDIA_TYPE),
                },
            )  # fmt: skip
        return operations
