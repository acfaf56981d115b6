"""Tax categories and the tax calculators they belong to."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    gone,
    patch,
    post,
    related_id,
)


@pytest.fixture
def catalog(api):
    return factories.sku(api, code="TSHIRT"), factories.tax_calculator(api)


def rels(sku: dict, calculator: dict) -> dict:
    return {"sku": sku, "tax_calculator": calculator}


def test_create_with_every_attribute(api, catalog):
    sku, calculator = catalog
    attributes = {
        "code": "PC040100",
        "reference": "t",
        "reference_origin": "avalara",
        "metadata": {"a": True},
    }
    data = created(post(api, "tax_categories", attributes, rels(sku, calculator)))
    assert_rendered(data, attributes)
    assert related_id(data, "sku") == sku["id"]
    assert related_id(data, "tax_calculator") == calculator["id"]
    listed = api.get(f"/api/tax_calculators/{calculator['id']}/tax_categories").json()["data"]
    assert [c["id"] for c in listed] == [data["id"]]
    assert data["attributes"]["sku_code"] == "TSHIRT"


def test_sku_code_instead_of_the_sku(api, other_org, catalog):
    sku, calculator = catalog
    attributes = {"code": "PC1", "sku_code": "TSHIRT"}
    data = created(post(api, "tax_categories", attributes, {"tax_calculator": calculator}))
    assert related_id(data, "sku") == sku["id"]
    factories.sku(other_org.api, code="FOREIGN")
    for code in ("NOPE", "FOREIGN"):
        response = post(
            api, "tax_categories", {"code": "PC2", "sku_code": code}, {"tax_calculator": calculator}
        )
        assert_must_exist(response, "sku")


def test_required_relationships_must_exist_in_this_organization(api, other_org, catalog):
    sku, calculator = catalog
    foreign_calculator = factories.tax_calculator(other_org.api)
    foreign_sku = factories.sku(other_org.api)
    response = post(api, "tax_categories", {"code": "X"}, rels(sku, foreign_calculator))
    assert_must_exist(response, "tax_calculator")
    assert_must_exist(
        post(api, "tax_categories", {"code": "X"}, rels(foreign_sku, calculator)), "sku"
    )
    response = post(api, "tax_categories", {"code": "X"}, {"sku": sku})
    assert_invalid(response, "tax_calculator", "blank", relationship=True)


def test_code_is_unique_per_tax_calculator(api, other_org, catalog):
    sku, calculator = catalog
    factories.tax_category(api, sku, calculator, code="PC040100")
    response = post(
        api, "tax_categories", {"code": "PC040100"}, rels(factories.sku(api), calculator)
    )
    assert_taken(response, "code")
    factories.tax_category(api, sku, factories.tax_calculator(api), code="PC040100")  # fine
    other = factories.tax_category(api, sku, calculator, code="OTHER")
    assert_taken(patch(api, other, {"code": "PC040100"}), "code")
    foreign = factories.tax_calculator(other_org.api)
    factories.tax_category(other_org.api, factories.sku(other_org.api), foreign, code="PC040100")


def test_update_and_delete(api, catalog):
    category = factories.tax_category(api, *catalog)
    response = patch(api, category, {"code": "NEW", "metadata": {"v": 2}})
    assert response.status_code == 200, response.text
    assert_rendered(response.json()["data"], {"code": "NEW", "metadata": {"v": 2}})
    assert_invalid(patch(api, category, {"code": ""}), "code", "blank")
    assert api.delete(f"/api/tax_categories/{category['id']}").status_code == 204
    assert gone(api, category)


def test_deleting_a_tax_calculator_deletes_its_tax_categories(api, catalog):
    sku, calculator = catalog
    category = factories.tax_category(api, sku, calculator)
    assert api.delete(f"/api/{calculator['type']}/{calculator['id']}").status_code == 204
    assert gone(api, category)
    assert not gone(api, sku)


def test_tax_calculators_are_served_as_their_concrete_types(api):
    types = ("manual_tax_calculators", "external_tax_calculators", "avalara_accounts",
             "stripe_tax_accounts", "vertex_accounts", "taxjar_accounts")  # fmt: skip
    made = {t: created(post(api, t, {"name": t})) for t in types}
    assert {t: d["type"] for t, d in made.items()} == {t: t for t in types}
    listed = api.get("/api/tax_calculators", params={"page[size]": 25}).json()["data"]
    assert sorted((d["type"], d["id"]) for d in listed) == sorted(
        (t, d["id"]) for t, d in made.items()
    )
    manual = made["manual_tax_calculators"]
    response = patch(api, manual, {"name": "In house"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["name"] == "In house"
    assert api.get(f"/api/avalara_accounts/{manual['id']}").status_code == 404
    assert_invalid(post(api, "manual_tax_calculators", {}), "name", "blank")
    response = post(api, "tax_calculators", {"name": "x", "kind": "manual"})
    assert response.status_code == 403, response.text
    assert api.delete(f"/api/manual_tax_calculators/{manual['id']}").status_code == 204
    assert gone(api, manual)
