"""The splitter against the server: a file's chunks, imported one by one, are the items the
whole file is, with the key GET /api/import_types advertises (no item's rows in two chunks)."""

from __future__ import annotations

from client.chunks import split
from tests.support.jobs import run_import

HEADER = "price_list_code,sku_code,sku_id,amount_cents,price_tiers.name,price_tiers.up_to\r\n"
ROWS = (
    "EU,A,,100,t1,5\r\nEU,A,,100,t2,10\r\n"  # one price, two tiers
    "EU,,A,100,t3,20\r\n"  # the same key under the SKU's other column: still that price
    ",B,,100,t1,5\r\n,B,,100,t2,5\r\n"  # a blank key part: the server's two items, kept together
    "US,B,,1,,\r\nUS,B,,1,t1,5\r\n"  # a price without a tier, then its tier row
    "US,C,,1\r\n"  # a short row: an item of its own
    'US,C,,1,"t1\r\nnew line",5\r\n'
    "EU,A,,100,t9,1\r\n"  # the first key again, further down: another item, which the next
)  # copy's first three rows continue: 7 items in the first copy, 6 in each next one


def items_seen(done: dict) -> int:
    return done["processed_count"] + done["errors_count"]


def test_chunks_are_the_items_of_the_whole_file(api, tmp_path):
    key = api.get("/api/import_types/prices").json()["data"]["attributes"]["key"]
    path = tmp_path / "prices.csv"
    text = HEADER + ROWS * 3
    path.write_text(text, encoding="utf-8", newline="")
    whole = items_seen(run_import(api, "prices", text, skip_errors=True))

    chunks = list(split(path, format="csv", size=4, key=key))

    assert len(chunks) > 2
    seen = [
        items_seen(run_import(api, "prices", c.data.decode("utf-8"), skip_errors=True))
        for c in chunks
    ]
    assert (sum(seen), whole) == (19, 19), seen
