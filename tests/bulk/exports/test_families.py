"""Exports of a family: `price_tiers` (Commerce Layer exports the umbrella, not its concrete
types) writes each tier of either concrete type with its Commerce Layer `type`."""

from __future__ import annotations

from tests.support import factories
from tests.support.jobs import csv_rows, items, run_export


def test_price_tiers_export_their_commerce_layer_type(api):
    price = factories.price(api, factories.sku(api), factories.price_list(api))
    factories.price_tier(api, price, "10 pack", up_to=10)
    factories.price_tier(api, price, "monthly", "price_frequency_tiers", up_to=30)
    _attrs, gz = run_export(api, "price_tiers", dry_data=True)
    assert sorted((i["type"], i["name"]) for i in items(gz)) == [
        ("PriceFrequencyTier", "monthly"),
        ("PriceVolumeTier", "10 pack"),
    ]
    _attrs, gz = run_export(api, "price_tiers", format="csv")
    assert sorted((r["type"], r["name"]) for r in csv_rows(gz)) == [
        ("PriceFrequencyTier", "monthly"),
        ("PriceVolumeTier", "10 pack"),
    ]
