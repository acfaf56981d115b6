"""Stage 1 of an import on its own (bulk/imports/parse.py): inputs -> Items, no database, no
server. The end-to-end CSV behaviour is in test_csv.py; here every rule gets its exact output."""

from __future__ import annotations

from typing import Any

import pytest

from bulk.imports.parse import (
    NOT_AN_OBJECT,
    CsvRecord,
    Item,
    csv_children,
    csv_records,
    csv_summary,
    header_problem,
    merge_consecutive,
    merge_key,
    parse_csv,
    parse_json,
)
from resources import REGISTRY

PRICES, SKUS, ORDERS, TAGS = (REGISTRY[t] for t in ("prices", "skus", "orders", "tags"))
LINE_ITEMS, PROMOTIONS = REGISTRY["line_items"], REGISTRY["promotions"]


def tree(items: list[Item]) -> list[dict[str, Any]]:
    """Items as plain data, children included, for one exact comparison."""
    out = []
    for item in items:
        shown: dict[str, Any] = {"position": item.position, "data": item.data}
        if item.links:
            shown["links"] = item.links
        if item.children:
            shown["children"] = {name: tree(kids) for name, kids in item.children.items()}
        if item.rows != 1:
            shown["rows"] = item.rows
        if item.error:
            shown["error"] = item.error
        if item.problems:
            shown["problems"] = item.problems
        out.append(shown)
    return out


def parsed(resource, text: str, parent_id: str | None = None) -> list[dict[str, Any]]:
    items, problem = parse_csv(resource, text, parent_id)
    assert problem is None
    assert all(item.text for item in items if item.error is None)  # CSV values are text
    return tree(items)


# -- records: BOM, CRLF, quotes, blank lines, the line each starts on ----------------------------


def test_records_accept_a_bom_crlf_and_quoted_commas_quotes_and_newlines():
    text = '\ufeffcode,name\r\nA,"x, y"\r\nB,"say ""hi"""\r\nC,"two\r\nlines"\r\nD,z\r\n'
    assert csv_records(text) == [
        CsvRecord(1, ["code", "name"]),
        CsvRecord(2, ["A", "x, y"]),
        CsvRecord(3, ["B", 'say "hi"']),
        CsvRecord(4, ["C", "two\r\nlines"]),
        CsvRecord(6, ["D", "z"]),  # the record before spans lines 4 and 5
    ]


def test_blank_lines_and_lines_of_blank_cells_are_skipped_but_counted():
    assert csv_records("code\n\nA\n , ,\n\nB") == [
        CsvRecord(1, ["code"]),
        CsvRecord(3, ["A"]),
        CsvRecord(6, ["B"]),
    ]
    assert csv_records("") == []


def test_unreadable_records_carry_their_error_and_line():
    assert csv_records('a,b\n1,"x"y\n') == [
        CsvRecord(1, ["a", "b"]),
        CsvRecord(2, [], "a closing quote must be followed by a comma or a line end"),
    ]
    assert csv_records('a,b\n1,2\n3,"open\n') == [
        CsvRecord(1, ["a", "b"]),
        CsvRecord(2, ["1", "2"]),
        CsvRecord(3, [], "a quoted cell is not closed before the end of the file"),
    ]


# -- the header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the CSV has no header line"),
        ("\n\n", "the CSV has no header line"),
        ("code,,name\nA,B,C\n", "line 1: column 2 of the header has no name"),
        ("code, \nA,B\n", "line 1: column 2 of the header has no name"),
        ("code, name,name ,code\n", "line 1: the header repeats code, name"),  # names stripped
        ('"code\nA\n', "line 1: a quoted cell is not closed before the end of the file"),
        ("\n\ncode,code\n", "line 3: the header repeats code"),
        ("code,name\n", None),
    ],
)
def test_header_problem(text, problem):
    assert header_problem(csv_records(text)) == problem


def test_csv_summary_counts_data_rows_and_names_a_header_problem():
    assert csv_summary("") == (0, None)
    assert csv_summary("code\n") == (0, None)
    assert csv_summary("code\nA\n\nB\n") == (2, None)
    assert csv_summary("code,code\nA,B\n") == (1, "line 1: the header repeats code")


def test_an_unusable_header_gives_no_items():
    assert parse_csv(TAGS, "name,name\na,b\n") == ([], "line 1: the header repeats name")
    assert parse_csv(TAGS, "") == ([], "the CSV has no header line")


# -- rows ----------------------------------------------------------------------------------------


def test_blank_cells_are_left_out_and_header_names_are_stripped():
    assert parsed(TAGS, " name , reference\r\nsale,\r\n, ref-1\r\n") == [
        {"position": 1, "data": {"name": "sale"}},
        {"position": 2, "data": {"reference": " ref-1"}},  # cells are not stripped
    ]


