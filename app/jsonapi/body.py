"""Reads a JSON:API request document into a ``Draft`` for the record service."""

from __future__ import annotations

from typing import Any

from core.errors import BadRequest, Conflict, Forbidden
from records.draft import Draft
from records.validation import coerce_attributes
from resources.base import BelongsTo, ManyToMany, Resource


def _identifier(value: Any, target: Resource, pointer: str) -> str:
    """The id of a resource identifier of ``target`` (of any of its family's types)."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise BadRequest("A resource identifier needs a string id and a type", pointer=pointer)
    if "\x00" in value["id"]:  # no record has one, and PostgreSQL cannot even compare it
        raise BadRequest(
            "A resource identifier's id must not contain NUL (\\u0000)", pointer=pointer
        )
    if value.get("type") not in target.family_types:
        expected = target.type
        if target.members:
            concrete = ", ".join(sorted(m.type for m in target.members.values()))
            expected += f" or one of its concrete types ({concrete})"
        raise Conflict(f"Type must be {expected}, got {value.get('type')!r}", pointer=pointer)
    return value["id"]


def linkage_ids(rel: Any, data: Any, pointer: str) -> str | list[str] | None:
    """A relationship's `data` member -> id, None or list of ids, checked against its type."""
    if rel.many:
        if not isinstance(data, list):
            raise BadRequest(f"{rel.name} takes an array of resource identifiers", pointer=pointer)
        return [_identifier(v, rel.target, f"{pointer}/{i}") for i, v in enumerate(data)]
    if data is None:
        return None
    return _identifier(data, rel.target, pointer)


def read_draft(
    resource: Resource, doc: dict[str, Any], existing: dict[str, Any] | None = None
) -> Draft:
    data = doc.get("data")
    if not isinstance(data, dict):
        raise BadRequest("The document needs a data object", pointer="/data")
    if not isinstance(data.get("type"), str):
        raise BadRequest("A resource object needs a type", pointer="/data/type")
    if data["type"] != resource.type:
        raise Conflict(
            f"data.type must be {resource.type}, got {data.get('type')!r}", pointer="/data/type"
        )
    if existing is None and "id" in data:
        raise Forbidden("Client-generated ids are not supported", pointer="/data/id")
    if existing is not None and not isinstance(data.get("id"), str):
        raise BadRequest("A resource object to update needs its id", pointer="/data/id")
    if existing is not None and data["id"] != existing["id"]:
        raise Conflict("data.id must match the id in the URL", pointer="/data/id")
    attributes = data.get("attributes", {})
    relationships = data.get("relationships", {})
    if not isinstance(attributes, dict):
        raise BadRequest("attributes must be an object", pointer="/data/attributes")
    if not isinstance(relationships, dict):
        raise BadRequest("relationships must be an object", pointer="/data/relationships")

    values, errors, unknown = coerce_attributes(resource, attributes)
    _refuse_unknown(resource, values, unknown, existing)
    draft = Draft(values=values, existing=existing, errors=errors)
    for name, obj in relationships.items():
        pointer = f"/data/relationships/{name}"
        rel = resource.relationships.get(name)
        if rel is None or not rel.writable:
            raise BadRequest(
                f"{name} is not a writable relationship of {resource.type}",
                title="Param not allowed",
                pointer=pointer,
            )
        if not isinstance(obj, dict) or "data" not in obj:
            raise BadRequest(f"{name} needs a data member", pointer=pointer)
        ids = linkage_ids(rel, obj["data"], f"{pointer}/data")
        if isinstance(rel, BelongsTo):
            draft.values[rel.column] = ids
            if ids is not None and rel.target.members:
                draft.linked_types[name] = obj["data"]["type"]
            for key in rel.codes:  # the id wins over a code given beside it
                draft.values.pop(key, None)
        elif isinstance(rel, ManyToMany):
            draft.links[name] = ids  # type: ignore[assignment]
    return draft  # type errors travel on the draft: validation adds the rest, Rails style


def form_draft(resource: Resource, fields: dict[str, str]) -> Draft:
    """A new record's draft from form fields: text, coerced by declared type ('' not given)."""
    values, errors, unknown = coerce_attributes(resource, fields, text=True)
    _refuse_unknown(resource, values, unknown, None)
    return Draft(values=values, errors=errors)


def _refuse_unknown(
    resource: Resource, values: dict[str, Any], unknown: list[str], existing: Any
) -> None:
    if existing is not None:
        unknown += [n for n in values if resource.attributes[n].create_only]
    else:
        unknown += [n for n in values if resource.attributes[n].update_only]
    if unknown:
        name = sorted(unknown)[0]
        raise BadRequest(
            f"{name} is not a permitted attribute of {resource.type}",
            title="Param not allowed",
            pointer=f"/data/attributes/{name}",
        )
