"""cleanup_records: what is deleted, what is kept, and when nothing is."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import created, list_all, only_error, patch, post, rel_attrs_of
from tests.support.jobs import counts, post_import, run_import, run_to_end
from tests.support.world import Catalog


def names(api, type_: str) -> list[str]:
    return sorted(r["attributes"]["name"] for r in list_all(api, f"/api/{type_}"))


def test_prices_within_the_parent_price_list(api):
    cat = Catalog(api)
    for code in ("TSHIRT-S", "TSHIRT-M", "TSHIRT-L"):
        factories.price_tier(api, cat.price(code), name="old tier")
    usd = cat.price("MUG-01", cat.usd)
    attrs = run_import(api, "prices", [
        {"sku_code": "TSHIRT-S", "amount_cents": 1},
        {"sku_code": "MUG-01", "amount_cents": 2},
    ], parent_resource_id=cat.eur["id"], cleanup_records=True)  # fmt: skip
    assert counts(attrs) == ("completed", 2, 0, 0, 2), attrs
    prices = rel_attrs_of(list_all(api, "/api/prices"), "price_list", "sku_code", "amount_cents")
    eur, usd_id = cat.eur["id"], cat.usd["id"]
    assert prices == sorted([(eur, "MUG-01", 2), (eur, "TSHIRT-S", 1), (usd_id, "MUG-01", 1000)])
    assert api.get(f"/api/prices/{usd['id']}").status_code == 200
    assert len(list_all(api, "/api/price_tiers")) == 1  # the deleted prices' tiers went too


def test_stock_items_within_the_parent_location(api):
    cat = Catalog(api)
    for code in ("TSHIRT-S", "TSHIRT-M"):
        factories.stock_item(api, cat.warehouse, cat.skus[code])
        factories.stock_item(api, cat.store, cat.skus[code])
    attrs = run_import(
        api,
        "stock_items",
        [{"sku_code": "TSHIRT-L", "quantity": 3}],
        parent_resource_id=cat.warehouse["id"],
        cleanup_records=True,
        cleanup_max_ratio=1,
    )  # all but the new one: past the default guard
    assert counts(attrs) == ("completed", 1, 0, 0, 2), attrs
    items = rel_attrs_of(
        list_all(api, "/api/stock_items"), "stock_location", "sku_code", "quantity"
    )
    assert items == sorted([
        (cat.warehouse["id"], "TSHIRT-L", 3),
        (cat.store["id"], "TSHIRT-S", 10),
        (cat.store["id"], "TSHIRT-M", 10),
    ])  # fmt: skip


def test_organization_wide_without_parent(api, other_org):
    for name in ("keep", "old1", "old2"):
        factories.tag(api, name)
    factories.tag(other_org.api, "theirs")
    sku = factories.sku(api)
    tagged = {"data": [{"type": "tags", "id": t["id"]} for t in list_all(api, "/api/tags")]}
    assert api.patch(f"/api/skus/{sku['id']}/relationships/tags", json=tagged).status_code == 204
    attrs = run_import(api, "tags", [{"name": "keep"}, {"name": "new"}], cleanup_records=True)
    assert counts(attrs) == ("completed", 2, 0, 0, 2), attrs
    assert names(api, "tags") == ["keep", "new"]
    assert names(other_org.api, "tags") == ["theirs"]
    assert [t["attributes"]["name"] for t in list_all(api, f"/api/skus/{sku['id']}/tags")] == [
        "keep"
    ]


def test_a_record_in_use_is_a_warning(api):
    used = factories.shipping_category(api, "Used")
    factories.shipping_category(api, "Unused")
    factories.sku(api, category=used)
    attrs = run_import(api, "shipping_categories", [{"name": "Fresh"}], cleanup_records=True)
    assert counts(attrs) == ("completed", 1, 0, 1, 1), attrs
    assert attrs["warnings_log"] == {"Used": ["could not be deleted"]}
    assert names(api, "shipping_categories") == ["Fresh", "Used"]


def test_warnings_of_items_and_of_cleanup_add_up(api):
    used = factories.shipping_category(api, "Used")
    factories.sku(api, category=used)
    attrs = run_import(api, "shipping_categories", [{"name": "Fresh", "colour": "x"}],
                       cleanup_records=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 0, 2, 0), attrs
    assert attrs["warnings_log"] == {
        "Fresh": ["colour is not an attribute of shipping_categories: ignored"],
        "Used": ["could not be deleted"],
    }


def test_no_cleanup_when_interrupted(api):
    for name in ("a", "b", "c"):
        factories.tag(api, name)
    attrs = run_import(api, "tags", [{"name": "a"}, {"name": "bad name"}], cleanup_records=True)
    assert counts(attrs) == ("interrupted", 1, 1, 0, 0), attrs
    assert names(api, "tags") == ["a", "b", "c"]


def test_a_failing_item_keeps_its_record(api):
    tags = {name: factories.tag(api, name) for name in ("a", "b", "c")}
    attrs = run_import(api, "tags", [
        {"name": "a"}, {"id": tags["b"]["id"], "name": "not valid!"},
    ], cleanup_records=True, skip_errors=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 1, 0, 1), attrs
    assert names(api, "tags") == ["a", "b"]


def test_nothing_to_delete(api):
    attrs = run_import(api, "tags", [{"name": "only"}], cleanup_records=True)
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs


# -- the guard: cleanup_max_ratio ----------------------------------------------------------------

THOUSAND = [{"name": f"t{i:04}"} for i in range(1000)]
SKIPPED = (
    "cleanup skipped: it would delete 800 of 1,000 tags (80%), more than cleanup_max_ratio 0.5"
)


def test_a_cleanup_deleting_more_than_the_ratio_deletes_nothing_and_says_why(api):
    assert counts(run_import(api, "tags", THOUSAND))[:3] == ("completed", 1000, 0)
    attrs = run_import(api, "tags", THOUSAND[:200], cleanup_records=True)
    assert attrs["cleanup_max_ratio"] == 0.5  # the default
    assert counts(attrs) == ("completed", 200, 0, 1, 0), attrs
    assert attrs["warnings_log"] == {"cleanup": [SKIPPED]}
    assert len(names(api, "tags")) == 1000

    # the preview plans no deletion, and says why
    response = post_import(api, "tags", THOUSAND[:200], cleanup_records=True, preview=True)
    assert response.status_code == 201, response.text
    plan = run_to_end(api, "imports", response.json()["data"]["id"])
    assert plan["status"] == "previewed" and plan["plan_counts"]["delete"] == 0, plan
    assert plan["plan_log"] == [{"key": "cleanup", "action": "skip", "warnings": [SKIPPED]}]

    # a share up to the ratio runs (800 of 1,000 is not more than 0.8); 1.0 allows everything
    attrs = run_import(api, "tags", THOUSAND[:200], cleanup_records=True, cleanup_max_ratio=0.8)
    assert counts(attrs) == ("completed", 200, 0, 0, 800), attrs
    attrs = run_import(api, "tags", [{"name": "new"}], cleanup_records=True, cleanup_max_ratio=1)
    assert counts(attrs) == ("completed", 1, 0, 0, 200), attrs
    assert names(api, "tags") == ["new"]


def test_the_scope_is_the_parent_s_records(api):
    cat = Catalog(api)
    for code in ("TSHIRT-S", "TSHIRT-M", "TSHIRT-L"):
        factories.stock_item(api, cat.warehouse, cat.skus[code])
    factories.stock_item(api, cat.store, cat.skus["TSHIRT-S"])  # another location's: not counted
    attrs = run_import(api, "stock_items", [{"sku_code": "TSHIRT-S", "quantity": 3}],
                       parent_resource_id=cat.warehouse["id"], cleanup_records=True)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 0, 1, 0), attrs
    assert attrs["warnings_log"]["cleanup"] == [
        "cleanup skipped: it would delete 2 of 3 stock_items (67%), more than cleanup_max_ratio 0.5"
    ]
    assert len(list_all(api, "/api/stock_items")) == 4


def test_a_profile_s_ratio_is_copied_onto_its_imports(api):
    for name in ("a", "b", "c"):
        factories.tag(api, name)
    feed = created(post(api, "import_profiles", {"name": "Tags", "resource_type": "tags",
                                                 "cleanup_records": True,
                                                 "cleanup_max_ratio": 1}))  # fmt: skip
    assert feed["attributes"]["cleanup_max_ratio"] == 1.0
    attrs = run_import(api, "tags", [{"name": "a"}], import_profile_id=feed["id"])
    assert (attrs["cleanup_max_ratio"], counts(attrs)) == (1.0, ("completed", 1, 0, 0, 2)), attrs
    assert names(api, "tags") == ["a"]
    # the import's own setting wins over its profile's
    factories.tag(api, "b")
    attrs = run_import(api, "tags", [{"name": "a"}], import_profile_id=feed["id"],
                       cleanup_max_ratio=0.25)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 0, 1, 0), attrs
    assert names(api, "tags") == ["a", "b"]


def test_a_ratio_outside_0_to_1_is_a_422(api):
    pointer = {"pointer": "/data/attributes/cleanup_max_ratio"}
    for bad in (1.5, -0.1):
        error = only_error(post_import(api, "tags", [{"name": "a"}], cleanup_max_ratio=bad))
        assert error["source"] == pointer and "from 0 to 1" in error["detail"], error
        response = post(api, "import_profiles", {"name": "P", "resource_type": "tags",
                                                 "cleanup_max_ratio": bad})  # fmt: skip
        assert only_error(response)["source"] == pointer
    error = only_error(post_import(api, "tags", [{"name": "a"}], cleanup_max_ratio="half"))
    assert error["source"] == pointer, error
    feed = created(post(api, "import_profiles", {"name": "P", "resource_type": "tags"}))
    assert feed["attributes"]["cleanup_max_ratio"] is None  # the imports' default applies
    assert only_error(patch(api, feed, {"cleanup_max_ratio": 2}))["source"] == pointer


def test_an_uploaded_file_takes_the_ratio_as_a_form_field(api):
    for name in ("a", "b", "c"):
        factories.tag(api, name)
    response = api.post("/api/imports", files={"file": ("tags.csv", b"name\na\na\n")},
                        data={"resource_type": "tags", "cleanup_records": "true",
                              "cleanup_max_ratio": "0.7"})  # fmt: skip
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert attrs["cleanup_max_ratio"] == 0.7
    assert counts(attrs) == ("completed", 2, 0, 1, 2), attrs  # 2 of 3 is not more than 0.7
    assert attrs["warnings_log"] == {"a": ["name a also at item 1 (line 2): the last one wins"]}
    assert names(api, "tags") == ["a"]
    bad = api.post("/api/imports", files={"file": ("tags.csv", b"name\na\n")},
                   data={"resource_type": "tags", "cleanup_max_ratio": "2"})  # fmt: skip
    assert only_error(bad)["source"] == {"pointer": "/data/attributes/cleanup_max_ratio"}
