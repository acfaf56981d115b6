"""`/api/import_profiles`: a nightly feed's settings kept once, and the imports that use them
(`import_profile_id`), with `defaults`, `locked_fields` and `merge_mode`."""

from __future__ import annotations

import pytest

from core.settings import Settings
from tests.support import factories
from tests.support.documents import by, created, fetch, list_all, only_error, patch, post
from tests.support.jobs import counts, post_import, run_import, run_to_end
from tests.support.mail import mail_server, settings_sending_to  # noqa: F401 - a fixture
from tests.support.world import Catalog


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path, jwt_pem, mail_server) -> Settings:  # noqa: F811
    """A server with mail settings: profiles take `notify_email` only there."""
    return settings_sending_to(request, tmp_path, jwt_pem, mail_server)


GERMAN = {"Nummer": "code", "Bezeichnung": "name", "Gewicht": {"to": "weight", "scale": 1}}


def profile(api, **attributes) -> dict:
    attributes = {"name": "Nightly SKUs", "resource_type": "skus", **attributes}
    return created(post(api, "import_profiles", attributes))


def skus(api) -> dict[str, dict]:
    return {c: s["attributes"] for c, s in by(list_all(api, "/api/skus"), "code").items()}


def test_a_profile_is_created_read_changed_and_deleted(api):
    made = profile(api, mapping=GERMAN, defaults={"shipping_category_code": "STANDARD"},
                   locked_fields=["name"], notify_email="ops@example.com")  # fmt: skip
    attrs = made["attributes"]
    assert (attrs["merge_mode"], attrs["cleanup_records"], attrs["skip_errors"]) == (
        "partial", False, False,
    )  # fmt: skip
    assert attrs["notify_email"] == ["ops@example.com"]
    assert attrs["mapping"] == GERMAN and attrs["locked_fields"] == ["name"]
    response = patch(api, made, {"merge_mode": "replace", "notify_email": ["a@x.io", "b@x.io"]})
    assert response.status_code == 200, response.text
    assert fetch(api, made)["attributes"]["merge_mode"] == "replace"
    assert fetch(api, made)["attributes"]["notify_email"] == ["a@x.io", "b@x.io"]
    assert api.delete(f"/api/import_profiles/{made['id']}").status_code == 204
    assert api.get(f"/api/import_profiles/{made['id']}").status_code == 404


@pytest.mark.parametrize(
    ("attributes", "pointer", "says"),
    [
        ({"resource_type": "versions"}, "resource_type", "is not included in the list"),
        ({"mapping": {"Nummer": "nope"}}, "mapping", "Nummer"),
        ({"defaults": {"colour": "red"}}, "defaults", "'colour'"),
        ({"defaults": {"pieces_per_pack": "many"}}, "defaults", "'pieces_per_pack'"),
        ({"locked_fields": ["code"]}, "locked_fields", "'code'"),
        ({"locked_fields": ["created_at"]}, "locked_fields", "'created_at'"),
        ({"locked_fields": ["shipping_category_code"]}, "locked_fields", "shipping_category"),
        ({"merge_mode": "overwrite"}, "merge_mode", "is not included in the list"),
        ({"notify_email": ["ops@example.com", "not an address"]}, "notify_email", "not an"),
    ],
)
def test_what_a_profile_cannot_use_is_a_422_naming_it(api, attributes, pointer, says):
    body = {"name": "Feed", "resource_type": "skus", **attributes}
    error = only_error(post(api, "import_profiles", body))
    assert error["source"]["pointer"] == f"/data/attributes/{pointer}"
    assert says in error["detail"]


def test_a_profile_name_is_unique_in_its_organization(api, other_org):
    profile(api)
    error = only_error(
        post(api, "import_profiles", {"name": "Nightly SKUs", "resource_type": "tags"})
    )
    assert error["source"]["pointer"] == "/data/attributes/name"
    profile(other_org.api)  # another organization's namesake is no duplicate


