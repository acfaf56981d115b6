"""Items of one import repeating an earlier item's key: one warning each, naming both
positions, and the last one wins; across chunks, and after a resume at the cursor."""

from __future__ import annotations

import dataclasses

import pytest

from tests.bulk.imports.test_crash import Crash, crash_after
from tests.support import factories
from tests.support.api import open_app
from tests.support.documents import by, list_all
from tests.support.jobs import (
    counts,
    deliver_import,
    go_stale,
    hold_jobs,
    post_import,
    run_import,
    run_to_end,
)
from tests.support.world import Catalog


@pytest.fixture
def app(settings):
    """Overrides conftest's app: chunks of 2 items, so duplicates cross chunks."""
    with open_app(dataclasses.replace(settings, import_chunk_size=2)) as application:
        yield application


def names(api) -> dict[str, str]:
    return {c: s["attributes"]["name"] for c, s in by(list_all(api, "/api/skus"), "code").items()}


def test_json_duplicates_across_chunks_warn_on_the_later_items_and_the_last_wins(api):
    factories.shipping_category(api, "Standard", code="STANDARD")
    inputs = [{"code": c, "name": n, "shipping_category_code": "STANDARD"}
              for c, n in [("A", "first"), ("B", "b"), ("C", "c"), ("A", "second"),
                           ("A", "third")]]  # fmt: skip
    attrs = run_import(api, "skus", inputs)
    assert counts(attrs) == ("completed", 5, 0, 2, 0), attrs
    assert attrs["warnings_log"] == {"A": [
        "code A also at item 1: the last one wins",
        "code A also at item 1: the last one wins",
    ]}  # fmt: skip
    assert names(api) == {"A": "third", "B": "b", "C": "c"}


def test_csv_duplicates_name_their_lines_and_one_item_s_rows_are_none(api):
    cat = Catalog(api)
    csv = (
        "code,name,shipping_category_code\n"
        'B,"two\nlines",STANDARD\n'  # a quoted newline: item 1 spans lines 2 and 3
        "A,first,STANDARD\n"
        "C,c,STANDARD\n"
        "A,second,STANDARD\n"
    )
    attrs = run_import(api, "skus", csv)
    assert counts(attrs) == ("completed", 4, 0, 1, 0), attrs
    assert attrs["warnings_log"] == {"A": ["code A also at item 2 (line 4): the last one wins"]}
    assert names(api)["A"] == "second"

    # consecutive rows of one price (its tiers) are one item: no warning
    tiers = (
        "sku_code,amount_cents,price_tiers.type,price_tiers.name,price_tiers.up_to,"
        "price_tiers.price_amount_cents\n"
        "TSHIRT-S,1850,PriceVolumeTier,5 pack,5,1700\n"
        "TSHIRT-S,1850,PriceVolumeTier,10 pack,10,1600\n"
    )
    attrs = run_import(api, "prices", tiers, parent_resource_id=cat.eur["id"])
    assert counts(attrs) == ("completed", 1, 0, 0, 0), attrs


def test_a_resumed_run_still_warns_of_keys_before_its_cursor(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    inputs = [{"name": n} for n in ("a", "b", "c", "a")]
    response = post_import(api, "tags", inputs)
    assert response.status_code == 201, response.text
    import_id = response.json()["data"]["id"]
    crash_after(monkeypatch, chunks=1)  # `a`'s chunk committed, the run dies
    with pytest.raises(Crash):
        deliver_import(app, import_id)
    monkeypatch.undo()
    hold_jobs(app, monkeypatch)
    go_stale(app, "imports", import_id)
    deliver_import(app, import_id)  # resumes at the cursor, 2
    attrs = api.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
    assert counts(attrs) == ("completed", 4, 0, 1, 0), attrs
    assert attrs["warnings_log"] == {"a": ["name a also at item 1: the last one wins"]}


def test_keys_that_are_no_text_fail_their_items_and_number_keys_are_codes(api):
    factories.shipping_category(api, "Standard", code="STANDARD")
    attrs = run_import(api, "skus", [
        {"code": [], "name": "x"}, {"code": [], "name": "y"},  # each its own error, no warning
        {"code": 7, "name": "seven", "shipping_category_code": "STANDARD"},
        {"code": "7", "name": "seven again", "shipping_category_code": "STANDARD"},
    ], skip_errors=True)  # fmt: skip
    assert (attrs["status"], attrs["errors_count"], attrs["warnings_count"]) == (
        "completed", 2, 1,
    ), attrs  # fmt: skip
    assert attrs["warnings_log"] == {"7": ["code 7 also at item 3: the last one wins"]}
    assert names(api) == {"7": "seven again"}


def test_an_ndjson_file_s_duplicates_name_their_lines(api):
    content = b'{"name": "a"}\n\n{"name": "b"}\n{"name": "a"}\n'  # a blank line: no item
    response = api.post("/api/imports", files={"file": ("tags.ndjson", content)},
                        data={"resource_type": "tags"})  # fmt: skip
    assert response.status_code == 201, response.text
    attrs = run_to_end(api, "imports", response.json()["data"]["id"])
    assert counts(attrs) == ("completed", 3, 0, 1, 0), attrs
    assert attrs["warnings_log"] == {"a": ["name a also at item 1 (line 1): the last one wins"]}
