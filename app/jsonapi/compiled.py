"""Resource-object renderers compiled once per type (and sparse fieldset) from its declaration.

A page of 25 SKUs with their prices is 75 resource objects; walking each declaration for every
row (which attributes show, how each renders, which relationships link where), building some
twenty dicts per object and then encoding them cost more than the queries. Here a declaration
becomes one Python function, generated the way ``dataclasses`` generates ``__init__``: what the
declaration fixes (type, attribute names and formatters, relationship names, link suffixes) is
spelled out in it, as JSON text where it can be, so a row costs one dict of attributes, one
``orjson.dumps`` of it and one ``bytes.join``. The result is the resource object already
encoded (``Encoded``): the same JSON, key for key and in the same order, as the dict the
declaration walk built (tests/app/jsonapi/test_compiled.py holds every type to that).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from app.jsonapi.encoding import Encoded, dumps
from resources.base import BelongsTo, Relationship, Resource
from resources.fields import Attr, DateTime, format_datetime

SAFE = re.compile(r"[A-Za-z0-9_.~-]+")  # path segments that need no percent-encoding

# (row, linkage, prefix, meta, renderer) -> the resource object. ``prefix`` is the type's URL
# with a trailing slash (`https://host/api/skus/`) as the inside of a JSON string, ``meta`` the
# encoded `meta` object and ``renderer`` what computed attributes are given.
RowRenderer = Callable[[dict[str, Any], dict[str, Any] | None, bytes, bytes, Any], Encoded]

_EMPTY: dict[str, Any] = {}


def segment(part: str) -> str:
    """A URL path segment: as is when it needs no percent-encoding (ids always), else quoted.
    Either way only unreserved characters and `%`: nothing a JSON string needs to escape."""
    if part.isascii() and part.isalnum():  # the fast, common case: ids are [A-Za-z0-9]{10}
        return part
    return part if SAFE.fullmatch(part) else quote(part, safe="")


_isoformat = datetime.isoformat  # called with positional arguments: keywords cost a third more


def timestamp(value: datetime | None) -> str | None:
    """``format_datetime`` (ISO-8601 UTC with milliseconds), without strftime for the naive UTC
    values the database returns: isoformat truncates to milliseconds the same way."""
    if value is None:
        return None
    if value.tzinfo is None and value.year >= 1000:  # strftime does not pad years below 1000
        return _isoformat(value, "T", "milliseconds") + "Z"
    return format_datetime(value)


def _formatter(attr: Attr) -> Callable[[Any], Any] | None:
    """How a stored value of ``attr`` renders; None when it renders as stored."""
    render = type(attr).render
    if render is Attr.render:
        return None
    if render is DateTime.render:
        return timestamp
    return attr.render


def shown_attributes(resource: Resource, wanted: frozenset[str] | None) -> list[Attr]:
    """The attributes a resource object shows, in declaration order."""
    return [
        attr
        for name, attr in resource.attributes.items()
        if not attr.secret and not (attr.hidden if wanted is None else name not in wanted)
    ]


def shown_relationships(resource: Resource, wanted: frozenset[str] | None) -> list[Relationship]:
    return [rel for name, rel in resource.relationships.items() if wanted is None or name in wanted]


def _json(value: Any) -> bytes:
    """JSON text fixed when compiling (names, types, link suffixes)."""
    return dumps(value)


class _Source:
    """The generated function's text, and the values it refers to by name."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_segment": segment, "_dumps": dumps, "_EMPTY": _EMPTY}
        self.lines: list[str] = []

    def const(self, value: Any) -> str:
        """A name in the generated code standing for ``value``."""
        name = f"_k{len(self.names)}"
        self.names[name] = value
        return name

    def line(self, text: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + text + "\n")


