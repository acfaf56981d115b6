"""GET /api/import_types: what a client splitting a file must know, per importable type; and
that the advertised key is the one the importer merges CSV rows on."""

from __future__ import annotations

import csv
import io

from resources import REGISTRY, importable_types
from resources.base import BelongsTo
from tests.support.jobs import run_import


def test_lists_every_importable_type_with_its_key_parent_and_children(api):
    response = api.get("/api/import_types")
    assert response.status_code == 200, response.text
    document = response.json()
    described = {item["id"]: item["attributes"] for item in document["data"]}
    assert sorted(described) == importable_types()
    assert {item["type"] for item in document["data"]} == {"import_types"}
    assert described["prices"] == {
        "key": [["price_list_code", "price_list_id"], ["sku_code", "sku_id"]],
        "parent": "price_list_id",
        "parent_type": "price_lists",
        "children": ["price_tiers"],
    }
    assert described["tags"]["key"] == [["name"]]
    assert described["skus"]["parent"] is None
    meta = document["meta"]
    assert meta["upload_max_bytes"] == api.app.state.settings.upload_max_bytes
    assert meta["inputs_max"] == 10_000
    assert {"csv", "json", "ndjson", "xlsx"} <= set(meta["formats"])


def test_one_type_and_an_unknown_one(api):
    one = api.get("/api/import_types/stock_items")
    assert one.status_code == 200, one.text
    data = one.json()["data"]
    assert data["id"] == "stock_items"
    assert data["attributes"]["key"][1] == ["sku_code", "sku_id"]
    assert data["links"]["self"].endswith("/api/import_types/stock_items")

    unknown = api.get("/api/import_types/versions")
    assert unknown.status_code == 404
    assert "'versions' is not an importable type" in unknown.json()["errors"][0]["detail"]


def test_needs_a_token(anonymous):
    assert anonymous.get("/api/import_types").status_code == 401


def _dotted_column(resource_type: str, children: list[str]) -> str | None:
    """A column whose non-empty cell makes a repeated key the same item on the server: a nested
    child's, else an include's (a to-one relationship's)."""
    if children:
        return f"{children[0]}.reference"
    resource = REGISTRY[resource_type]
    to_one = [r.name for r in resource.relationships.values() if isinstance(r, BelongsTo)]
    return f"{to_one[0]}.name" if to_one else None


def _rows(key: list[list[str]], dotted: str) -> tuple[str, int]:
    """A CSV whose first two rows give one key (one item: the first row under each part's first
    column, the second under its last), then one row per key part changing that part only (one
    item each); and how many items that is."""
    columns = [column for part in key for column in part]
    values = [f"PART{n}-1" for n in range(len(key))]

    def row(alternative: int) -> dict[str, str]:
        return {part[alternative]: value for part, value in zip(key, values, strict=True)}

    rows = [row(0), row(-1)]
    for n in range(len(key)):
        values[n] = f"PART{n}-2"
        rows.append(row(0))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*columns, dotted])
    writer.writeheader()
    for cells in rows:
        writer.writerow({**cells, dotted: "x"})
    return out.getvalue(), 1 + len(key)


def test_the_advertised_key_is_what_the_importer_merges_on(api):
    """Every importable type: rows built from the advertised key columns are merged exactly when
    every part repeats, under any of its columns (each part on its own tells items apart)."""
    for item in api.get("/api/import_types").json()["data"]:
        resource_type, attributes = item["id"], item["attributes"]
        dotted = _dotted_column(resource_type, attributes["children"])
        if dotted is None:
            continue  # rows of a type with nothing dotted never merge (tags)
        text, items = _rows(attributes["key"], dotted)
        done = run_import(api, resource_type, text, skip_errors=True)
        seen = done["processed_count"] + done["errors_count"]
        assert seen == items, (resource_type, text, done["errors_log"])