def test_a_profile_update_is_checked_against_its_type(api):
    made = profile(api)
    error = only_error(patch(api, made, {"locked_fields": ["code"]}))
    assert error["source"]["pointer"] == "/data/attributes/locked_fields"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_import_through_a_profile(api, fmt):
    Catalog(api)
    feed = profile(api, mapping=GERMAN, defaults={"shipping_category_code": "EXPRESS"})
    rows = [{"Nummer": "P-1", "Bezeichnung": "Eins", "Gewicht": "1.5"},
            {"Nummer": "P-2", "Bezeichnung": "Zwei", "Gewicht": "2"}]  # fmt: skip
    inputs: object = rows
    if fmt == "csv":
        inputs = "Nummer,Bezeichnung,Gewicht\n" + "".join(
            f"{r['Nummer']},{r['Bezeichnung']},{r['Gewicht']}\n" for r in rows
        )
    attributes = {"inputs": inputs, "import_profile_id": feed["id"]}
    if fmt == "csv":
        attributes["format"] = "csv"
    body = {"data": {"type": "imports", "attributes": attributes}}
    job = created(api.post("/api/imports", json=body))
    attrs = run_to_end(api, "imports", job["id"])
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    assert (attrs["resource_type"], attrs["mapping"]) == ("skus", GERMAN)  # copied
    found = skus(api)
    assert (found["P-1"]["name"], found["P-1"]["weight"]) == ("Eins", 1.5)
    assert found["P-2"]["shipping_category_code"] == "EXPRESS"


def test_an_uploaded_csv_with_german_headers_mapped_by_its_profile(api):
    Catalog(api)
    feed = profile(api, mapping=GERMAN, defaults={"do_not_ship": True})
    text = "Nummer;Bezeichnung;Gewicht\r\nKAFFEE;Café crème;0,25\r\nTEE;Grüner Tee;1\r\n"
    response = api.post("/api/imports", files={"file": ("lieferant.csv", text.encode("cp1252"))},
                        data={"import_profile_id": feed["id"]})  # fmt: skip
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    found = skus(api)
    assert found["KAFFEE"]["name"] == "Café crème" and found["KAFFEE"]["do_not_ship"] is True
    assert found["TEE"]["weight"] == 1.0


def test_the_import_attributes_win_over_its_profile(api):
    cat = Catalog(api)
    feed = profile(api, defaults={"shipping_category_code": "EXPRESS"}, skip_errors=True,
                   mapping=GERMAN)  # fmt: skip
    inputs = [{"code": "W-1", "name": "Won"}]
    mine = {"shipping_category_code": "STANDARD"}
    attrs = run_import(api, "skus", inputs, import_profile_id=feed["id"], mapping={},
                       defaults=mine, skip_errors=False)  # fmt: skip
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs
    assert (attrs["skip_errors"], attrs["mapping"]) == (False, {})
    assert skus(api)["W-1"]["shipping_category_code"] == cat.standard["attributes"]["code"]


def test_defaults_fill_a_missing_shipping_category_code_only(api):
    cat = Catalog(api)
    inputs = [
        {"code": "D-1", "name": "no category"},
        {"code": "D-2", "name": "its own", "shipping_category_code": "STANDARD"},
        {"code": "D-3", "name": "by id", "shipping_category_id": cat.standard["id"]},
    ]
    feed = profile(api, defaults={"shipping_category_code": "EXPRESS", "pieces_per_pack": "6"})
    attrs = run_import(api, "skus", inputs, import_profile_id=feed["id"])
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = skus(api)
    assert [found[c]["shipping_category_code"] for c in ("D-1", "D-2", "D-3")] == [
        "EXPRESS", "STANDARD", "STANDARD",
    ]  # fmt: skip
    assert found["D-1"]["pieces_per_pack"] == 6  # coerced by its declared type


def test_locked_fields_are_kept_on_update_and_set_on_create(api):
    cat = Catalog(api)
    feed = profile(api, locked_fields=["name", "description"])
    factories.sku(api, code="L-1", category=cat.standard, name="Curated", description="by hand")
    inputs = [
        {"code": "L-1", "name": "Feed name", "description": "feed text", "weight": 3},
        {"code": "L-2", "name": "Brand new", "description": "from the feed",
         "shipping_category_code": "STANDARD"},
    ]  # fmt: skip
    attrs = run_import(api, "skus", inputs, import_profile_id=feed["id"])
    assert (attrs["created_count"], attrs["updated_count"], attrs["errors_count"]) == (1, 1, 0)
    found = skus(api)
    assert (found["L-1"]["name"], found["L-1"]["description"], found["L-1"]["weight"]) == (
        "Curated", "by hand", 3.0,
    )  # fmt: skip
    assert (found["L-2"]["name"], found["L-2"]["description"]) == ("Brand new", "from the feed")
    # only locked attributes differing: unchanged
    again = run_import(
        api, "skus", [{"code": "L-1", "name": "Other"}], import_profile_id=feed["id"]
    )
    assert (again["unchanged_count"], again["updated_count"]) == (1, 0)


