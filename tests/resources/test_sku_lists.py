"""SKU lists: manual or by regex, a customer by email, items included, unique names."""

from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    errors,
    gone,
    patch,
    post,
    related_id,
)


def test_create_with_every_attribute(api):
    customer = factories.customer(api, "ada@example.com")
    attributes = {
        "name": "Summer Sale 2024!",
        "description": "Light, bright basics.",
        "image_url": "https://img.example.com/summer.jpg",
        "manual": False,
        "sku_code_regex": "^TSHIRT-",
        "reference": "l1",
        "metadata": {"season": "ss24"},
    }
    data = created(post(api, "sku_lists", {**attributes, "customer_email": "ADA@example.com"}))
    assert_rendered(data, {**attributes, "slug": "summer-sale-2024",
                           "customer_email": "ada@example.com"})  # fmt: skip
    assert related_id(data, "customer") == customer["id"]
    renamed = patch(api, data, {"name": "Winter"}).json()["data"]["attributes"]
    assert (renamed["name"], renamed["slug"]) == ("Winter", "winter")
    assert errors(patch(api, data, {"slug": "x"}), 400)[0]["title"] == "Param not allowed"


def test_rules(api, other_org):
    assert_invalid(post(api, "sku_lists", {}), "name", "blank")
    manual = created(post(api, "sku_lists", {"name": "Picks"}))
    assert manual["attributes"]["manual"] is True
    assert_invalid(post(api, "sku_lists", {"name": "Regex", "manual": False}), "sku_code_regex",
                   "blank")  # fmt: skip
    assert_invalid(patch(api, manual, {"manual": False}), "sku_code_regex", "blank")
    assert_taken(post(api, "sku_lists", {"name": "Picks"}), "name")
    created(post(other_org.api, "sku_lists", {"name": "Picks"}))  # another organization: fine
    response = post(api, "sku_lists", {"name": "Mine", "customer_email": "nobody@example.com"})
    assert_must_exist(response, "customer")


def test_items_included_filtered_and_deleted_with_the_list(api):
    skus = [factories.sku(api, code=c) for c in ("MUG", "CAP")]
    summer = factories.sku_list(api, "Summer", skus)
    factories.sku_list(api, "Empty")
    doc = api.get(f"/api/sku_lists/{summer['id']}?include=sku_list_items.sku").json()
    assert {r["type"] for r in doc["included"]} == {"sku_list_items", "skus"}
    assert len(doc["data"]["relationships"]["sku_list_items"]["data"]) == 2
    query = "/api/sku_lists?filter[q][sku_list_items_sku_code_eq]=CAP"
    assert [r["id"] for r in api.get(query).json()["data"]] == [summer["id"]]
    items = api.get(f"/api/sku_lists/{summer['id']}/sku_list_items").json()["data"]
    bundle = factories.bundle(api, summer)
    response = api.delete(f"/api/sku_lists/{summer['id']}")  # a bundle sells it
    assert errors(response)[0]["meta"]["error"] == "restrict_dependent_destroy"
    assert api.delete(f"/api/bundles/{bundle['id']}").status_code == 204
    assert api.delete(f"/api/sku_lists/{summer['id']}").status_code == 204
    assert all(gone(api, item) for item in items)
    assert not any(gone(api, sku) for sku in skus)
