"""Compiled renderers (app/jsonapi/compiled.py) against the declaration walk they replace.

For every registered type, any row (any stored values, ids that need percent-encoding, JSON
with integers beyond 64 bits), any loaded linkage and any sparse fieldset: the encoded resource
object is the JSON the walk's dict encodes to, key order included.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from app.jsonapi.document import Renderer
from app.jsonapi.encoding import Encoded, dumps
from resources import REGISTRY
from resources.base import BelongsTo, Resource
from resources.import_inputs import pack

SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-"


def walk(renderer: Renderer, resource: Resource, row: dict, linkage: dict | None) -> dict:
    """The resource object as the declaration walk built it (before compiled renderers)."""
    wanted = renderer.fields.get(resource.type)
    attributes = {}
    for name, attr in resource.attributes.items():
        hidden = attr.hidden if wanted is None else name not in wanted
        if attr.secret or hidden:
            continue
        if attr.compute is not None:
            attributes[name] = attr.compute(row, renderer)
        elif attr.column or name in row:
            attributes[name] = attr.render(row.get(name))
    relationships = {}
    linkage = linkage or {}
    parts = (resource.type, row["id"])
    me = f"{renderer.base}/api/" + "/".join(
        p if p and all(c in SAFE for c in p) else quote(p, safe="") for p in parts
    )
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
    out["meta"] = {"mode": renderer.mode}
    return out


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
IDS = st.one_of(st.text("abcXYZ019", min_size=1, max_size=10), TEXT.filter(bool))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond 64 bits: the fallback
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=14))])
DATETIMES = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    ZONES,
)
IDENTIFIERS = st.fixed_dictionaries({"type": st.sampled_from(sorted(REGISTRY)), "id": IDS})
LINKAGE = st.one_of(st.none(), IDENTIFIERS, st.lists(IDENTIFIERS, max_size=3))


@st.composite
def cases(draw):
    resource = draw(st.sampled_from([REGISTRY[t] for t in sorted(REGISTRY)]))
    row = {"id": draw(IDS)}
    for column in resource.table.c:
        if column.name == "id" or draw(st.integers(0, 9)) == 0:  # now and then missing
            continue
        try:
            python = column.type.python_type
        except NotImplementedError:
            python = object
        if python is datetime:
            value = draw(st.none() | DATETIMES)
        elif python is dict:
            value = draw(st.none() | st.dictionaries(TEXT, JSON, max_size=3))
        elif python is bool:
            value = draw(st.none() | st.booleans())
        elif python is int:  # what integer columns hold (computed attributes count with them)
            value = draw(st.none() | st.integers(-(2**31), 2**31))
        elif python is bytes:  # what such columns hold: packed inputs (resources/import_inputs)
            value = draw(st.none() | st.lists(JSON, max_size=3).map(lambda v: pack("json", v)))
        else:
            value = draw(st.none() | IDS | SCALARS)
        row[column.name] = value
    for name, attr in resource.attributes.items():  # what rows never hold, now and then
        if not attr.column and draw(st.integers(0, 4)) == 0:
            row[name] = draw(SCALARS)
    names = sorted(resource.relationships)
    linkage = draw(st.none() | st.dictionaries(st.sampled_from(names), LINKAGE)) if names else None
    fields: dict[str, set[str]] = {}
    if draw(st.booleans()):
        shown = sorted({*resource.attributes, *resource.relationships})
        fields[resource.type] = set(draw(st.lists(st.sampled_from(shown), unique=True)))
    base = draw(st.sampled_from(["http://testserver", 'https://h\u00e9"st:8443/p\\x']))
    mode = draw(st.sampled_from(["live", "test"]))
    return resource, row, linkage, Renderer(base, mode, fields)


def same_json(encoded: Encoded, expected: dict) -> None:
    got = json.loads(encoded.raw)
    # json.dumps keeps key order: equal text is equal values in the same order.
    assert json.dumps(got) == json.dumps(expected)


@settings(max_examples=400, deadline=None)
@given(cases())
def test_a_compiled_renderer_writes_what_the_declaration_walk_built(case):
    resource, row, linkage, renderer = case
    expected = walk(renderer, resource, row, linkage)
    same_json(renderer.resource_object(resource, row, linkage), expected)
    key = (resource.type, row["id"])
    (many,) = renderer.resource_objects(resource, [row], {key: linkage} if linkage else {})
    same_json(many, expected)
    (included,) = renderer.included_objects({key: (resource, row)}, {key: linkage or {}})
    same_json(included, walk(renderer, resource, row, linkage or {}))


def test_documents_splice_encoded_objects_and_fall_back_beyond_64_bits():
    inner = Encoded(b'{"n":123456789012345678901234567890}')
    assert dumps({"data": [inner], "meta": {"count": 1}}) == (
        b'{"data":[{"n":123456789012345678901234567890}],"meta":{"count":1}}'
    )
    assert dumps({"data": [inner], "big": 2**70}) == (
        b'{"data": [{"n": 123456789012345678901234567890}], "big": 1180591620717411303424}'.replace(
            b" ", b""
        )
    )
