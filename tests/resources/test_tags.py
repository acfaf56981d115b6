from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.documents import (
    assert_invalid,
    assert_must_exist,
    assert_rendered,
    assert_taken,
    created,
    errors,
    linkage,
    patch,
    post,
)


def tag_ids(api, owner: dict) -> list[str]:
    response = api.get(f"/api/{owner['type']}/{owner['id']}/relationships/tags")
    assert response.status_code == 200, response.text
    return sorted(d["id"] for d in response.json()["data"])


def tags_path(owner: dict) -> str:
    return f"/api/{owner['type']}/{owner['id']}/relationships/tags"


def taggables(api) -> list[dict]:
    return [factories.sku(api), factories.customer(api), factories.address(api)]


def test_create_with_every_attribute(api):
    attributes = {"name": "summer_sale-2026", "reference": "r", "metadata": {"color": "red"}}
    assert_rendered(created(post(api, "tags", attributes)), attributes)


@pytest.mark.parametrize("name", ["a", "Z9", "summer_sale-26", "x" * 25])
def test_names_matching_the_pattern_are_accepted(api, name):
    created(post(api, "tags", {"name": name}))


def test_names_not_matching_the_pattern_are_rejected(api):
    for name in ("summer sale", "été", "a.b", "a/b", "#hash", "x" * 26):
        response = post(api, "tags", {"name": name})
        error = errors(response)[0]
        assert error["source"] == {"pointer": "/data/attributes/name"}, name
        assert error["meta"]["error"] in ("invalid", "too_long"), (name, error)
    assert_invalid(post(api, "tags", {"name": "summer sale"}), "name", "invalid")
    assert_invalid(post(api, "tags", {"name": ""}), "name", "blank")


def test_name_is_unique_within_an_organization(api, other_org):
    tag = factories.tag(api, "sale")
    assert_taken(post(api, "tags", {"name": "sale"}), "name")
    factories.tag(other_org.api, "sale")
    other = factories.tag(api, "new")
    assert_taken(patch(api, other, {"name": "sale"}), "name")
    assert patch(api, tag, {"name": "sale", "reference": "x"}).status_code == 200


def test_skus_customers_and_addresses_take_tags_on_create_and_update(api):
    first, second = factories.tag(api), factories.tag(api)
    category = factories.shipping_category(api)
    sku = created(
        post(
            api,
            "skus",
            {"code": "A", "name": "n"},
            {"shipping_category": category, "tags": [first]},
        )
    )
    customer = created(post(api, "customers", {"email": "a@example.com"}, {"tags": [first]}))
    assert tag_ids(api, sku) == tag_ids(api, customer) == [first["id"]]

    for owner in (sku, customer):
        response = patch(api, owner, relationships={"tags": [first, second]})
        assert response.status_code == 200, response.text
        assert tag_ids(api, owner) == sorted([first["id"], second["id"]])
        related = api.get(f"/api/{owner['type']}/{owner['id']}/tags").json()["data"]
        assert sorted(t["id"] for t in related) == tag_ids(api, owner)
        assert patch(api, owner, relationships={"tags": []}).status_code == 200
        assert tag_ids(api, owner) == []


def test_tags_relationship_endpoint_adds_replaces_and_removes(api):
    a, b, c = (factories.tag(api) for _ in range(3))
    for owner in taggables(api):
        path = tags_path(owner)
        assert api.post(path, json={"data": linkage([a, b])}).status_code == 204
        assert api.post(path, json={"data": linkage([b, c])}).status_code == 204
        assert tag_ids(api, owner) == sorted(t["id"] for t in (a, b, c))
        assert api.delete(path, json={"data": linkage([a])}).status_code == 204
        assert tag_ids(api, owner) == sorted(t["id"] for t in (b, c))
        assert api.patch(path, json={"data": linkage([a])}).status_code == 204
        assert tag_ids(api, owner) == [a["id"]]


def test_at_most_ten_tags(api):
    tags = [factories.tag(api) for _ in range(11)]
    owners = taggables(api)
    for owner in owners:
        response = api.patch(tags_path(owner), json={"data": linkage(tags[:10])})
        assert response.status_code == 204, response.text
        response = api.post(tags_path(owner), json={"data": linkage(tags[10:])})
        assert errors(response)[0]["meta"] == {"error": "too_many", "count": 10}
        assert len(tag_ids(api, owner)) == 10
    response = post(api, "customers", {"email": "many@example.com"}, {"tags": tags})
    error = errors(response)[0]
    assert error["detail"] == "tags - is too long (maximum is 10 elements)"
    assert error["source"] == {"pointer": "/data/relationships/tags"}


def test_tags_of_another_organization_or_unknown_must_exist(api, other_org):
    foreign = factories.tag(other_org.api)
    mine = factories.tag(api)
    unknown = ("tags", "NoSuchId00")
    for ref in (foreign, unknown):
        response = post(api, "customers", {"email": "x@example.com"}, {"tags": [mine, ref]})
        assert_must_exist(response, "tags")
        for owner in taggables(api):
            response = api.post(tags_path(owner), json={"data": linkage([ref])})
            assert_must_exist(response, "tags")
            assert tag_ids(api, owner) == []


def test_deleting_a_tag_untags_its_records(api):
    doomed, kept = factories.tag(api), factories.tag(api)
    owners = taggables(api)
    for owner in owners:
        assert (
            api.patch(tags_path(owner), json={"data": linkage([doomed, kept])}).status_code == 204
        )
    assert api.delete(f"/api/tags/{doomed['id']}").status_code == 204
    for owner in owners:
        assert tag_ids(api, owner) == [kept["id"]]
