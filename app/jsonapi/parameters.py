"""Parses and validates a request's query string into a ``QuerySpec``.

Strict on purpose: an unknown parameter, sort field, include path or fieldset type is a 400
naming the parameter, so a typo never silently returns the wrong data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.datastructures import QueryParams

from core.errors import BadRequest, InvalidSort, ParameterNotAllowed
from query.includes import parse_include
from resources import REGISTRY
from resources.base import Resource

MAX_PAGE_NUMBER = 2**31 - 1  # keeps the offset within the databases' integers
FILTER_RE = re.compile(r"^filter\[(?:q\]\[)?([^\[\]]+)\]$")
FIELDS_RE = re.compile(r"^fields\[([^\[\]]+)\]$")


@dataclass
class QuerySpec:
    include: list[tuple[str, ...]] = field(default_factory=list)
    fields: dict[str, set[str]] = field(default_factory=dict)
    filters: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, parameter)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    page_number: int = 1
    page_size: int = 10
    raw: list[tuple[str, str]] = field(default_factory=list)


def parse(
    params: QueryParams,
    resource: Resource,
    *,
    collection: bool,
    page_size_default: int = 10,
    page_size_max: int = 25,
) -> QuerySpec:
    spec = QuerySpec(page_size=page_size_default, raw=list(params.multi_items()))
    for name, value in params.multi_items():
        if name == "include":
            spec.include = parse_include(resource, value)
        elif m := FIELDS_RE.match(name):
            type_ = m.group(1)
            if type_ not in REGISTRY:
                raise BadRequest(f"{type_} is not a resource type", parameter=name)
            spec.fields[type_] = parse_fields(REGISTRY[type_], value, name)
        elif collection and (m := FILTER_RE.match(name)):
            spec.filters.append((m.group(1), value, name))
        elif collection and name == "sort":
            spec.sort = parse_sort(resource, value)
        elif collection and name == "page[number]":
            spec.page_number = _positive(name, value)
        elif collection and name == "page[size]":
            spec.page_size = _positive(name, value)
            if spec.page_size > page_size_max:
                raise BadRequest(
                    f"page[size] must be at most {page_size_max}", parameter="page[size]"
                )
        else:
            raise ParameterNotAllowed(f"{name} is not allowed", parameter=name)
    return spec


def _positive(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE_NUMBER:
        raise BadRequest(
            f"{name} must be a positive integer up to {MAX_PAGE_NUMBER}", parameter=name
        )
    return int(value)


def parse_fields(resource: Resource, value: str, name: str) -> set[str]:
    names = {f.strip() for f in value.split(",") if f.strip()}
    unknown = names - set(resource.attributes) - set(resource.relationships)
    if unknown:
        raise BadRequest(
            f"{', '.join(sorted(unknown))} not a field of {resource.type}", parameter=name
        )
    return names


def parse_sort(resource: Resource, value: str) -> list[tuple[str, bool]]:
    out = []
    for item in filter(None, (s.strip() for s in value.split(","))):
        desc = item.startswith("-")
        name = item.lstrip("-")
        attr = resource.attributes.get(name)
        stored = name in resource.table.c
        if name != "id" and (attr is None or not attr.sortable or not stored):
            raise InvalidSort(f"{name} is not a valid sort criteria", parameter="sort")
        out.append((name, desc))
    return out
