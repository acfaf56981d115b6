"""Compound documents: include paths, full linkage, sparse fieldsets and a pinned query budget."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import listing, ok

TIER = {"up_to": 10, "price_amount_cents": 900}


def make_skus(api, count: int, prices: int = 2, tiers: int = 0, category=None) -> list[dict]:
    category = category or factories.shipping_category(api)
    lists = [factories.price_list(api) for _ in range(prices)]
    skus = []
    for _ in range(count):
        sku = factories.sku(api, category=category)
        for plist in lists:
            price = factories.price(api, sku, plist)
            for i in range(tiers):
                api.create("price_volume_tiers", {**TIER, "name": f"tier{i}"},
                           {"price": ("prices", price["id"])})  # fmt: skip
        skus.append(sku)
    return skus


def keys(objects) -> list[tuple[str, str]]:
    return [(o["type"], o["id"]) for o in objects]


def linkage(doc) -> set[tuple[str, str]]:
    """Every (type, id) some relationship of a primary or included resource refers to."""
    primary = doc["data"] if isinstance(doc["data"], list) else [doc["data"]]
    out = set()
    for res in primary + doc.get("included", []):
        for rel in res.get("relationships", {}).values():
            data = rel.get("data")
            out |= {(d["type"], d["id"]) for d in (data if isinstance(data, list) else [data]) if d}
    return out


def check_compound(doc) -> None:
    """Included resources are unique (primary ones too) and each is referenced: full linkage."""
    primary = doc["data"] if isinstance(doc["data"], list) else [doc["data"]]
    every = keys(primary) + keys(doc.get("included", []))
    assert len(every) == len(set(every)), f"duplicated resources: {every}"
    missing = set(keys(doc.get("included", []))) - linkage(doc)
    assert not missing, f"included but not referenced: {missing}"


def test_include_prices_and_tiers(api):
    sku = make_skus(api, 1, prices=2, tiers=2)[0]
    doc = listing(api, "/api/skus", include="prices.price_tiers")
    check_compound(doc)
    prices = doc["data"][0]["relationships"]["prices"]["data"]
    assert [p["type"] for p in prices] == ["prices", "prices"]
    included = {(r["type"], r["id"]): r for r in doc["included"]}
    tiers = []
    for p in prices:
        price = included[("prices", p["id"])]
        assert price["relationships"]["sku"]["data"] == {"type": "skus", "id": sku["id"]}
        tier_refs = price["relationships"]["price_tiers"]["data"]
        assert [
            included[("price_volume_tiers", t["id"])]["attributes"]["name"] for t in tier_refs
        ] == [
            "tier0",
            "tier1",
        ]
        tiers += tier_refs
    assert sorted(t for t, _ in included) == ["price_volume_tiers"] * 4 + ["prices"] * 2
    assert len(tiers) == 4


def test_to_many_data_only_when_included_and_to_one_always(api):
    make_skus(api, 1, prices=1)
    plain = listing(api, "/api/skus")["data"][0]["relationships"]
    assert set(plain["prices"]) == {"links"}
    assert set(plain["tags"]) == {"links"}
    assert plain["shipping_category"]["data"]["type"] == "shipping_categories"
    assert "included" not in listing(api, "/api/skus")
    with_prices = listing(api, "/api/skus", include="prices")["data"][0]["relationships"]
    assert len(with_prices["prices"]["data"]) == 1
    assert "data" not in with_prices["tags"]


def test_shared_and_empty_relationships(api):
    category = factories.shipping_category(api)
    a, b = make_skus(api, 2, prices=0, category=category)
    loose = api.create("skus", {"code": "LOOSE", "name": "Gift card", "do_not_ship": True})
    tag = api.create("tags", {"name": "sale"})
    link = {"data": [{"type": "tags", "id": tag["id"]}]}
    for sku in (a, loose):
        assert api.patch(f"/api/skus/{sku['id']}/relationships/tags", json=link).status_code == 204
    doc = listing(api, "/api/skus", include="shipping_category,tags,prices")
    check_compound(doc)
    assert keys(doc["included"]) == [("shipping_categories", category["id"]), ("tags", tag["id"])]
    rels = {r["id"]: r["relationships"] for r in doc["data"]}
    assert rels[loose["id"]]["shipping_category"]["data"] is None
    assert rels[b["id"]]["tags"]["data"] == []
    assert rels[b["id"]]["prices"]["data"] == []
    assert rels[a["id"]]["tags"]["data"] == [{"type": "tags", "id": tag["id"]}]


def test_primary_resources_are_not_included_again(api):
    skus = make_skus(api, 2, prices=1)
    doc = listing(api, "/api/skus", include="prices.sku")
    check_compound(doc)
    assert sorted(t for t, _ in keys(doc["included"])) == ["prices", "prices"]
    single = ok(api.get(f"/api/skus/{skus[0]['id']}", params={"include": "prices.sku.prices"}))
    check_compound(single)
    assert keys(single["included"]) == [
        ("prices", single["data"]["relationships"]["prices"]["data"][0]["id"])
    ]


def test_include_on_single_and_related_resources(api):
    sku = make_skus(api, 1, prices=2, tiers=1)[0]
    doc = ok(api.get(f"/api/skus/{sku['id']}", params={"include": "prices.price_tiers"}))
    check_compound(doc)
    assert len(doc["included"]) == 4
    related = ok(api.get(f"/api/skus/{sku['id']}/prices", params={"include": "price_tiers,sku"}))
    check_compound(related)
    assert sorted(t for t, _ in keys(related["included"])) == ["price_volume_tiers"] * 2 + ["skus"]
    price_id = related["data"][0]["id"]
    one = ok(api.get(f"/api/prices/{price_id}/sku", params={"include": "shipping_category"}))
    check_compound(one)
    assert keys(one["included"]) == [
        ("shipping_categories", sku["relationships"]["shipping_category"]["data"]["id"])
    ]


def test_sparse_fieldsets(api):
    sku = make_skus(api, 1, prices=1)[0]
    doc = listing(api, "/api/skus", **{"fields[skus]": "code,name"})
    res = doc["data"][0]
    assert res["attributes"] == {"code": sku["attributes"]["code"], "name": "T-shirt"}
    assert "relationships" not in res
    assert res["links"]["self"].endswith(sku["id"]) and res["meta"] == {"mode": "live"}
    params = {"include": "prices", "fields[skus]": "code,prices", "fields[prices]": "amount_cents"}
    doc = listing(api, "/api/skus", **params)
    check_compound(doc)
    assert set(doc["data"][0]["relationships"]) == {"prices"}
    (price,) = doc["included"]
    assert price["attributes"] == {"amount_cents": 1000}
    assert "relationships" not in price
    # a fieldset that leaves out the included relationship is allowed (no full linkage then)
    doc = listing(api, "/api/skus", include="prices", **{"fields[skus]": "code"})
    assert doc["data"][0]["attributes"] == {"code": sku["attributes"]["code"]}
    assert [r["type"] for r in doc["included"]] == ["prices"]
    doc = listing(api, "/api/skus", **{"fields[skus]": ""})
    assert doc["data"][0]["attributes"] == {}


def test_include_costs_the_same_queries_whatever_the_page_size(api, queries):
    includes = {"prices": 4, "prices.price_tiers,shipping_category,tags": 7}
    make_skus(api, 3, prices=2, tiers=1)

    def counts() -> dict[str, int]:
        out = {}
        for include in includes:
            with queries() as statements:
                doc = listing(api, "/api/skus", include=include, **{"page[size]": "25"})
            out[include] = len(statements)
        return out, len(doc["data"]), len(doc["included"])

    # auth check + count + page + one query per included relationship, on both backends
    assert counts() == (includes, 3, 3 * 2 + 3 * 2 + 1)
    make_skus(api, 22, prices=2)
    assert counts() == (includes, 25, 25 * 2 + 3 * 2 + 2)
