"""Property: no query string breaks a read (issue 9). Random `filter[q][...]` names (real and
made-up attributes, predicates and modifiers, `_or_` combinations, relationship paths of any
depth, `jcont`, `ids`) with any values (NUL, any unicode, long, many commas, JSON, edge dates
and numbers), beside random `sort`, `include`, `fields[...]` and `page[...]`, get 200 or a 400
JSON:API error document on lists, related lists and records: never a 500. The same filters as
an export's `filters` object get 201 or 422, and the export completes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from query.filtering import BASE, MAX_DEPTH, MODIFIERS
from resources import REGISTRY
from resources.base import Resource
from tests.support import factories
from tests.support.api import ApiClient, make_org
from tests.support.jobs import run_to_end
from tests.support.properties import (
    EDGE_FLOATS,
    EDGE_INTS,
    HOSTILE_JSON,
    LONG_TEXT,
    PROPERTIES,
    STORABLE_JSON,
    TEXT,
    assert_handled,
    comma_list,
    module_app,
    often,
    plain,
)


@dataclass(repr=False)  # failing examples print the fixture: keep it short
class Shop:
    api: ApiClient
    sku: dict


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, tmp_path_factory, jwt_pem):
    """A small catalog: SKUs with tags and metadata of several shapes, prices with tiers."""
    with module_app(request, tmp_path_factory, jwt_pem, request.param) as app:
        api = make_org(app, "filters").api
        category = factories.shipping_category(api, code="STD")
        plist = factories.price_list(api, code="EUR")
        skus = []
        for i, meta in enumerate([{}, {"n": 1, "s": "a"}, {"l": [1, "x", {"o": None}]}]):
            sku = factories.sku(api, code=f"F{i}", category=category, metadata=meta)
            tag = factories.tag(api, f"tag{i}")
            linkage = {"data": [{"type": "tags", "id": tag["id"]}]}
            assert api.patch(f"/api/skus/{sku['id']}/relationships/tags", json=linkage).is_success
            price = factories.price(api, sku, plist, amount_cents=100 * i)
            tier = {"name": f"t{i}", "price_amount_cents": i}
            api.create("price_volume_tiers", tier, {"price": ("prices", price["id"])})
            skus.append(sku)
        yield Shop(api, skus[1])


def paths(resource: Resource, depth: int) -> list[str]:
    """Attribute names and relationship paths to them (`prices_price_list_code`), `depth` hops
    at most: one more than filters follow."""
    names = ["id", *resource.attributes]
    if depth:
        for rel in resource.relationships.values():
            names += [f"{rel.name}_{p}" for p in paths(rel.target, depth - 1)]
    return names


SKUS, PRICES = REGISTRY["skus"], REGISTRY["prices"]
PATHS = {r.type: sorted(set(paths(r, MAX_DEPTH + 1))) for r in (SKUS, PRICES)}
NAME_TEXT = plain(st.text(st.sampled_from("abcdeilmnorstux_[]. "), max_size=20)) | TEXT


def filter_names(resource: Resource) -> st.SearchStrategy[str]:
    """`<path>[_or_<path>...]_<predicate><modifier>`, made-up parts now and then."""
    path = often(st.sampled_from(PATHS[resource.type]), NAME_TEXT)
    preds = often(st.sampled_from(BASE), NAME_TEXT)
    modifiers = often(st.sampled_from(["", "", "", *MODIFIERS]), NAME_TEXT)
    return plain(
        st.builds(
            lambda ps, pred, mod: f"{'_or_'.join(ps)}_{pred}{mod}",
            st.lists(path, min_size=1, max_size=7),
            preds,
            modifiers,
        )
    ) | st.sampled_from(["ids", "id", "_", "_eq", "or_eq", "_or__eq", "id_or_"])


WHEN = st.sampled_from(
    ["2030-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
     "0000-01-01", "2030-02-30", "10000-01-01", "2030-01-01T25:00", "now", "1e3", ""]
)  # fmt: skip
NUMBERS = (EDGE_INTS | EDGE_FLOATS | st.integers() | st.floats()).map(str)
JSON_TEXT = (STORABLE_JSON | HOSTILE_JSON).map(json.dumps) | st.just('{"a": ' * 70 + "1")
SCALAR = (
    plain(st.text())  # any character but lone surrogates (a URL cannot carry them): NUL too
    | st.sampled_from(["true", "false", "1", "0", "yes", "t", "null", "%", "_", "\\", "*"])
    | WHEN
    | NUMBERS
    | LONG_TEXT
)
VALUES = SCALAR | comma_list(SCALAR) | JSON_TEXT | st.integers(0, 1200).map(lambda n: "," * n)


def parameters(resource: Resource) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query parameters: mostly filters, mostly with real names, any values."""
    attrs = often(st.sampled_from(sorted(resource.attributes)), NAME_TEXT)
    rels = st.sampled_from([r for r in PATHS[resource.type] if "_" in r]).map(
        lambda p: p.replace("_", ".")
    )
    more = ["prices.price_tiers", "prices.sku.prices", "a.b.c.d", "sku.prices.price_tiers.price"]
    includes = often(st.sampled_from([*resource.relationships, *more]), rels | NAME_TEXT)
    types = often(st.sampled_from(sorted(REGISTRY)), NAME_TEXT)
    forms = often(st.just("filter[q][{}]"), st.sampled_from(["filter[{}]", "filter[q][{}][]"]))
    filters = st.tuples(forms, filter_names(resource)).map(lambda t: t[0].format(t[1]))
    sort = comma_list(st.tuples(st.sampled_from(["", "-", "--"]), attrs).map("".join))
    other = (
        st.tuples(st.just("sort"), sort)
        | st.tuples(st.just("include"), comma_list(includes))
        | st.tuples(types.map(lambda t: f"fields[{t}]"), comma_list(attrs))
        | st.tuples(st.sampled_from(["page[number]", "page[size]"]), NUMBERS | SCALAR)
        | st.tuples(NAME_TEXT, SCALAR)
    )
    one = st.integers(0, 2).flatmap(lambda n: other if n == 1 else st.tuples(filters, VALUES))
    # what a URL carries (the client refuses a query string over 64 KiB)
    return st.lists(one, min_size=1, max_size=3).filter(lambda ps: len(urlencode(ps)) < 60_000)


