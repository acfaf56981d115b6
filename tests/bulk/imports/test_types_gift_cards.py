"""Gift card imports: parent market (currency inherited), generated codes, errors, cleanup."""

from __future__ import annotations

import re

import pytest

from tests.support import factories
from tests.support.documents import by, list_all
from tests.support.jobs import counts, fixture, run_import

GENERATED = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


@pytest.fixture
def market(api):
    return factories.market(api, code="EU")  # its price list is in EUR


def cards(api, **params) -> list[dict]:
    return list_all(api, "/api/gift_cards", **params)


def market_id(card: dict) -> str | None:
    data = card["relationships"]["market"]["data"]
    return data and data["id"]


def test_json_in_a_market(api, market):
    attrs = run_import(
        api, "gift_cards", fixture("gift_cards", "valid.json"), parent_resource_id=market["id"]
    )
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    found = cards(api, include="tags")
    assert {market_id(c) for c in found} == {market["id"]}
    named = by(found, "code")
    generated = [code for code in named if GENERATED.match(code)]
    assert sorted(set(named) - set(generated)) == ["GC-CORP-0002", "GC-XMAS-ADA-0001"]
    assert len(generated) == 1
    promo = named[generated[0]]["attributes"]
    assert (promo["balance_cents"], promo["single_use"], promo["reference"]) == (
        2500,
        True,
        "promo-card-1",
    )
    xmas, corp = named["GC-XMAS-ADA-0001"]["attributes"], named["GC-CORP-0002"]["attributes"]
    assert (xmas["currency_code"], corp["currency_code"], promo["currency_code"]) == (
        "EUR",
        "USD",
        "EUR",
    )  # inherited from the market unless given
    assert (xmas["status"], xmas["expires_at"]) == ("draft", "2025-12-31T23:59:59.000Z")
    assert (corp["balance_max_cents"], corp["metadata"]) == (50000, {"company": "Acme"})


def test_csv_with_market_codes(api, market):
    attrs = run_import(api, "gift_cards", fixture("gift_cards", "valid.csv"))
    assert counts(attrs) == ("completed", 3, 0, 0, 0), attrs
    named = by(cards(api), "code")
    assert sorted(named) == ["GC-ONLINE-0025", "GC-STORE-0050", "GC-STORE-0100"]
    store = named["GC-STORE-0100"]
    assert (market_id(store), store["attributes"]["currency_code"]) == (market["id"], "EUR")
    assert store["attributes"]["image_url"] == "https://img.example.com/gc/100.png"
    fifty = named["GC-STORE-0050"]["attributes"]
    assert (fifty["currency_code"], fifty["balance_max_cents"], fifty["single_use"]) == (
        "GBP",
        10000,
        True,
    )
    assert market_id(named["GC-STORE-0050"]) is None
    tags = list_all(api, f"/api/gift_cards/{store['id']}/tags")
    assert sorted(t["attributes"]["name"] for t in tags) == ["eur", "store"]


def test_reimport_updates_without_duplicates_and_logs_by_code(api, market):
    run_import(
        api, "gift_cards", fixture("gift_cards", "valid.json"), parent_resource_id=market["id"]
    )
    inputs = [*fixture("gift_cards", "update.json"), {"code": "GC-NOCURRENCY", "balance_cents": 1}]
    attrs = run_import(api, "gift_cards", inputs, skip_errors=True)
    assert counts(attrs) == ("completed", 2, 2, 0, 0), attrs
    assert attrs["errors_log"] == {
        "GC-BROKEN-0003": {"balance_cents": ["must be greater than or equal to 0"]},
        "GC-NOCURRENCY": {"currency_code": ["can't be blank"]},
    }
    named = by(cards(api), "code")
    assert len(named) == 4 == len(cards(api))
    corp = named["GC-CORP-0002"]
    assert (corp["attributes"]["balance_cents"], market_id(corp)) == (15000, market["id"])
    assert corp["attributes"]["currency_code"] == "USD"
    new = named["GC-NEW-0004"]
    assert (market_id(new), new["attributes"]["currency_code"]) == (None, "EUR")


def test_the_items_own_market_wins(api, market):
    us = factories.market(api, code="US")
    inputs = [
        {"code": "GC-PARENT-01", "balance_cents": 1},
        {"code": "GC-OWN-0001", "balance_cents": 1, "market_code": "US"},
        {"code": "GC-NOMARKET-1", "balance_cents": 1, "market_code": "MARS"},
    ]
    attrs = run_import(api, "gift_cards", inputs, parent_resource_id=market["id"], skip_errors=True)
    assert counts(attrs) == ("completed", 2, 1, 0, 0), attrs
    assert attrs["errors_log"] == {"GC-NOMARKET-1": {"market": ["must exist"]}}
    named = by(cards(api), "code")
    assert (market_id(named["GC-PARENT-01"]), market_id(named["GC-OWN-0001"])) == (
        market["id"],
        us["id"],
    )


def test_cleanup_within_the_market_and_organization_wide(api, other_org, market):
    other_market = factories.market(api)
    factories.gift_card(api, "GC-OLD-EU-01", market)
    factories.gift_card(api, "GC-OTHER-MKT-1", other_market)
    factories.gift_card(api, "GC-NO-MARKET-1")
    theirs = factories.gift_card(other_org.api, "GC-THEIRS-001")
    inputs = [{"code": "GC-FRESH-0001", "balance_cents": 100}]
    attrs = run_import(
        api, "gift_cards", inputs, parent_resource_id=market["id"], cleanup_records=True
    )
    assert counts(attrs) == ("completed", 1, 0, 0, 1), attrs
    assert sorted(by(cards(api), "code")) == ["GC-FRESH-0001", "GC-NO-MARKET-1", "GC-OTHER-MKT-1"]
    inputs = [{"code": "GC-FRESH-0001", "balance_cents": 200}]
    attrs = run_import(api, "gift_cards", inputs, cleanup_records=True, cleanup_max_ratio=1)
    assert counts(attrs) == ("completed", 1, 0, 0, 2), attrs
    assert sorted(by(cards(api), "code")) == ["GC-FRESH-0001"]
    assert other_org.api.get(f"/api/gift_cards/{theirs['id']}").status_code == 200