def test_a_row_with_the_wrong_number_of_cells_is_an_item_error_naming_its_line():
    text = 'name,reference\nok,r\n"two\nlines"\ntoo,many,cells\nfine,\n'
    assert parsed(TAGS, text) == [
        {"position": 1, "data": {"name": "ok", "reference": "r"}},
        {"position": 2, "data": {}, "error": "line 3: expected 2 cells, found 1"},
        {"position": 3, "data": {}, "error": "line 5: expected 2 cells, found 3"},
        {"position": 4, "data": {"name": "fine"}},
    ]


def test_an_unreadable_row_is_an_item_error_naming_its_line():
    assert parsed(TAGS, 'name\nok\n"bad"x\n') == [
        {"position": 1, "data": {"name": "ok"}},
        {
            "position": 2,
            "data": {},
            "error": "line 3: a closing quote must be followed by a comma or a line end",
        },
    ]


def test_tags_id_and_tags_name_cells_are_comma_lists():
    text = 'code,tags.name,tags.id\nA," sale, new ,,summer",id1\nB,,"id2,id3"\nC,,\n'
    assert parsed(SKUS, text) == [
        {
            "position": 1,
            "data": {"code": "A"},
            "links": {
                "tags": [("name", "sale"), ("name", "new"), ("name", "summer"), ("id", "id1")]
            },  # fmt: skip
        },
        {"position": 2, "data": {"code": "B"}, "links": {"tags": [("id", "id2"), ("id", "id3")]}},
        {"position": 3, "data": {"code": "C"}},
    ]


# -- nested children and consecutive rows --------------------------------------------------------

TIERS = "sku_code,amount_cents,price_tiers.type,price_tiers.name\n"


def test_consecutive_rows_with_the_same_key_are_one_item_with_several_children():
    text = TIERS + "A,1,PriceVolumeTier,t1\nA,1,PriceVolumeTier,t2\nB,2,,\n"
    assert parsed(PRICES, text, "PL1") == [
        {
            "position": 1,
            "data": {"sku_code": "A", "amount_cents": "1"},
            "children": {
                "price_tiers": [
                    {"position": 1, "data": {"type": "PriceVolumeTier", "name": "t1"}},
                    {"position": 2, "data": {"type": "PriceVolumeTier", "name": "t2"}},
                ]
            },
        },
        {"position": 3, "data": {"sku_code": "B", "amount_cents": "2"}},
    ]


def test_rows_are_merged_only_when_consecutive_keyed_and_bringing_children():
    text = TIERS + (
        "A,1,PriceVolumeTier,t1\n"
        "B,2,PriceVolumeTier,t1\n"
        "A,1,PriceVolumeTier,t2\n"  # A again, but not right after A: an item of its own
        "C,3,,\n"
        "C,3,,\n"  # the same key without children: two items (the importer reports it)
    )
    assert [(i["position"], i["data"]["sku_code"], i.get("rows", 1)) for i in
            parsed(PRICES, text, "PL1")] == [(1, "A", 1), (2, "B", 1), (3, "A", 1),
                                             (4, "C", 1), (5, "C", 1)]  # fmt: skip


def test_the_merge_key_of_a_child_type_needs_its_parent():
    text = TIERS + "A,1,PriceVolumeTier,t1\nA,1,PriceVolumeTier,t2\n"
    assert len(parsed(PRICES, text)) == 2  # no price list: no key
    with_list = "price_list_code," + TIERS.replace("\n", "") + "\nEU,A,1,X,t1\nEU,A,1,X,t2\n"
    assert len(parsed(PRICES, with_list)) == 1


def test_grandchildren_by_dotted_names_and_merged_children():
    text = (
        "number,line_items.sku_code,line_items.quantity,line_items.line_item_options.name\r\n"
        "O1,S1,1,engraving\r\n"
        "O1,S1,1,gift wrap\r\n"  # the same line item: a second option
        "O1,S2,3,\r\n"
        "O2,S1,1,\r\n"
    )
    assert parsed(ORDERS, text) == [
        {
            "position": 1,
            "data": {"number": "O1"},
            "children": {
                "line_items": [
                    {
                        "position": 1,
                        "data": {"sku_code": "S1", "quantity": "1"},
                        "children": {
                            "line_item_options": [
                                {"position": 1, "data": {"name": "engraving"}},
                                {"position": 2, "data": {"name": "gift wrap"}},
                            ]
                        },
                    },
                    {"position": 3, "data": {"sku_code": "S2", "quantity": "3"}},
                ]
            },
        },
        {
            "position": 4,
            "data": {"number": "O2"},
            "children": {
                "line_items": [{"position": 1, "data": {"sku_code": "S1", "quantity": "1"}}]
            },
        },
    ]