def test_replace_mode_resets_omitted_attributes_and_replaces_nested_children(api):
    cat = Catalog(api)
    sku = factories.sku(api, code="R-1", category=cat.standard, description="old text",
                        weight=2.5, pieces_per_pack=4)  # fmt: skip
    price = factories.price(api, cat.skus["TSHIRT-S"], cat.eur, compare_at_amount_cents=2000)
    factories.price_tier(api, price, name="5er", up_to=5)
    other = factories.price(api, cat.skus["TSHIRT-M"], cat.eur)
    factories.price_tier(api, other, name="keep me", up_to=5)
    feed = profile(api, merge_mode="replace", locked_fields=["weight"])
    attrs = run_import(api, "skus", [{"code": "R-1", "name": "Renamed", "do_not_ship": True}],
                       import_profile_id=feed["id"])  # fmt: skip
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs
    found = skus(api)["R-1"]
    assert (found["name"], found["description"], found["pieces_per_pack"]) == (
        "Renamed",
        None,
        None,
    )
    assert found["weight"] == 2.5  # locked
    assert found["shipping_category_code"] == "STANDARD"  # a relationship: kept
    assert fetch(api, sku)["attributes"]["code"] == "R-1"
    tiers = [{"name": "10er", "type": "PriceVolumeTier", "up_to": 10, "price_amount_cents": 900}]
    attrs = run_import(api, "prices", [
        {"sku_code": "TSHIRT-S", "amount_cents": 1100, "price_tiers": tiers},
        {"sku_code": "TSHIRT-M", "amount_cents": 1200},
    ], parent_resource_id=cat.eur["id"], merge_mode="replace")  # fmt: skip
    assert counts(attrs) == ("completed", 2, 0, 0, 0), attrs
    assert attrs["updated_count"] == 2
    assert fetch(api, price)["attributes"]["compare_at_amount_cents"] is None
    names = [
        t["attributes"]["name"] for t in list_all(api, f"/api/prices/{price['id']}/price_tiers")
    ]
    assert names == ["10er"]
    assert list_all(api, f"/api/prices/{other['id']}/price_tiers") == []  # no array: none left


def test_partial_mode_is_the_default_and_changes_only_what_is_given(api):
    cat = Catalog(api)
    price = factories.price(api, cat.skus["TSHIRT-S"], cat.eur, compare_at_amount_cents=2000)
    factories.price_tier(api, price, name="5er", up_to=5)
    attrs = run_import(api, "prices", [{"sku_code": "TSHIRT-S", "amount_cents": 1100}],
                       parent_resource_id=cat.eur["id"])  # fmt: skip
    assert attrs["merge_mode"] == "partial" and attrs["updated_count"] == 1
    assert fetch(api, price)["attributes"]["compare_at_amount_cents"] == 2000
    assert len(list_all(api, f"/api/prices/{price['id']}/price_tiers")) == 1


def test_an_import_shows_its_profile_as_a_relationship(api):
    feed = profile(api, resource_type="tags")
    job = created(post_import(api, "tags", [{"name": "x"}], import_profile_id=feed["id"]))
    response = api.get(f"/api/imports/{job['id']}", params={"include": "import_profile"})
    assert response.status_code == 200, response.text
    doc = response.json()
    linkage = doc["data"]["relationships"]["import_profile"]["data"]
    assert linkage == {"type": "import_profiles", "id": feed["id"]}
    assert [r["id"] for r in doc["included"]] == [feed["id"]]
    run_to_end(api, "imports", job["id"])


