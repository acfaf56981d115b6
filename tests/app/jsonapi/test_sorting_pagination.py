"""Sorting (asc, desc, several keys, id tiebreak) and page-number pagination with links."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support import factories
from tests.support.documents import attr, ids, listing, ok, q, set_created_at

BASE = "http://testserver/api/skus"


@pytest.fixture
def skus(api, app):
    """Seven SKUs created one hour apart, codes out of creation order, a weight left empty."""
    category = factories.shipping_category(api)
    rows = [
        factories.sku(api, code, category, name=name, weight=weight, do_not_ship=flag)
        for code, name, weight, flag in [
            ("D", "Mug", 3.0, False),
            ("A", "Shirt", None, True),
            ("F", "Mug", 1.0, True),
            ("B", "Shirt", 2.5, False),
            ("G", "Cap", 0.5, False),
            ("C", "Cap", 2.5, True),
            ("E", "Mug", 9.0, False),
        ]
    ]
    set_created_at(
        app, "skus", {r["id"]: f"2026-01-01T{10 + i:02d}:00:00" for i, r in enumerate(rows)}
    )
    return rows


def codes(api, **params) -> list[str]:
    return attr(listing(api, "/api/skus", **{"page[size]": "25", **params}), "code")


def test_sorting(api, skus):
    assert codes(api) == list("DAFBGCE")  # default: creation order
    assert codes(api, sort="code") == list("ABCDEFG")
    assert codes(api, sort="-code") == list("GFEDCBA")
    assert codes(api, sort="-created_at") == list("ECGBFAD")
    assert codes(api, sort="name,-code") == list("GCFEDBA")
    assert codes(api, sort="do_not_ship,name,code") == list("GDEBCFA")
    assert codes(api, sort="-weight,code") == list("AEDBCFG")  # no weight counts as largest
    assert codes(api, sort="weight,code") == list("GFBCDEA")


def test_equal_sort_keys_fall_back_to_id(api, app):
    category = factories.shipping_category(api)
    rows = [factories.sku(api, category=category) for _ in range(6)]
    set_created_at(app, "skus", {r["id"]: "2026-01-01T10:00:00" for r in rows})
    by_id = ids(listing(api, "/api/skus", sort="id"))
    assert sorted(by_id) == sorted(r["id"] for r in rows)
    assert ids(listing(api, "/api/skus", sort="-id")) == by_id[::-1]
    for sort in ("name", "created_at", "-created_at", None):
        pages = [
            ids(listing(api, "/api/skus", **{"page[size]": "4", "page[number]": str(n)},
                        **({"sort": sort} if sort else {})))
            for n in (1, 2)
        ]  # fmt: skip
        assert pages[0] + pages[1] == by_id, sort


def test_meta_and_links(api, skus):
    doc = listing(api, "/api/skus", **{"page[size]": "3", "page[number]": "2"}, sort="code")
    assert attr(doc, "code") == list("DEF")
    assert doc["meta"] == {"record_count": 7, "page_count": 3}
    expected = {
        "first": f"{BASE}?sort=code&page%5Bnumber%5D=1&page%5Bsize%5D=3",
        "prev": f"{BASE}?sort=code&page%5Bnumber%5D=1&page%5Bsize%5D=3",
        "next": f"{BASE}?sort=code&page%5Bnumber%5D=3&page%5Bsize%5D=3",
        "last": f"{BASE}?sort=code&page%5Bnumber%5D=3&page%5Bsize%5D=3",
    }
    assert doc["links"] == expected
    first = listing(api, "/api/skus", **{"page[size]": "3"}, sort="code")
    assert first["links"]["prev"] is None
    last = listing(api, "/api/skus", **{"page[size]": "3", "page[number]": "3"}, sort="code")
    assert attr(last, "code") == ["G"]
    assert last["links"]["next"] is None
    assert last["links"]["prev"] == expected["first"].replace("number%5D=1", "number%5D=2")


def test_links_keep_every_other_parameter_and_can_be_followed(api, skus):
    params = {
        "filter[q][name_in]": "Mug,Cap",
        "sort": "-code",
        "include": "shipping_category",
        "fields[skus]": "code,shipping_category",
        "page[size]": "2",
    }
    doc = listing(api, "/api/skus", **params)
    assert doc["meta"] == {"record_count": 5, "page_count": 3}
    seen = attr(doc, "code")
    link = doc["links"]["next"]
    while link:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == ("http", "testserver", "/api/skus")
        assert "[" not in parts.query and "%5B" in parts.query
        query = dict(parse_qsl(parts.query))
        assert query == {**params, "page[number]": query["page[number]"]}
        page = ok(api.get(link))
        assert len(page["included"]) == 1  # one shared shipping category
        seen += attr(page, "code")
        link = page["links"]["next"]
    assert seen == list("GFEDC")


def test_default_and_maximum_page_size(api):
    category = factories.shipping_category(api)
    for _ in range(26):
        factories.sku(api, category=category)
    doc = listing(api, "/api/skus")
    assert len(doc["data"]) == 10
    assert doc["meta"] == {"record_count": 26, "page_count": 3}
    assert doc["links"]["next"] == f"{BASE}?page%5Bnumber%5D=2&page%5Bsize%5D=10"
    doc = listing(api, "/api/skus", **{"page[size]": "25"})
    assert len(doc["data"]) == 25
    assert doc["meta"] == {"record_count": 26, "page_count": 2}
    doc = listing(api, "/api/skus", **{"page[size]": "25", "page[number]": "2"})
    assert len(doc["data"]) == 1


def test_empty_lists_and_pages_past_the_end(api, skus):
    doc = listing(api, "/api/skus", **q(code_eq="nothing"))
    assert doc["data"] == []
    assert doc["meta"] == {"record_count": 0, "page_count": 0}
    page1 = f"{BASE}?filter%5Bq%5D%5Bcode_eq%5D=nothing&page%5Bnumber%5D=1&page%5Bsize%5D=10"
    assert doc["links"] == {"first": page1, "prev": None, "next": None, "last": page1}
    doc = listing(api, "/api/skus", **{"page[number]": "9", "page[size]": "5"})
    assert doc["data"] == []
    assert doc["meta"] == {"record_count": 7, "page_count": 2}
    assert doc["links"]["next"] is None
    assert doc["links"]["last"] == f"{BASE}?page%5Bnumber%5D=2&page%5Bsize%5D=5"


def test_links_use_the_configured_public_url(api, app):
    app.state.settings = dataclasses.replace(
        app.state.settings, public_url="https://api.example.com"
    )
    sku = factories.sku(api)
    doc = listing(api, "/api/skus")
    assert (
        doc["links"]["first"]
        == "https://api.example.com/api/skus?page%5Bnumber%5D=1&page%5Bsize%5D=10"
    )
    assert doc["data"][0]["links"]["self"] == f"https://api.example.com/api/skus/{sku['id']}"
