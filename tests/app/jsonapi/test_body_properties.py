"""Property: no request body breaks the server (issue 9). Any bytes, and any JSON-ish document
(NaN, Infinity, huge numbers, lone surrogates, NUL, deep nesting, odd keys), POSTed or PATCHed
to records, relationships, imports and exports, gets a 4xx JSON:API error document, or 200/201
when it is a valid request: never a 500. A job such a body creates runs to its end: an import
with a clean log, an export completed.

One app per backend for the module (``shop``): hypothesis runs each property's examples inside
one call of the test, so a function-scoped app would be shared by them anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resources import REGISTRY
from tests.support import factories, properties
from tests.support.api import ApiClient, make_org
from tests.support.jobs import run_to_end
from tests.support.properties import (
    ANY_TEXT,
    DEEP_JSON,
    HOSTILE_JSON,
    HOSTILE_SCALARS,
    PROPERTIES,
    STORABLE_JSON,
    STORABLE_SCALARS,
    TEXT,
    assert_handled,
    internals_in,
    log_messages,
    module_app,
    user_strings,
)


@dataclass(repr=False)  # failing examples print the fixture: keep it short
class Shop:
    api: ApiClient
    category: dict
    sku: dict
    tag: dict
    job: dict  # a finished import


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, tmp_path_factory, jwt_pem):
    with module_app(request, tmp_path_factory, jwt_pem, request.param) as app:
        api = make_org(app, "bodies").api
        category = factories.shipping_category(api)
        sku = factories.sku(api, code="BODY-SKU", category=category)
        tag = factories.tag(api, "body-tag")
        body = {"resource_type": "tags", "inputs": [{"name": "t1"}]}
        created = api.post("/api/imports", json={"data": {"type": "imports", "attributes": body}})
        assert created.status_code == 201, created.text
        job = run_to_end(api, "imports", created.json()["data"]["id"])
        yield Shop(api, category, sku, tag, job)


SKUS, IMPORTS, EXPORTS = REGISTRY["skus"], REGISTRY["imports"], REGISTRY["exports"]
# What goes where a document expects something else altogether.
ANY_VALUE = HOSTILE_JSON | DEEP_JSON | STORABLE_JSON
# Where an attribute's value goes: what the gate must refuse (NaN, Infinity, lone surrogates,
# NUL, depth), or storable values at their edges, which reach the validation behind the gate.
HOSTILE = HOSTILE_SCALARS | HOSTILE_JSON | DEEP_JSON
STORABLE = STORABLE_SCALARS | STORABLE_SCALARS | STORABLE_JSON


def often(strategy: st.SearchStrategy, instead: st.SearchStrategy = ANY_VALUE):
    """`strategy` nine times in ten, else anything."""
    return properties.often(strategy, instead)


def attributes(names: list[str], values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """Objects keyed mostly by real attribute names."""
    return st.dictionaries(often(st.sampled_from(names), TEXT), values, max_size=6)


def identifier(type_: str, ids: list[str]) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {"type": often(st.just(type_), TEXT), "id": often(st.sampled_from(ids), ANY_TEXT)}
    )


def resource_object(type_: str, id_: str | None, attrs: st.SearchStrategy, rels=st.nothing()):
    required = {"type": often(st.just(type_), TEXT)}
    if id_ is not None:
        required["id"] = often(st.just(id_), ANY_TEXT)
    optional = {"attributes": often(attrs), "relationships": often(rels), "meta": ANY_VALUE}
    if id_ is None:
        optional["id"] = ANY_TEXT
    data = st.fixed_dictionaries(required, optional=optional)
    return often(st.fixed_dictionaries({"data": often(data)}))


def items(names: list[str], values: st.SearchStrategy) -> st.SearchStrategy:
    """Import inputs: objects keyed by a type's attributes and reference keys."""
    extra = ["id", "tags", "tags.name", "tags.id", "price_tiers", "sku_code", "price_list_id",
             "shipping_category_code", "shipping_category_id"]  # fmt: skip
    return often(attributes([*names, *extra], values))


