"""The components of each type, added as operations first refer to them: its resource object,
request documents, filters, include and sort parameters, upload form and responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.jsonapi.idempotency import REPLAYED
from app.jsonapi.uploads import FILE, SHEET
from app.jsonapi.waiting import APPLIED
from app.openapi import shared
from app.openapi.shared import content, headers, ref
from app.openapi.values import described, nullable, value_schema
from query.filtering import MODIFIERS, filterable
from query.includes import MAX_INCLUDE_DEPTH
from records.validation import READ_ONLY
from resources.base import BelongsTo, HasMany, ManyToMany, Relationship, Resource
from resources.fields import Attr

Choices = Mapping[tuple[str, str], Sequence[str]]  # (type, attribute) -> values (resources)
MODES = ("live", "test")
# A nested include path: two or more relationship names, up to the deepest allowed.
DOTTED = rf"^[a-z_]+(\.[a-z_]+){{1,{MAX_INCLUDE_DEPTH - 1}}}$"


def _shown(resource: Resource, attr: Attr) -> bool:
    """Whether records show ``attr``: a stored or computed value, or one its table holds
    under its name (a relationship's id column, `import_profile_id`), as
    `app/jsonapi/compiled` renders them; never triggers or secrets (password hashes)."""
    if attr.secret:
        return False
    return bool(attr.column or attr.compute or attr.name in resource.table.c)


def _filter_example(resource: Resource) -> dict[str, str]:
    """A filter on the type's first text attribute (`code_start`), else on ids."""
    for name, predicates in filterable(resource).items():
        if name != "id" and "start" in predicates:
            return {f"{name}_start": "A"}
    return {"id_in": "aBcDeFgHiJ,kLmNoPqRsT"}


class Components:
    """The document's `components`, each type's added once, on first use."""

    def __init__(self, choices: Choices, parameters: dict[str, Any]) -> None:
        self.choices = choices
        self.schemas: dict[str, Any] = dict(shared.SCHEMAS)
        self.responses: dict[str, Any] = shared.error_responses()
        self.responses["no_content"] = {"description": "Done.", "headers": headers()}
        self.parameters = parameters

    def as_dict(self, security: dict[str, Any]) -> dict[str, Any]:
        return {
            "schemas": dict(sorted(self.schemas.items())),
            "responses": self.responses,
            "parameters": dict(sorted(self.parameters.items())),
            "headers": shared.HEADERS,
            "securitySchemes": security,
        }

    def _once(self, section: str, name: str, build: Any) -> dict[str, str]:
        """A reference to ``section``'s component ``name``, built the first time."""
        built = getattr(self, section)
        if name not in built:
            built[name] = build()
        return ref(section, name)

    # -- schemas ---------------------------------------------------------------------------------
    def _value(self, resource: Resource, attr: Attr) -> dict[str, Any]:
        return value_schema(attr, self.choices.get((resource.type, attr.name)))

    def _property(self, resource: Resource, attr: Attr, *, null: bool = True) -> dict[str, Any]:
        schema = self._value(resource, attr)
        schema = nullable(schema) if null else schema
        note = described(attr, _shown(resource, attr))
        return {**schema, "description": note} if note else schema

    def resource(self, resource: Resource) -> dict[str, str]:
        """The resource object a record of ``resource`` is shown as."""
        return self._once("schemas", resource.type, lambda: self._resource(resource))

    def _resource(self, resource: Resource) -> dict[str, Any]:
        attributes = {}
        for attr in resource.attributes.values():
            if not _shown(resource, attr):
                continue  # triggers, write-only attributes, secrets
            prop = self._property(resource, attr)
            attributes[attr.name] = {**prop, "readOnly": True} if not attr.writable else prop
        relationships = {
            name: ref("schemas", "to_many" if rel.many else "to_one")
            for name, rel in resource.relationships.items()
        }
        kind: dict[str, Any] = {"const": resource.type}
        description = None
        if resource.members:
            kind = {"enum": sorted(resource.family_types)}
            concrete = ", ".join(sorted(m.type for m in resource.members.values()))
            description = f"Each record shows as its concrete type: {concrete}."
        schema: dict[str, Any] = {
            "type": "object",
            "required": ["id", "type", "links", "attributes", "meta"],
            "properties": {
                "id": {"type": "string"},
                "type": {"type": "string", **kind},
                "links": ref("schemas", "links"),
                "attributes": {"type": "object", "properties": attributes},
                "relationships": {"type": "object", "properties": relationships},
                "meta": {
                    "type": "object",
                    "properties": {"mode": {"type": "string", "enum": list(MODES)}},
                },
            },
        }
        return {"description": description, **schema} if description else schema

    @staticmethod
    def _document(data: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": data,
                "included": {"type": "array", "items": ref("schemas", "resource")},
                "links": ref("schemas", "links"),
            },
        }

    def document(self, resource: Resource, maybe: bool = False) -> dict[str, str]:
        """One record's document (``maybe``: or none, a to-one relationship's)."""
        name = f"{resource.type}.{'maybe' if maybe else 'document'}"
        data = self.resource(resource)
        shape = {"anyOf": [data, {"type": "null"}]} if maybe else data
        return self._once("schemas", name, lambda: self._document(shape))

    def list_document(self, resource: Resource) -> dict[str, str]:
        def build() -> dict[str, Any]:
            doc = self._document({"type": "array", "items": self.resource(resource)})
            doc["required"] = ["data", "meta", "links"]
            doc["properties"]["meta"] = ref("schemas", "list_meta")
            return doc

        return self._once("schemas", f"{resource.type}.list", build)

    def _written(self, resource: Resource, update: bool) -> list[Attr]:
        return [
            attr
            for name, attr in resource.attributes.items()
            if attr.writable
            and name not in READ_ONLY
            and not (attr.create_only if update else attr.update_only)
        ]

    def linkage_in(self, rel: Relationship) -> dict[str, Any]:
        identifier = {
            "type": "object",
            "required": ["type", "id"],
            "properties": {
                "type": {"type": "string", "enum": sorted(rel.target.family_types)},
                "id": {"type": "string"},
            },
        }
        if rel.many:
            return {"type": "array", "items": identifier}
        return {"anyOf": [identifier, {"type": "null"}]}

    def linkage_request(self, rel: Relationship) -> dict[str, str]:
        """The document that changes a relationship's linkage (to ``rel``'s target type)."""

        def build() -> dict[str, Any]:
            data = self.linkage_in(rel)
            return {"type": "object", "required": ["data"], "properties": {"data": data}}

        many = "many" if rel.many else "one"
        return self._once("schemas", f"{rel.target.type}.linkage_{many}", build)

    def written_relationships(self, resource: Resource) -> list[Relationship]:
        return [
            rel
            for rel in resource.relationships.values()
            if rel.writable and not isinstance(rel, HasMany)
        ]

    def request(self, resource: Resource, update: bool) -> dict[str, str]:
        """The document that creates (or updates) a record."""
        name = f"{resource.type}.{'update' if update else 'create'}"
        return self._once("schemas", name, lambda: self._request(resource, update))

    def _request(self, resource: Resource, update: bool) -> dict[str, Any]:
        attrs = self._written(resource, update)
        properties = {
            a.name: self._property(resource, a, null=not (a.required and not update)) for a in attrs
        }
        for a in attrs:
            if a.alias:
                properties[a.alias] = {**properties[a.name], "description": f"`{a.name}`."}
        # Closed: the server refuses an attribute or relationship it does not take (400).
        attributes: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        required = [] if update else [a.name for a in attrs if a.required and a.default is None]
        if required:
            attributes["required"] = required
        relationships = {
            rel.name: {
                "type": "object",
                "required": ["data"],
                "properties": {"data": self.linkage_in(rel)},
                **self._relationship_note(rel),
            }
            for rel in self.written_relationships(resource)
        }
        data: dict[str, Any] = {
            "type": "object",
            "required": ["type", "id"] if update else ["type"],
            "properties": {
                "type": {"type": "string", "const": resource.type},
                "attributes": attributes,
                "relationships": {
                    "type": "object",
                    "properties": relationships,
                    "additionalProperties": False,
                },
            },
        }
        if update:
            data["properties"]["id"] = {"type": "string"}
        elif required:
            data["required"].append("attributes")
        return {"type": "object", "required": ["data"], "properties": {"data": data}}

    @staticmethod
    def _relationship_note(rel: Relationship) -> dict[str, str]:
        notes = []
        if isinstance(rel, BelongsTo):
            if rel.required is True:
                notes.append("Required.")
            elif callable(rel.required):
                notes.append("Required in some cases (the type's rules say which).")
            if rel.codes:
                keys = ", ".join(f"`{key}`" for key in rel.codes)
                notes.append(f"Or name it by the attribute {keys} instead.")
        elif isinstance(rel, ManyToMany) and rel.max_count:
            notes.append(f"At most {rel.max_count}.")
        return {"description": " ".join(notes)} if notes else {}

    def form(self, resource: Resource) -> dict[str, str]:
        """The `multipart/form-data` create: the file and the attributes as form fields."""

        def build() -> dict[str, Any]:
            fields: dict[str, Any] = {
                FILE: {
                    "type": "string",
                    "format": "binary",
                    "contentMediaType": "application/octet-stream",
                    "description": "The file: CSV, TSV, XLSX, XLS, JSON or NDJSON.",
                },
                SHEET: {"type": "string", "description": "The workbook's sheet to read."},
            }
            for attr in self._written(resource, update=False):
                schema = self._value(resource, attr)
                if schema.get("type") not in ("string", "integer", "number", "boolean"):
                    schema = {"type": "string", "description": "JSON text (lists: or commas)."}
                fields[attr.name] = schema
            required = [
                a.name for a in self._written(resource, False) if a.required and a.default is None
            ]
            return {"type": "object", "required": [FILE, *required], "properties": fields}

        return self._once("schemas", f"{resource.type}.form", build)

    def filters(self, resource: Resource) -> dict[str, str]:
        return self._once("schemas", f"{resource.type}.filters", lambda: self._filters(resource))

    def _filters(self, resource: Resource) -> dict[str, Any]:
        """One pattern per group of attributes taking the same predicates (their kind), e.g.
        `^(code|name|...)_(blank|cont|...)(_any|_all|_or_null)?$`: exact, where listing every
        name would be some 12,000 properties over the registry."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for name, predicates in filterable(resource).items():
            groups.setdefault(tuple(sorted(predicates)), []).append(name)
        modifiers = "|".join(m.removeprefix("_") for m in MODIFIERS)
        patterns = {
            f"^({'|'.join(names)})_({'|'.join(predicates)})(_({modifiers}))?$": {"type": "string"}
            for predicates, names in groups.items()
        }
        return {
            "type": "object",
            "description": "Ransack predicates, `filter[q][<attribute>_<predicate>]=<value>` "
            "(or `filter[<attribute>_<predicate>]`): the patterns list those of this type's "
            "own attributes, by the predicates each takes. A predicate may end with `_any` or "
            "`_all` (comma-separated values, any or all of them) or `_or_null`; `in` and "
            "`not_in` take comma-separated values; `null`, `not_null`, `present`, `blank`, "
            "`true` and `false` take `true` or `false`; `jcont` takes a JSON object the value "
            "contains. An attribute of a "
            "related record is named through the relationship "
            "(`<relationship>_<attribute>_<predicate>`, up to three hops), and attributes "
            "joined by `_or_` match either.",
            "patternProperties": patterns,
            "additionalProperties": {"type": "string"},
        }

    # -- parameters ------------------------------------------------------------------------------
    def filter_parameter(self, resource: Resource) -> dict[str, str]:
        def build() -> dict[str, Any]:
            return {
                "name": "filter",
                "in": "query",
                "style": "deepObject",
                "explode": True,
                "description": f"Filters on {resource.type}: `filter[q][<attribute>_<predicate>]`"
                " (or, as this form sends them, `filter[<attribute>_<predicate>]`), e.g. "
                "`filter[q][created_at_gt]=2026-01-01`.",
                "schema": self.filters(resource),
                "example": _filter_example(resource),
            }

        return self._once("parameters", f"{resource.type}.filter", build)

    def sort_parameter(self, resource: Resource) -> dict[str, str]:
        def build() -> dict[str, Any]:
            names = ["id"] + [
                n for n, a in resource.attributes.items() if a.sortable and n in resource.table.c
            ]
            return {
                "name": "sort",
                "in": "query",
                "style": "form",
                "explode": False,
                "description": "Sort criteria, comma-separated, a leading `-` for descending.",
                "schema": {
                    "type": "array",
                    "items": {"type": "string", "enum": [s + n for n in names for s in ("", "-")]},
                },
            }

        return self._once("parameters", f"{resource.type}.sort", build)

    def include_parameter(self, resource: Resource) -> dict[str, str] | None:
        if not resource.relationships:
            return None

        def build() -> dict[str, Any]:
            names = sorted(resource.relationships)
            return {
                "name": "include",
                "in": "query",
                "style": "form",
                "explode": False,
                "description": "Related records to include, comma-separated: "
                f"{', '.join(names)}; paths go up to {MAX_INCLUDE_DEPTH} relationships deep "
                "(`a.b.c`).",
                "schema": {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "string", "enum": names},
                            {"type": "string", "pattern": DOTTED},
                        ]
                    },
                },
            }

        return self._once("parameters", f"{resource.type}.include", build)

    # -- responses -------------------------------------------------------------------------------
    def one_response(self, resource: Resource, maybe: bool = False) -> dict[str, str]:
        def build() -> dict[str, Any]:
            return {
                "description": f"The {resource.type} record" + (" (or null)." if maybe else "."),
                "headers": headers(),
                "content": content(self.document(resource, maybe)),
            }

        return self._once("responses", f"{resource.type}.{'maybe' if maybe else 'one'}", build)

    def list_response(self, resource: Resource) -> dict[str, str]:
        def build() -> dict[str, Any]:
            return {
                "description": f"A page of {resource.type} records.",
                "headers": headers(),
                "content": content(self.list_document(resource)),
            }

        return self._once("responses", f"{resource.type}.list", build)

    def created_response(self, resource: Resource, idempotent: bool, waits: bool):
        def build() -> dict[str, Any]:
            extra = ["Location"] + ([REPLAYED] if idempotent else []) + ([APPLIED] if waits else [])
            return {
                "description": f"The {resource.type} record created.",
                "headers": headers(*extra),
                "content": content(self.document(resource)),
            }

        return self._once("responses", f"{resource.type}.created", build)
