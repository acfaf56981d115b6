from tests.support import factories


def test_create_and_list_skus(api):
    sku = factories.sku(api, code="TSHIRT-M")
    r = api.get("/api/skus?filter[q][code_start]=TSHIRT&include=shipping_category")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["id"] for d in body["data"]] == [sku["id"]]
    assert body["included"][0]["type"] == "shipping_categories"