def test_an_import_names_its_profile_by_relationship_too(api):
    feed = profile(api, resource_type="tags", defaults={"metadata": {"feed": "nightly"}})
    body = {"data": {"type": "imports", "attributes": {"inputs": [{"name": "rel"}]},
            "relationships": {"import_profile": {"data": {"type": "import_profiles",
                                                          "id": feed["id"]}}}}}  # fmt: skip
    job = created(api.post("/api/imports", json=body))
    assert run_to_end(api, "imports", job["id"])["created_count"] == 1
    (tag,) = list_all(api, "/api/tags")
    assert tag["attributes"]["metadata"] == {"feed": "nightly"}


def test_a_profile_of_another_type_or_organization_is_a_422(api, other_org):
    tags = profile(api, resource_type="tags")
    error = only_error(post_import(api, "skus", [{"code": "X"}], import_profile_id=tags["id"]))
    assert error["source"]["pointer"] == "/data/attributes/import_profile_id"
    assert "tags" in error["detail"]
    theirs = profile(other_org.api)
    for unknown in (theirs["id"], "nosuchid00"):
        error = only_error(post_import(api, "skus", [{"code": "X"}], import_profile_id=unknown))
        assert error["source"]["pointer"] == "/data/attributes/import_profile_id"


def test_an_import_keeps_its_copy_when_its_profile_changes_or_goes(api):
    feed = profile(api, resource_type="tags", defaults={"metadata": {"v": 1}})
    job = created(post_import(api, "tags", [{"name": "kept"}], import_profile_id=feed["id"]))
    assert patch(api, feed, {"defaults": {"metadata": {"v": 2}}}).status_code == 200
    assert api.delete(f"/api/import_profiles/{feed['id']}").status_code == 204
    attrs = run_to_end(api, "imports", job["id"])
    assert (attrs["created_count"], attrs["defaults"]) == (1, {"metadata": {"v": 1}})
    assert fetch(api, job)["relationships"]["import_profile"]["data"] is None
    (tag,) = list_all(api, "/api/tags")
    assert tag["attributes"]["metadata"] == {"v": 1}


def test_one_off_import_settings_are_checked_as_a_profile_s(api):
    error = only_error(post_import(api, "skus", [{"code": "X"}], locked_fields=["code"]))
    assert error["source"]["pointer"] == "/data/attributes/locked_fields"
    error = only_error(post_import(api, "skus", [{"code": "X"}], merge_mode="merge"))
    assert error["source"]["pointer"] == "/data/attributes/merge_mode"


def test_the_readme_example(api):
    """README "Import profiles", as written there (the file uploaded with the profile only)."""
    factories.shipping_category(api, "Merchandise", code="MERCH")
    feed = created(post(api, "import_profiles", {
        "name": "Lieferant nightly", "resource_type": "skus",
        "mapping": {"Nummer": "code", "Bezeichnung": "name"},
        "defaults": {"shipping_category_code": "MERCH"}, "locked_fields": ["description"],
        "merge_mode": "replace", "skip_errors": True, "notify_email": "ops@example.com",
    }))  # fmt: skip
    file = b"Nummer,Bezeichnung\nTS-1,T-Shirt\n"
    response = api.post("/api/imports", files={"file": ("lieferant.csv", file)},
                        data={"import_profile_id": feed["id"]})  # fmt: skip
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs
    assert (attrs["merge_mode"], attrs["skip_errors"]) == ("replace", True)
    assert skus(api)["TS-1"]["shipping_category_code"] == "MERCH"
    history = api.get(f"/api/import_profiles/{feed['id']}/versions")
    assert history.status_code == 200, history.text
    assert [v["attributes"]["event"] for v in history.json()["data"]] == ["create"]


def test_an_import_s_profile_cannot_change_after_create(api):
    first, second = profile(api, resource_type="tags"), profile(api, name="B", resource_type="tags")
    job = created(post_import(api, "tags", [{"name": "x"}], import_profile_id=first["id"]))
    error = only_error(patch(api, job, {}, {"import_profile": second}))
    assert error["source"]["pointer"] == "/data/relationships/import_profile"
    run_to_end(api, "imports", job["id"])
    assert fetch(api, job)["relationships"]["import_profile"]["data"]["id"] == first["id"]