def test_csv_children_merge_rows_repeating_their_own_cells_only_with_grandchildren():
    raws = [
        {"sku_code": "S1", "tags.name": "a", "line_item_options.name": "o1"},
        {"sku_code": "S1", "tags.name": "a", "line_item_options.name": "o2"},  # merged
        {"sku_code": "S1", "tags.name": "b", "line_item_options.name": "o3"},  # other tags
        {"sku_code": "S1", "line_item_options.name": "o4"},  # no tags: merged, adds none
        {"sku_code": "S1"},  # no grandchildren: a line item of its own
        {"sku_code": "S1"},
    ]
    assert tree(csv_children(LINE_ITEMS, raws)) == [
        {
            "position": 1,
            "data": {"sku_code": "S1"},
            "links": {"tags": [("name", "a")]},
            "children": {"line_item_options": [{"position": 1, "data": {"name": "o1"}},
                                               {"position": 2, "data": {"name": "o2"}}]},
        },
        {
            "position": 3,
            "data": {"sku_code": "S1"},
            "links": {"tags": [("name", "b")]},
            "children": {"line_item_options": [{"position": 1, "data": {"name": "o3"}},
                                               {"position": 2, "data": {"name": "o4"}}]},
        },
        {"position": 5, "data": {"sku_code": "S1"}},
        {"position": 6, "data": {"sku_code": "S1"}},
    ]  # fmt: skip


# -- merge_key and merge_consecutive ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "data", "parent_id", "key"),
    [
        (PRICES, {"sku_code": "A"}, "PL1", ("PL1", "A")),
        (PRICES, {"sku_code": "A", "price_list_code": "EU"}, "PL1", ("EU", "A")),  # own first
        (PRICES, {"sku_id": "S1", "price_list_id": "P"}, None, ("P", "S1")),
        (PRICES, {"sku_code": "", "sku_id": "S1"}, "PL1", ("PL1", "S1")),  # blank: the next name
        (PRICES, {"sku_code": "A"}, None, None),  # a part missing
        (TAGS, {"name": "sale"}, None, ("sale",)),
        (PROMOTIONS, {"id": "X1", "name": "p"}, None, ("id", "X1")),  # no unique key: its id
        (PROMOTIONS, {"name": "p"}, None, None),
    ],
)
def test_merge_key(resource, data, parent_id, key):
    assert merge_key(resource, Item(1, data), parent_id) == key


def test_merge_consecutive_adds_children_and_links_into_one_item():
    def row(position: int, data: dict, children: dict | None = None, error: str | None = None):
        links = {"tags": [("name", f"t{position}")]}
        return Item(position, data, links=links, error=error), children or {}

    tier = {"name": "t"}
    rows = [
        row(1, {"sku_code": "A"}, {"price_tiers": [tier]}),
        row(2, {"sku_code": "A"}, {"price_tiers": [tier, tier]}),
        row(3, {"sku_code": "A"}),  # no children: not merged
        row(4, {}, error="line 5: expected 2 cells, found 1"),
        row(5, {"sku_code": "A"}, {"price_tiers": [tier]}),  # after an error: not merged
        row(6, {"sku_code": "A"}, {"price_tiers": [tier]}),
    ]
    merged = merge_consecutive(PRICES, rows, "PL1")
    assert [(i.position, i.rows, {k: len(v) for k, v in c.items()}) for i, c in merged] == [
        (1, 1, {"price_tiers": 3}),
        (3, 1, {}),
        (4, 1, {}),
        (5, 1, {"price_tiers": 2}),
    ]
    assert merged[0][0].links == {"tags": [("name", "t1"), ("name", "t2")]}
    assert merged[3][0].links == {"tags": [("name", "t5"), ("name", "t6")]}


# -- JSON ----------------------------------------------------------------------------------------

# The messages of unreadable tag entries, pinned (errors_log shows them to clients).
LIST = 'must be a list of names, or of objects with an "id" or a "name"'
ENTRY = 'must be a name, or an object with an "id" or a "name"'


