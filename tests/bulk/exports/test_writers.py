"""Export files from items (bulk/exports/writers.py): no database, no server. The plans come
from the real declarations (``bulk.exports.plan.plan``); the items are what ``shape`` makes of
records. And what the writer writes, the importer's parser reads back (bulk/imports/parse.py).
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bulk.exports.plan import Nested, encode, field_tree, include_paths, plan
from bulk.exports.writers import to_csv, to_json
from bulk.imports.parse import parse_csv, parse_json
from resources import REGISTRY

TAGS, SKUS, PRICES, ORDERS = (REGISTRY[t] for t in ("tags", "skus", "prices", "orders"))
PROPERTIES = settings(database=None, deadline=None, max_examples=150)  # writes nothing to disk


def csv_plan(resource, includes=None, fields=None, dry=True):
    return plan(resource, include_paths(includes, fields), field_tree(fields), dry, "sqlite",
                csv=True)  # fmt: skip


# -- JSON ----------------------------------------------------------------------------------------


def test_json_is_one_array_with_an_item_per_line():
    assert to_json([]) == "[]"
    assert to_json(['{"a":1}']) == '[{"a":1}]'
    assert to_json(['{"a":1}', '{"b":"é"}']) == '[{"a":1},\n{"b":"é"}]'


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_quotes_what_it_must_and_writes_json_cells_compactly():
    items = [
        {"name": "a"},
        {"name": "b, c", "metadata": {"k": "é", "n": [1, True]}},
        {"name": 'q"uote', "reference": "two\nlines"},
        {"name": "d", "metadata": '{"x":1}'},  # JSON from the database: text already
    ]
    assert to_csv(items, csv_plan(TAGS)) == (
        "name,reference,reference_origin,metadata\n"
        "a,,,\n"
        '"b, c",,,"{""k"":""é"",""n"":[1,true]}"\n'
        '"q""uote","two\nlines",,\n'
        'd,,,"{""x"":1}"\n'
    )


def test_named_links_are_one_comma_list_whether_included_or_not():
    items = [
        {"id": "i1", "code": "A", "tags": ["sale", "new"]},
        {"id": "i2", "code": "B", "tags": []},
        {"id": "i3", "code": "C"},
    ]
    expected = 'id,code,tags.name\ni1,A,"sale,new"\ni2,B,\ni3,C,\n'
    assert to_csv(items, csv_plan(SKUS, fields=["code", "tags"], dry=False)) == expected
    assert to_csv(items, csv_plan(SKUS, ["tags"], ["code"], dry=False)) == expected


def test_a_record_takes_a_row_per_child_repeating_its_own_cells():
    fields = ["sku_code", "amount_cents", "price_tiers.type", "price_tiers.name",
              "price_tiers.up_to"]  # fmt: skip
    tier = {"type": "PriceVolumeTier"}
    items = [
        {"amount_cents": 1000, "sku_code": "A",
         "price_tiers": [{**tier, "name": "10 pack", "up_to": 10.0},
                         {**tier, "name": "20 pack", "up_to": 20.0}]},
        {"amount_cents": 2000, "sku_code": "B"},
        {"amount_cents": 3000, "sku_code": "C", "price_tiers": []},
        {"amount_cents": 4000, "sku_code": "D",
         "price_tiers": [{"type": "PriceFrequencyTier", "name": "monthly"}]},
    ]  # fmt: skip
    assert to_csv(items, csv_plan(PRICES, ["price_tiers"], fields)) == (
        "amount_cents,sku_code,price_tiers.type,price_tiers.name,price_tiers.up_to\n"
        "1000,A,PriceVolumeTier,10 pack,10.0\n"
        "1000,A,PriceVolumeTier,20 pack,20.0\n"
        "2000,B,,,\n"
        "3000,C,,,\n"
        "4000,D,PriceFrequencyTier,monthly,\n"
    )


def test_grandchildren_take_rows_of_their_own_and_a_to_one_include_its_first_row():
    fields = ["number", "line_items.sku_code", "line_items.quantity",
              "line_items.line_item_options.name"]  # fmt: skip
    orders = [
        {"number": "O1", "line_items": [
            {"quantity": 1, "sku_code": "S1",
             "line_item_options": [{"name": "engraving"}, {"name": "gift wrap"}]},
            {"quantity": 3, "sku_code": "S2"}]},
        {"number": "O2"},
    ]  # fmt: skip
    text = to_csv(orders, csv_plan(ORDERS, ["line_items.line_item_options"], fields))
    assert text == (
        "number,line_items.quantity,line_items.sku_code,line_items.line_item_options.name\n"
        "O1,1,S1,engraving\n"
        "O1,1,S1,gift wrap\n"
        "O1,3,S2,\n"
        "O2,,,\n"
    )
    one = csv_plan(SKUS, ["shipping_category"], ["code", "shipping_category.name",
                                                 "shipping_category.code"])  # fmt: skip
    skus = [{"code": "A", "shipping_category": Nested(name="Std", code="STD")}, {"code": "B"}]
    assert to_csv(skus, one) == (
        "code,shipping_category.name,shipping_category.code\nA,Std,STD\nB,,\n"
    )
    both = csv_plan(PRICES, ["price_tiers", "sku"], ["sku_code", "price_tiers.name", "sku.name"])
    prices = [{"sku_code": "A", "price_tiers": [{"name": "t1"}, {"name": "t2"}],
               "sku": Nested(name="Shirt")}]  # fmt: skip
    assert to_csv(prices, both) == "sku_code,price_tiers.name,sku.name\nA,t1,Shirt\nA,t2,\n"


def test_the_importer_reads_nested_rows_back_as_one_order():
    fields = ["number", "line_items.sku_code", "line_items.line_item_options.name"]
    orders = [{"number": "O1", "line_items": [
        {"sku_code": "S1", "line_item_options": [{"name": "a"}, {"name": "b"}]},
        {"sku_code": "S2"}]}]  # fmt: skip
    text = to_csv(orders, csv_plan(ORDERS, ["line_items.line_item_options"], fields))
    (order,), problem = parse_csv(ORDERS, text)
    assert problem is None and (order.data, order.rows) == ({"number": "O1"}, 1)  # one item
    lines = order.children["line_items"]
    assert [line.data for line in lines] == [{"sku_code": "S1"}, {"sku_code": "S2"}]
    assert [o.data for o in lines[0].children["line_item_options"]] == [
        {"name": "a"},
        {"name": "b"},
    ]


def test_a_lone_carriage_return_in_a_cell_survives_the_round_trip():
    text = to_csv([{"name": "a", "reference": "old\rmac"}], csv_plan(TAGS))
    items, _problem = parse_csv(TAGS, text)
    assert [(i.data, i.error) for i in items] == [({"name": "a", "reference": "old\rmac"}, None)]


def test_csv_safe_prefixes_text_cells_that_start_like_a_formula_and_no_number():
    fields = ["code", "name", "description", "weight", "pieces_per_pack", "do_not_ship",
              "metadata", "tags"]  # fmt: skip
    p = csv_plan(SKUS, fields=fields, dry=False)
    items = [
        {"id": "i1", "code": "-2", "name": '=HYPERLINK("http://x")', "description": "@SUM(1)",
         "weight": -5.5, "pieces_per_pack": -3, "do_not_ship": "true",
         "metadata": '{"k":"=1"}', "tags": ["-neg", "ok"]},
        {"id": "i2", "code": "+1", "name": "\tTab", "description": "\r=1", "weight": 0.0,
         "tags": []},
        {"id": "i3", "code": "a-1", "name": "1+1", "description": "x=y", "weight": -0.0},
    ]  # fmt: skip
    header = "id,code,name,description,pieces_per_pack,weight,do_not_ship,metadata,tags.name\n"
    assert to_csv(items, p, safe=True) == header + (
        'i1,\'-2,"\'=HYPERLINK(""http://x"")",\'@SUM(1),-3,-5.5,true,"{""k"":""=1""}",'
        '"\'-neg,ok"\n'
        "i2,'+1,'\tTab,\"'\r=1\",,0.0,,,\n"
        "i3,a-1,1+1,x=y,,-0.0,,,\n"
    )
    # without csv_safe: every cell as stored, and read back by the importer unchanged
    plain = to_csv(items, p)
    assert "'" not in plain
    parsed, problem = parse_csv(SKUS, plain)
    assert problem is None
    assert [(i.data["code"], i.data["name"], i.data["description"]) for i in parsed] == [
        ("-2", '=HYPERLINK("http://x")', "@SUM(1)"), ("+1", "\tTab", "\r=1"),
        ("a-1", "1+1", "x=y"),
    ]  # fmt: skip


# -- what the writer writes, the parser reads: properties ----------------------------------------

# Any text but NUL (no CSV holds it) and lone surrogates (no UTF-8 file holds them).
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.text(CHARS, max_size=12)
WORD = st.text(CHARS, min_size=1, max_size=12).filter(str.strip)  # a cell that is not blank
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


TAG_ITEM = st.fixed_dictionaries({"name": WORD}, optional={"reference": TEXT, "metadata": JSON})
TAG_ROW = st.fixed_dictionaries({"name": WORD}, optional={"reference": TEXT,
                                                          "reference_origin": TEXT})  # fmt: skip


@PROPERTIES
@given(st.lists(TAG_ITEM))
def test_json_items_come_back_as_written(items):
    text = to_json(map(encode, items))
    assert json.loads(text) == items
    assert [item.data for item in parse_json(TAGS, json.loads(text))] == items


@PROPERTIES
@given(st.lists(TAG_ROW))
def test_csv_rows_come_back_as_written(items):
    parsed, problem = parse_csv(TAGS, to_csv(items, csv_plan(TAGS)))
    assert problem is None
    assert [(i.position, i.data, i.error) for i in parsed] == [
        (n, {k: v for k, v in item.items() if v != ""}, None)
        for n, item in enumerate(items, start=1)
    ]


PRICE = st.fixed_dictionaries({
    "amount_cents": WORD,
    "price_tiers": st.lists(st.fixed_dictionaries({"type": WORD, "name": WORD}), max_size=3),
})  # fmt: skip


@PROPERTIES
@given(st.lists(PRICE, max_size=6))
def test_prices_with_tiers_come_back_as_one_item_each(prices):
    items = [{**p, "sku_code": f"SKU-{n}"} for n, p in enumerate(prices)]  # keys differ
    fields = ["sku_code", "amount_cents", "price_tiers.type", "price_tiers.name"]
    text = to_csv(items, csv_plan(PRICES, ["price_tiers"], fields))
    parsed, problem = parse_csv(PRICES, text, parent_id="PL1")
    assert problem is None
    assert len(parsed) == len(items)
    for item, back in zip(items, parsed, strict=True):
        assert back.data == {"amount_cents": item["amount_cents"], "sku_code": item["sku_code"]}
        assert back.rows == 1  # however many rows its tiers take
        tiers = back.children.get("price_tiers", [])
        assert [t.data for t in tiers] == item["price_tiers"]
