from __future__ import annotations

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_rendered,
    assert_taken,
    created,
    errors,
    gone,
    patch,
    post,
)


def test_create_with_every_attribute(api):
    attributes = {
        "name": "Merchandising",
        "code": "MERCH",
        "reference": "r1",
        "reference_origin": "erp",
        "metadata": {"k": [1, 2]},
    }
    assert_rendered(created(post(api, "shipping_categories", attributes)), attributes)


def test_name_is_required_and_unique_within_an_organization(api, other_org):
    assert_invalid(post(api, "shipping_categories", {"code": "X"}), "name", "blank")
    first = factories.shipping_category(api, "Standard")
    assert_taken(post(api, "shipping_categories", {"name": "Standard"}), "name")
    factories.shipping_category(other_org.api, "Standard")  # another organization: fine

    second = factories.shipping_category(api, "Express")
    assert_taken(patch(api, second, {"name": "Standard"}), "name")
    response = patch(api, first, {"name": "Standard", "code": "STD"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["code"] == "STD"


def test_a_category_used_by_a_sku_cannot_be_deleted(api):
    category = factories.shipping_category(api)
    sku = factories.sku(api, category=category)
    response = api.delete(f"/api/shipping_categories/{category['id']}")
    assert errors(response) == [
        {
            "title": "cannot be deleted because dependent records exist",
            "detail": "base - cannot be deleted because dependent records exist",
            "code": "VALIDATION_ERROR",
            "source": {"pointer": "/data"},
            "status": "422",
            "meta": {"error": "restrict_dependent_destroy"},
        }
    ]
    assert not gone(api, category)
    assert api.delete(f"/api/skus/{sku['id']}").status_code == 204
    assert api.delete(f"/api/shipping_categories/{category['id']}").status_code == 204
    assert gone(api, category)


def test_related_skus(api):
    category = factories.shipping_category(api)
    sku = factories.sku(api, category=category)
    factories.sku(api)  # another category's
    response = api.get(f"/api/shipping_categories/{category['id']}/skus")
    assert [d["id"] for d in response.json()["data"]] == [sku["id"]]