def import_attributes(values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    names = [*SKUS.attributes, *REGISTRY["prices"].attributes]
    csv = st.text(st.sampled_from('code,name\r\n"x\x00\ufeff;.'), max_size=40)
    return st.fixed_dictionaries(
        {"resource_type": often(st.sampled_from(["skus", "prices", "tags"]), TEXT)},
        optional={
            "format": often(st.sampled_from(["json", "csv"])),
            "inputs": often(st.lists(items(names, values), min_size=1, max_size=4) | csv),
            "skip_errors": often(st.booleans()),
            "cleanup_records": often(st.just(False)),  # true would empty the module's catalog
            "parent_resource_id": ANY_TEXT,
            "metadata": values,
            "reference": values,
            "_interrupt": values,
            "mapping": often(mapping(names, values)),
        },
    )


def mapping(names: list[str], values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    """Column mappings: targets mostly real, transforms of any value."""
    targets = often(st.sampled_from([*names, "price_tiers.name", "tags"]), TEXT)
    transforms = st.fixed_dictionaries(
        {"to": often(targets)},
        optional=dict.fromkeys(("scale", "default", "map", "split", "trim"), values),
    )
    return st.dictionaries(
        often(st.sampled_from(names), TEXT), st.none() | targets | transforms, max_size=3
    )


def export_attributes(values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    paths = st.sampled_from(["prices", "prices.price_tiers", "tags", "shipping_category", "x"])
    names = st.sampled_from(sorted(SKUS.attributes))
    return st.fixed_dictionaries(
        {"resource_type": often(st.sampled_from(["skus", "prices"]), TEXT)},
        optional={
            "format": often(st.sampled_from(["json", "csv"])),
            "includes": often(st.lists(often(paths, TEXT), max_size=3)),
            "fields": often(st.lists(often(names, TEXT), max_size=3)),
            "filters": often(st.dictionaries(names.map(lambda n: f"{n}_eq"), values, max_size=2)),
            "dry_data": often(st.booleans()),
            "csv_safe": often(st.booleans()),
            **{name: values for name in EXPORTS.attributes if name != "resource_type"},
        },
    )


def documents(shop: Shop, method: str, path: str, values: st.SearchStrategy):
    """Documents for one target, mostly shaped as it expects, with `values` inside."""
    categories = [shop.category["id"]]
    tags = identifier("tags", [shop.tag["id"]])
    if path.endswith("/relationships/tags"):
        return often(st.fixed_dictionaries({"data": often(st.lists(tags, max_size=12))}))
    if path.endswith("/relationships/shipping_category"):
        linkage = identifier("shipping_categories", categories) | st.none()
        return often(st.fixed_dictionaries({"data": often(linkage)}))
    if path.startswith("/api/skus"):
        linkage = identifier("shipping_categories", categories) | st.lists(tags, max_size=3)
        rels = st.dictionaries(
            often(st.sampled_from(["shipping_category", "tags"]), TEXT),
            often(st.fixed_dictionaries({"data": often(linkage)})),
            max_size=3,
        )
        id_ = shop.sku["id"] if method == "PATCH" else None
        return resource_object("skus", id_, attributes(list(SKUS.attributes), values), rels)
    if path.startswith("/api/tags"):
        return resource_object("tags", None, attributes(["name"], values))
    if path.startswith("/api/exports"):
        return resource_object("exports", None, export_attributes(values))
    if method == "PATCH":
        attrs = attributes(list(IMPORTS.attributes), values)
        return resource_object("imports", shop.job["id"], attrs)
    return resource_object("imports", None, import_attributes(values))


GENERIC = (
    st.fixed_dictionaries({"data": ANY_VALUE}, optional={"meta": ANY_VALUE, "jsonapi": ANY_VALUE})
    | ANY_VALUE
)


def encoded(doc: Any, how: str) -> bytes:
    """A document as bytes the way a careless client would send it: NaN and Infinity as
    such, surrogates escaped (ascii) or raw (utf-8 with surrogatepass: invalid UTF-8)."""
    if how == "ascii":
        return json.dumps(doc).encode()
    if how == "utf-16":
        return json.dumps(doc).encode("utf-16")
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


FRAGMENTS = st.sampled_from(
    ['{', '}', '[', ']', '"', ':', ',', ' ', 'NaN', 'Infinity', '-Infinity', '1e400', '-0',
     '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '\\', 'null', 'true', '0', '1.5e-400',
     '"data"', '"type"', '"skus"', '"imports"', '"attributes"', '"inputs"', '"code"', '\x00',
     '\ufeff', '\xff', '"\\x"', '1' * 400]
)  # fmt: skip
RAW = (
    st.binary(max_size=200)
    | st.lists(FRAGMENTS, max_size=40).map(lambda parts: "".join(parts).encode("utf-8"))
    | st.builds(lambda o, c: (b"[" * o) + (b"]" * c), st.integers(0, 3000), st.integers(0, 3000))
)


def targets(shop: Shop) -> list[tuple[str, str]]:
    sku, job = shop.sku["id"], shop.job["id"]
    return [
        ("POST", "/api/skus"),
        ("PATCH", f"/api/skus/{sku}"),
        ("PATCH", f"/api/skus/{sku}/relationships/tags"),
        ("POST", f"/api/skus/{sku}/relationships/tags"),
        ("PATCH", f"/api/skus/{sku}/relationships/shipping_category"),
        ("POST", "/api/imports"),
        ("PATCH", f"/api/imports/{job}"),
        ("POST", "/api/tags"),
        ("POST", "/api/exports"),
    ]


def check(shop: Shop, response, sent: Any) -> None:
    """Handled; a job the body created runs to its end: an export completes, an import's logs
    say nothing of the server's internals."""
    assert_handled(response)
    if response.status_code != 201 or response.json()["data"]["type"] not in ("imports", "exports"):
        return
    kind = response.json()["data"]["type"]
    job = run_to_end(shop.api, kind, response.json()["data"]["id"])
    if kind == "exports":
        assert job["status"] == "completed", job
    else:
        messages = log_messages(job["errors_log"]) + log_messages(job["warnings_log"])
        assert not internals_in(messages, user_strings(sent)), job


@PROPERTIES
@given(data=st.data(), body=RAW)
def test_any_bytes_are_answered_not_crashed_on(shop, data, body):
    method, path = data.draw(st.sampled_from(targets(shop)), label="target")
    response = shop.api.request(method, path, content=body)
    check(shop, response, body.decode("utf-8", "replace"))


@PROPERTIES
@given(data=st.data(), how=st.sampled_from(["ascii", "utf-8", "utf-16"]))
def test_any_document_is_answered_not_crashed_on(shop, data, how):
    method, path = data.draw(st.sampled_from(targets(shop)), label="target")
    values = data.draw(st.sampled_from([HOSTILE, STORABLE]), label="values")
    doc = data.draw(often(documents(shop, method, path, values), GENERIC), label="document")
    response = shop.api.request(method, path, content=encoded(doc, how))
    check(shop, response, doc)