def _attributes(source: _Source, resource: Resource, wanted: frozenset[str] | None) -> None:
    """Code setting ``attributes``, the dict of the object's attributes in declaration order."""
    items = []  # (key, value expression, shown only when the row holds it)
    for attr in shown_attributes(resource, wanted):
        key = repr(attr.name)
        if attr.compute is not None:
            items.append((key, f"{source.const(attr.compute)}(row, renderer)", False))
            continue
        formatter = _formatter(attr)
        # A column is always shown (None when the row lacks it); anything else (triggers) only
        # when the row happens to hold it, which rows read from the table never do.
        value = f"get({key})" if attr.column else f"row[{key}]"
        if formatter is not None:
            value = f"{source.const(formatter)}({value})"
        items.append((key, value, not attr.column))
    always = ", ".join(f"{key}: {value}" for key, value, maybe in items if not maybe)
    maybes = [key for key, _, maybe in items if maybe]
    if not maybes:
        source.line(f"attributes = {{{always}}}")
        return
    # The rare row holding one of them: statement by statement, in declaration order.
    source.line(f"if {' or '.join(f'{key} in row' for key in maybes)}:")
    source.line("attributes = {}", 2)
    for key, value, maybe in items:
        if maybe:
            source.line(f"if {key} in row:", 2)
            source.line(f"attributes[{key}] = {value}", 3)
        else:
            source.line(f"attributes[{key}] = {value}", 2)
    source.line("else:")
    source.line(f"attributes = {{{always}}}", 2)


DATA = b',"data":'


def _data(source: _Source, i: int, rel: Relationship) -> None:
    """Code setting ``d<i>``, the encoded `,"data":...` member of relationship ``rel`` (empty
    when it has none): its linkage when loaded, else a to-one's from its foreign key."""
    key = repr(rel.name)
    source.line(f"if {key} in links:")
    source.line(f"d{i} = {DATA!r} + _dumps(links[{key}])", 2)
    source.line("else:")
    if isinstance(rel, BelongsTo):
        head = DATA + b'{"type":' + _json(rel.target_type) + b',"id":'
        null = DATA + b"null"
        source.line(f"fk = get({rel.column!r})", 2)
        source.line(f"d{i} = {head!r} + _dumps(fk) + b'}}' if fk else {null!r}", 2)
    else:
        source.line(f"d{i} = b''", 2)


@lru_cache(maxsize=1024)
def compile_renderer(resource: Resource, wanted: frozenset[str] | None) -> RowRenderer:
    """The renderer of ``resource``'s rows showing the fields ``wanted`` (None: the default
    fieldset). Cached: declarations do not change once the registry has wired them."""
    source = _Source()
    source.line("get = row.get")
    source.line("id_ = row['id']")
    source.line("me = prefix + _segment(id_).encode()")  # the object's URL, inside a string
    source.line("links = linkage or _EMPTY")
    _attributes(source, resource, wanted)
    relationships = shown_relationships(resource, wanted)
    for i, rel in enumerate(relationships):
        _data(source, i, rel)

    # The object: literal JSON text and the expressions between, joined once.
    parts: list[bytes | str] = [
        b'{"id":',
        "_dumps(id_)",
        b',"type":' + _json(resource.type) + b',"links":{"self":"',
        "me",
        b'"},"attributes":',
        "_dumps(attributes)",
    ]
    for i, rel in enumerate(relationships):
        opening = b',"relationships":{' if i == 0 else b","
        parts += [
            opening + _json(rel.name) + b':{"links":{"self":"',
            "me",
            _json(f"/relationships/{rel.name}")[1:] + b',"related":"',
            "me",
            _json(f"/{rel.name}")[1:] + b"}",
            f"d{i}",
            b"}",
        ]
    if relationships:
        parts.append(b"}")
    parts += [b',"meta":', "meta", b"}"]
    merged: list[str] = []
    literal = b""
    for part in parts:
        if isinstance(part, bytes):
            literal += part
            continue
        if literal:
            merged.append(repr(literal))
            literal = b""
        merged.append(part)
    merged.append(repr(literal))
    source.line(f"return _Encoded(b''.join(({', '.join(merged)})))")

    text = "def render(row, linkage, prefix, meta, renderer):\n" + "".join(source.lines)
    source.names["_Encoded"] = Encoded
    exec(compile(text, f"<renderer of {resource.type}>", "exec"), source.names)
    render: RowRenderer = source.names["render"]
    render.__doc__ = text
    return render
