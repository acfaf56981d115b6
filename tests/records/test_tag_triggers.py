"""`_add_tags` / `_remove_tags` on updates of taggable records."""

from tests.support import factories
from tests.support.documents import tag_names


def patch(api, sku_id, attributes):
    body = {"data": {"type": "skus", "id": sku_id, "attributes": attributes}}
    return api.patch(f"/api/skus/{sku_id}", json=body)


def test_add_and_remove_tags_by_name(api):
    sku = factories.sku(api)
    factories.tag(api, name="sale")
    assert patch(api, sku["id"], {"_add_tags": "sale,new"}).status_code == 200
    assert tag_names(api, sku) == ["new", "sale"]
    assert (
        patch(api, sku["id"], {"_remove_tags": ["sale"], "_add_tags": "summer"}).status_code == 200
    )
    assert tag_names(api, sku) == ["new", "summer"]
    names = [t["attributes"]["name"] for t in api.get("/api/tags").json()["data"]]
    assert sorted(names) == ["new", "sale", "summer"]


def test_add_tags_rejects_invalid_names_and_more_than_ten(api):
    sku = factories.sku(api)
    response = patch(api, sku["id"], {"_add_tags": "ok,not valid!"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"pointer": "/data/attributes/_add_tags"}
    assert tag_names(api, sku) == []
    response = patch(api, sku["id"], {"_add_tags": ",".join(f"t{i}" for i in range(11))})
    assert response.status_code == 422
    assert response.json()["errors"][0]["meta"] == {"error": "too_many", "count": 10}