def test_json_items_nested_children_and_links():
    inputs = [
        {"number": "O1", "tags": ["web", {"id": "T1"}, {"name": "sale"}],
         "line_items": [{"sku_code": "S", "line_item_options": [{"name": "o"}, "bad"]}]},
        "not an object",
        None,
        {"number": "O2", "line_items": "not a list", "tags": "web"},
        {"number": "O3", "tags": ["ok", 3], "tags.name": "a, b", "tags.id": ["T2"]},
    ]  # fmt: skip
    items = parse_json(ORDERS, inputs)
    assert not any(item.text for item in items)  # JSON values keep their JSON types
    assert tree(items) == [
        {
            "position": 1,
            "data": {"number": "O1"},
            "links": {"tags": [("name", "web"), ("id", "T1"), ("name", "sale")]},
            "children": {
                "line_items": [
                    {
                        "position": 1,
                        "data": {"sku_code": "S"},
                        "children": {
                            "line_item_options": [
                                {"position": 1, "data": {"name": "o"}},
                                {"position": 2, "data": {}, "error": NOT_AN_OBJECT},
                            ]
                        },
                    }
                ]
            },
        },
        {"position": 2, "data": {}, "error": NOT_AN_OBJECT},
        {"position": 3, "data": {}, "error": NOT_AN_OBJECT},
        # not a list of children: left in the data, for the validator to reject; links that
        # cannot be read are the item's problems, naming the entry
        {
            "position": 4,
            "data": {"number": "O2", "line_items": "not a list"},
            "problems": [("tags", LIST)],
        },
        {
            "position": 5,
            "data": {"number": "O3"},
            "links": {"tags": [("name", "ok"), ("name", "a"), ("name", "b"), ("id", "T2")]},
            "problems": [("tags", f"entry 2 {ENTRY}")],
        },
    ]


def test_json_tag_entries_are_read_one_by_one():
    """A name, or an object with one string `id` or `name` (a JSON:API identifier's
    `type: "tags"` allowed); anything else is a problem naming the entry, never dropped."""
    valid = ["sale", {"id": "T1"}, {"name": "new"}, {"type": "tags", "id": "T2"}]
    invalid = [
        {"id": 1},
        {"x": {}},
        "",  # a name: the name check rejects it later ("'' is invalid")
        None,
        [],
        {},
        {"id": "T1", "name": "sale"},
        {"name": "sale", "colour": "red"},
        {"type": "skus", "id": "T3"},
        {"name": None},
    ]
    (item,) = parse_json(SKUS, [{"code": "A", "tags": valid + invalid}])
    assert item.data == {"code": "A"}
    assert item.links == {
        "tags": [("name", "sale"), ("id", "T1"), ("name", "new"), ("id", "T2"), ("name", "")]
    }
    assert item.problems == [
        ("tags", 'entry 5 has a non-string "id"'),
        ("tags", 'entry 6 has unknown keys ("x"): it takes an "id" or a "name"'),
        ("tags", f"entry 8 {ENTRY}"),
        ("tags", f"entry 9 {ENTRY}"),
        ("tags", f"entry 10 {ENTRY}"),
        ("tags", 'entry 11 has both an "id" and a "name": give one of them'),
        ("tags", 'entry 12 has unknown keys ("colour"): it takes an "id" or a "name"'),
        ("tags", 'entry 13 has a "type" other than "tags"'),
        ("tags", 'entry 14 has a non-string "name"'),
    ]
    for value in ("sale", None, {"id": "T1"}, 3):
        (item,) = parse_json(SKUS, [{"code": "A", "tags": value}])
        assert (item.links, item.problems) == ({}, [("tags", LIST)])
    (item,) = parse_json(SKUS, [{"code": "A", "tags": []}])  # no tags: clears them
    assert (item.links, item.problems) == ({"tags": []}, [])


def test_json_tags_id_and_tags_name_take_comma_lists_or_lists_of_strings():
    inputs = [
        {"code": "A", "tags.id": "T1, T2", "tags.name": ["a", 1, {}, "b"]},
        {"code": "B", "tags.id": 5, "tags.name": {"a": 1}},
        {"code": "C", "tags.id": None, "tags.name": None},  # null: none given, like a blank cell
    ]
    a, b, c = parse_json(SKUS, inputs)
    assert a.links == {"tags": [("id", "T1"), ("id", "T2"), ("name", "a"), ("name", "b")]}
    assert a.problems == [
        ("tags.name", "entry 2 must be a string"),
        ("tags.name", "entry 3 must be a string"),
    ]
    expected = "must be a comma-separated string or a list of strings"
    assert (b.links, b.problems) == ({}, [("tags.id", expected), ("tags.name", expected)])
    assert (c.data, c.links, c.problems) == ({"code": "C"}, {}, [])


def test_problems_per_key_are_bounded():
    (item,) = parse_json(SKUS, [{"code": "A", "tags": [None] * 25}])
    assert item.problems == [
        *(("tags", f"entry {n} {ENTRY}") for n in range(1, 11)),
        ("tags", "and 15 more invalid entries"),
    ]
