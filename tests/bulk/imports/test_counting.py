"""Counting rules, run at several chunk sizes: the outcome must not depend on chunking."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support import factories
from tests.support.api import open_app
from tests.support.documents import attrs_of, list_all
from tests.support.jobs import counts, run_import
from tests.support.world import Catalog


@pytest.fixture(params=[1, 3, 500], ids=lambda n: f"chunk{n}")
def app(settings, request):
    """Overrides conftest's app: the same tests with chunks of 1, 3 and 500 items."""
    with open_app(dataclasses.replace(settings, import_chunk_size=request.param)) as application:
        yield application


def tags(n: int, bad: set[int]) -> list[dict]:
    """n tag items, 1-based positions in `bad` with an invalid name."""
    return [{"name": f"bad tag {i}" if i in bad else f"tag-{i}"} for i in range(1, n + 1)]


def test_chunk_size_is_applied(app):
    assert app.state.settings.import_chunk_size in (1, 3, 500)


def test_ten_percent_rule_interrupts_at_the_crossing_item(api):
    attrs = run_import(api, "tags", tags(20, {5, 9, 14, 18}))
    # 20 items allow 2 errors: the third (item 14) interrupts, 11 + 3 = 14
    assert counts(attrs) == ("interrupted", 11, 3, 0, 0), attrs
    assert attrs["processed_count"] + attrs["errors_count"] == 14
    assert sorted(attrs["errors_log"]) == ["bad tag 14", "bad tag 5", "bad tag 9"]
    assert attrs["errors_log"]["bad tag 5"] == {"name": ["is invalid"]}
    assert attrs["interrupted_at"] and attrs["completed_at"] is None
    names = {t["attributes"]["name"] for t in list_all(api, "/api/tags")}
    assert names == {f"tag-{i}" for i in range(1, 14)} - {"tag-5", "tag-9"}


def test_skip_errors_completes(api):
    attrs = run_import(api, "tags", tags(20, {5, 9, 14, 18}), skip_errors=True)
    assert counts(attrs) == ("completed", 16, 4, 0, 0), attrs
    assert len(list_all(api, "/api/tags")) == 16


@pytest.mark.parametrize(
    "size, bad, expected",
    [
        (10, {3}, ("completed", 9, 1, 0, 0)),  # 1 is not more than 10%
        (10, {3, 7}, ("interrupted", 5, 2, 0, 0)),
        (9, {9}, ("interrupted", 8, 1, 0, 0)),  # 10% of 9 is 0.9: the first error is too many
        (1, {1}, ("interrupted", 0, 1, 0, 0)),
    ],
)
def test_threshold_boundaries(api, size, bad, expected):
    assert counts(run_import(api, "tags", tags(size, bad))) == expected


def test_the_same_key_twice_updates_the_first(api):
    category = factories.shipping_category(api)
    existing = factories.sku(api, code="E1", category=category)
    cid = category["id"]
    attrs = run_import(api, "skus", [
        {"code": "N1", "name": "first", "shipping_category_id": cid},
        {"code": "E1", "name": "by code"},
        {"code": "N1", "description": "second"},
        {"id": existing["id"], "description": "by id"},
        {"code": "N1", "name": "third"},
    ])  # fmt: skip
    assert counts(attrs) == ("completed", 5, 0, 2, 0), attrs
    assert attrs["warnings_log"] == {"N1": ["code N1 also at item 1: the last one wins"] * 2}
    skus = list_all(api, "/api/skus")
    assert attrs_of(skus, "code", "name", "description") == [
        ("E1", "by code", "by id"), ("N1", "third", "second"),
    ]  # fmt: skip


def test_the_same_price_twice_with_tiers(api):
    cat = Catalog(api)
    tier = {"type": "PriceVolumeTier", "price_amount_cents": 10}
    attrs = run_import(api, "prices", [
        {"sku_code": "TSHIRT-S", "amount_cents": 100, "price_tiers": [{**tier, "name": "a"}]},
        {"sku_code": "TSHIRT-M", "amount_cents": 100},
        {"sku_code": "TSHIRT-S", "amount_cents": 200,
         "price_tiers": [{**tier, "name": "b"}, {**tier, "name": "a", "price_amount_cents": 5}]},
    ], parent_resource_id=cat.eur["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 3, 0, 1, 0), attrs
    repeated = "sku_code TSHIRT-S also at item 1: the last one wins"
    assert attrs["warnings_log"] == {f"{cat.eur['id']}/TSHIRT-S": [repeated]}
    assert attrs_of(list_all(api, "/api/prices"), "sku_code", "amount_cents") == [
        ("TSHIRT-M", 100), ("TSHIRT-S", 200),
    ]  # fmt: skip
    tiers = list_all(api, "/api/price_tiers")
    assert attrs_of(tiers, "name", "price_amount_cents") == [("a", 5), ("b", 10)]


def test_new_tag_named_by_several_items(api):
    category = factories.shipping_category(api)
    cid = category["id"]
    attrs = run_import(api, "skus", [
        {"code": f"T{i}", "name": "t", "shipping_category_id": cid, "tags": ["shared", f"own{i}"]}
        for i in range(4)
    ])  # fmt: skip
    assert counts(attrs) == ("completed", 4, 0, 0, 0), attrs
    assert sorted(t["attributes"]["name"] for t in list_all(api, "/api/tags")) == [
        "own0", "own1", "own2", "own3", "shared",
    ]  # fmt: skip


def test_csv_items_are_counted_once_whatever_their_rows(api):
    cat = Catalog(api)
    head = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.price_amount_cents\n"
    )
    good = "".join(f"TSHIRT-S,100,PriceVolumeTier,t{i},{50 + i}\n" for i in range(8))
    bad = "TSHIRT-M,x,,,\nTSHIRT-L,y,,,\n"
    attrs = run_import(api, "prices", head + good + bad + "MUG-01,5,,,\n",
                       parent_resource_id=cat.eur["id"])  # fmt: skip
    # 11 rows but 4 items (TSHIRT-S's 8 rows are one price): no error allowed, the first
    # bad item interrupts
    assert attrs["inputs_size"] == 4
    assert counts(attrs) == ("interrupted", 1, 1, 0, 0), attrs
    assert attrs_of(list_all(api, "/api/prices"), "sku_code") == [("TSHIRT-S",)]
    assert len(list_all(api, "/api/price_tiers")) == 8