def reads(shop: Shop) -> list[tuple[str, Resource]]:
    sku = shop.sku["id"]
    return [
        ("/api/skus", SKUS),
        ("/api/prices", PRICES),
        (f"/api/skus/{sku}/prices", PRICES),
        (f"/api/skus/{sku}", SKUS),
    ]


@PROPERTIES
@given(data=st.data())
def test_any_query_is_answered_not_crashed_on(shop, data):
    path, resource = data.draw(st.sampled_from(reads(shop)), label="path")
    params = data.draw(parameters(resource), label="params")
    response = shop.api.get(path, params=params)
    assert_handled(response)


FILTER_VALUES = (
    VALUES
    | STORABLE_JSON
    | st.lists(SCALAR, max_size=4)
    | st.integers()
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False, allow_infinity=False)
)


@PROPERTIES
@given(
    resource=st.sampled_from([SKUS, PRICES]),
    data=st.data(),
    fmt=st.sampled_from(["json", "csv"]),
)
def test_any_export_filters_are_answered_not_crashed_on(shop, resource, data, fmt):
    filters = data.draw(
        st.dictionaries(filter_names(resource), FILTER_VALUES, max_size=2), label="filters"
    )
    body = {"resource_type": resource.type, "format": fmt, "filters": filters}
    response = shop.api.post("/api/exports", json={"data": {"type": "exports", "attributes": body}})
    assert_handled(response)
    if response.status_code == 201:
        job = run_to_end(shop.api, "exports", response.json()["data"]["id"])
        assert job["status"] == "completed", job
