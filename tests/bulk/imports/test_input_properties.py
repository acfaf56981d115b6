"""Properties of imports fed hostile inputs (issue 9).

- Any JSON inputs (objects of a type's attributes, references and nested children with values of
  any type and size) and any CSV text (real and made-up headers, broken quoting, embedded line
  ends, NUL, BOM, CRLF) are a 201 or a 422 at create, never a 500. A created import ends
  `completed` or `interrupted`, its counters add up, and its logs say only what a user can act
  on: nothing a database, a driver or Python said.
- One bad item never hurts its neighbours: among valid SKU items, bad ones (wrong types, values
  out of range, huge strings, invalid tags, missing or unknown references) each get their own
  errors_log entry and nothing else; every valid one is stored exactly as given.

One app per backend for the module, chunks of 3 items, so that items meet chunk boundaries.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from resources import REGISTRY
from tests.support import factories
from tests.support.api import ApiClient, make_org
from tests.support.documents import list_all, tag_names
from tests.support.jobs import post_import, run_to_end
from tests.support.properties import (
    CHARS,
    EDGE_FLOATS,
    EDGE_INTS,
    LONG_TEXT,
    PROPERTIES,
    STORABLE_JSON,
    STORABLE_SCALARS,
    TEXT,
    assert_handled,
    internals_in,
    log_messages,
    module_app,
    often,
    plain,
    unique,
    user_strings,
)

CHUNK = 3


@dataclass(repr=False)  # failing examples print the fixture: keep it short
class Shop:
    api: ApiClient
    category: dict
    plist: dict
    tag: dict


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, tmp_path_factory, jwt_pem):
    with module_app(
        request, tmp_path_factory, jwt_pem, request.param, import_chunk_size=CHUNK
    ) as app:
        api = make_org(app, "imports").api
        category = factories.shipping_category(api, "Standard", code="STANDARD")
        for code in ("SKU-A", "SKU-B"):
            factories.sku(api, code=code, category=category)
        plist = factories.price_list(api, code="EUR")
        yield Shop(api, category, plist, factories.tag(api, "sale"))


# -- what every import must come to ----------------------------------------------------------------


def check_import(shop: Shop, response, inputs: Any, skip_errors: bool) -> dict | None:
    """A 201 or a 422; a created import run to its end, its counters and logs checked."""
    assert_handled(response)
    assert response.status_code in (201, 422), response.text
    if response.status_code != 201:
        return None
    job = run_to_end(shop.api, "imports", response.json()["data"]["id"])
    event(job["status"])
    size = job["inputs_size"]
    if isinstance(inputs, list):
        assert size == len(inputs)
    done = job["processed_count"] + job["errors_count"]
    if job["status"] == "completed":
        assert done == size, job
    else:
        assert job["status"] == "interrupted" and not skip_errors, job
        assert job["errors_count"] > math.floor(size * 0.1) and done <= size, job
    assert (job["errors_count"] > 0) == bool(job["errors_log"]), job
    assert len(job["errors_log"]) <= job["errors_count"], job
    assert job["warnings_count"] == sum(len(w) for w in job["warnings_log"].values()), job
    messages = log_messages(job["errors_log"]) + log_messages(job["warnings_log"])
    assert not internals_in(messages, user_strings(inputs)), job
    return job


# -- JSON inputs -----------------------------------------------------------------------------------

SKUS, PRICES = REGISTRY["skus"], REGISTRY["prices"]
NUL_TEXT = st.builds(lambda a, b: f"{a}\x00{b}", TEXT, TEXT)  # a 422 at create
VALUES = STORABLE_SCALARS | STORABLE_SCALARS | STORABLE_JSON | NUL_TEXT


def tier(values: st.SearchStrategy) -> st.SearchStrategy[dict]:
    known = {
        "type": st.sampled_from(["PriceVolumeTier", "PriceFrequencyTier"]),
        "name": st.sampled_from(["t1", "t2"]),
        "up_to": st.floats(0, 1e6) | st.integers(0, 100),
        "price_amount_cents": st.integers(0, 10**6),
    }
    return st.fixed_dictionaries({}, optional={k: often(v, values) for k, v in known.items()})


def item(shop: Shop, resource_type: str) -> st.SearchStrategy:
    """An input object: keys mostly the type's own, values mostly plausible for their key."""
    codes = st.sampled_from(["SKU-A", "SKU-B", "SKU-C"])
    known: dict[str, st.SearchStrategy] = {
        "id": st.sampled_from(["nope000000"]) | TEXT,
        "reference": TEXT,
        "metadata": st.dictionaries(TEXT, STORABLE_JSON, max_size=3),
    }
    if resource_type == "skus":
        known.update(
            code=codes | TEXT,
            name=TEXT,
            description=TEXT | LONG_TEXT,
            weight=st.floats(allow_nan=False, allow_infinity=False) | EDGE_FLOATS,
            pieces_per_pack=st.integers() | EDGE_INTS,
            unit_of_weight=st.sampled_from(["gr", "lb", "oz", "kg"]),
            do_not_ship=st.booleans(),
            shipping_category_code=st.sampled_from(["STANDARD", "NOPE"]),
            shipping_category_id=st.sampled_from([shop.category["id"], "nope000000"]),
            tags=st.lists(st.sampled_from(["sale", "new", "bad tag"]) | TEXT | VALUES, max_size=3),
            **{"tags.name": st.sampled_from(["sale,new", ",,", "a" * 26]) | TEXT},
            **{"tags.id": st.sampled_from([shop.tag["id"], "nope000000"]) | TEXT},
        )
    else:
        known.update(
            sku_code=codes | TEXT,
            sku_id=TEXT,
            price_list_id=st.sampled_from([shop.plist["id"], "nope000000"]),
            price_list_code=st.sampled_from(["EUR", "NOPE"]),
            amount_cents=st.integers() | EDGE_INTS,
            compare_at_amount_cents=st.integers(),
            rules=st.dictionaries(TEXT, STORABLE_JSON, max_size=2),
            price_tiers=st.lists(often(tier(VALUES), VALUES), max_size=3),
        )
    keys = often(st.sampled_from(sorted(known)), TEXT)
    pairs = st.lists(
        keys.flatmap(lambda k: st.tuples(st.just(k), often(known.get(k, VALUES), VALUES))),
        max_size=8,
    )
    return often(pairs.map(dict), VALUES)


def options(shop: Shop, resource_type: str) -> st.SearchStrategy[dict]:
    """skip_errors; for prices, maybe the price list as parent, with a cleanup (of the list's
    prices the inputs do not name: the SKUs the other properties rely on stay)."""
    parent = {"parent_resource_id": st.just(shop.plist["id"]), "cleanup_records": st.booleans()}
    return st.fixed_dictionaries(
        {"skip_errors": st.booleans()},
        optional=parent if resource_type == "prices" else {},
    )


@PROPERTIES
@given(data=st.data(), resource_type=st.sampled_from(["skus", "prices"]))
def test_json_inputs_end_in_a_clean_import(shop, data, resource_type):
    inputs = data.draw(st.lists(item(shop, resource_type), min_size=1, max_size=12), "inputs")
    how = data.draw(options(shop, resource_type), "options")
    response = post_import(shop.api, resource_type, inputs, **how)
    check_import(shop, response, inputs, how["skip_errors"])


# -- CSV inputs ------------------------------------------------------------------------------------

COLUMNS = {
    "skus": ["code", "name", "description", "weight", "pieces_per_pack", "unit_of_weight",
             "do_not_ship", "shipping_category_code", "shipping_category_id", "tags.name",
             "tags.id", "metadata", "reference", "id", "tags", "prices.amount_cents"],
    "prices": ["sku_code", "price_list_id", "price_list_code", "amount_cents", "rules",
               "price_tiers.type", "price_tiers.name", "price_tiers.up_to",
               "price_tiers.price_amount_cents", "price_tiers", "price_tiers.price_tiers.name",
               "id", "metadata"],
}  # fmt: skip
# fmt: off
SAMPLE_CELLS = [
    "SKU-A", "SKU-B", "STANDARD", "EUR", "true", "no", "1", "-1", "1.5", "1e400", "nan", "",
    "2147483648", "PriceVolumeTier", "t1", "sale,new", '{"a": 1}', '{"a": NaN}', "[1]",
    '{"a": "\\ud800"}', "null", " ",
]
# fmt: on
CELLS = (
    st.sampled_from(SAMPLE_CELLS)
    | plain(st.text(CHARS, min_size=1, max_size=30))
    | st.text(st.sampled_from(',"\r\n\ufeff ;x'), min_size=1, max_size=6)
    | LONG_TEXT
)


def csv_text(header: list[str], rows: list[list[str]], how: str, newline: str, bom: bool) -> str:
    """The header and rows as CSV: quoted as RFC 4180 says (all cells, or where needed), or
    joined with commas as they are (a careless writer: the cells' commas, quotes and line ends
    break the rows)."""
    if how == "naive":
        lines = [",".join(cells) for cells in [header, *rows]]
        text = newline.join(lines) + newline
    else:
        out = io.StringIO()
        writer = csv.writer(
            out,
            quoting=csv.QUOTE_ALL if how == "all" else csv.QUOTE_MINIMAL,  # or where needed
            lineterminator=newline,
        )
        writer.writerows([header, *rows])
        text = out.getvalue()
    return ("\ufeff" if bom else "") + text


SPECIAL = st.sampled_from(['"', '"', "\n", "\r", ",", "\ufeff", "\x00"])  # NUL: a 422 at create


@st.composite
def csv_inputs(draw, resource_type: str) -> str:
    names = often(st.sampled_from(COLUMNS[resource_type]), TEXT)  # "" or repeated: a 422
    distinct = st.lists(names, min_size=1, max_size=6, unique_by=str.strip)
    header = draw(often(distinct, st.lists(names, min_size=1, max_size=6)), "header")
    row = st.lists(CELLS, min_size=len(header), max_size=len(header))
    ragged = st.integers(max(0, len(header) - 1), len(header) + 1).flatmap(
        lambda n: st.lists(CELLS, min_size=n, max_size=n)
    )
    rows = draw(st.lists(often(row, ragged), min_size=1, max_size=8), "rows")
    how = draw(st.sampled_from(["minimal", "minimal", "all", "naive"]), "quoting")
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]), "newline")
    text = csv_text(header, rows, how, newline, bom=draw(st.booleans(), "bom"))
    for _ in range(draw(st.integers(0, 2))):  # a character quoting gives meaning to, anywhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(SPECIAL) + text[at:]
    return text


@PROPERTIES
@given(data=st.data(), resource_type=st.sampled_from(["skus", "prices"]))
def test_csv_inputs_end_in_a_clean_import(shop, data, resource_type):
    inputs = data.draw(csv_inputs(resource_type), "inputs")
    how = data.draw(options(shop, resource_type), "options")
    response = post_import(shop.api, resource_type, inputs, **how)
    check_import(shop, response, inputs, how["skip_errors"])


# -- one bad item never hurts its neighbours -------------------------------------------------------

NAMES = plain(st.text(CHARS, min_size=1, max_size=40))
TAG_NAMES = st.text(st.sampled_from("abcdefghij0123_-"), min_size=1, max_size=25)


def valid_sku(shop: Shop) -> st.SearchStrategy[dict]:
    """A valid SKU item (without its code), in any of the shapes the importer reads."""
    optional = {
        "description": st.none() | TEXT | LONG_TEXT,
        "image_url": plain(st.text(CHARS, max_size=255)),
        "pieces_per_pack": st.none() | st.integers(1, 2**31 - 1),
        "weight": st.none() | st.floats(min_value=0, allow_nan=False, allow_infinity=False),
        "unit_of_weight": st.none() | st.sampled_from(["gr", "lb", "oz"]),
        "hs_tariff_number": TEXT,
        "do_not_track": st.booleans(),
        "reference": st.none() | TEXT,
        "reference_origin": TEXT,
        "metadata": st.dictionaries(TEXT, STORABLE_JSON, max_size=4),
        "tags": st.lists(TAG_NAMES, max_size=10, unique=True),
        "colour": TEXT,  # no attribute of skus: a warning, not an error
    }
    shipping = st.sampled_from([
        {"do_not_ship": True},
        {"do_not_ship": False, "shipping_category_code": "STANDARD"},
        {"shipping_category_id": shop.category["id"]},
    ])  # fmt: skip
    own = st.fixed_dictionaries({"name": NAMES}, optional=optional)
    return st.builds(lambda a, b: {**a, **b}, own, shipping)


def bad_sku(shop: Shop) -> st.SearchStrategy[tuple[str, dict | Any]]:
    """(what is wrong, the item without its code, or a value that is no object at all)."""
    base = {"name": "N", "do_not_ship": True}
    wrong = {
        "name": st.dictionaries(TEXT, TEXT, min_size=1, max_size=1)
        | st.lists(TEXT)
        | st.booleans(),
        "weight": st.sampled_from([-1, -1e-300, "heavy", True, 10**400, [1], {"kg": 1}]),
        "pieces_per_pack": st.sampled_from([0, -5, 2**31, 1.5, "x", 10**400, False]),
        "unit_of_weight": st.sampled_from(["kg", 1, "GR"]),
        "do_not_ship": st.sampled_from(["maybe", 2, [], {}]),
        "metadata": st.sampled_from([[], "x", 5, [{"a": 1}]]),
        "description": st.sampled_from([{}, [1], True]),
        "reference": st.sampled_from([{}, ["r"]]),
        "image_url": st.just("u" * 256),
        "tags": st.sampled_from(
            [
                [{"id": 1}, {"x": {}}],
                ["bad tag"],
                [f"t{i}" for i in range(11)],
                "x",
                [{"id": "nope000000"}],
                [{"name": "ok", "id": "x"}],
                [None],
                [["sale"]],
            ]
        ),
    }
    replaced = st.sampled_from(sorted(wrong)).flatmap(
        lambda k: wrong[k].map(lambda v: (k, {**base, k: v}))
    )
    whole = st.sampled_from([
        ("name", {"do_not_ship": True}),  # name missing
        ("name", {**base, "name": "n" * 256}),
        ("shipping_category", {"name": "N"}),
        ("shipping_category", {"name": "N", "shipping_category_code": "NOPE"}),
        ("shipping_category", {"name": "N", "shipping_category_id": "nope000000"}),
        ("id", {**base, "id": "nope000000"}),
    ])  # fmt: skip
    keyless = st.sampled_from([
        ("code", base),  # code missing: keyed by position
        ("base", 5), ("base", "x"), ("base", None), ("base", []), ("base", [base]),  # no object
    ])  # fmt: skip
    return replaced | whole | keyless


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON says: numbers by their decimal value (PostgreSQL's jsonb gives
    7.205759403792515e+16 back as 72057594037925150, the same JSON number)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float) and bool not in (type(a), type(b)):
        return Decimal(repr(a)) == Decimal(repr(b))
    return type(a) is type(b) and a == b


def expected_values(item: dict) -> dict:
    """What a valid item stores: its attributes as given (`colour` aside), tags as names."""
    return {k: v for k, v in item.items() if k in SKUS.attributes and k != "tags"}


@PROPERTIES
@given(data=st.data())
def test_one_bad_item_never_hurts_its_neighbours(shop, data):
    prefix = unique("N")
    kinds = st.one_of(valid_sku(shop).map(lambda v: ("valid", v)), bad_sku(shop))
    entries = data.draw(st.lists(kinds, min_size=1, max_size=10), "items")
    inputs: list[Any] = []
    wrong: dict[str, str] = {}  # the errors_log key of each bad item -> what is wrong with it
    valid: dict[str, dict] = {}
    for position, (kind, value) in enumerate(entries, start=1):
        if kind == "valid":
            code = f"{prefix}-V{position}"
            valid[code] = value
            inputs.append({"code": code, **value})
        elif kind in ("code", "base"):  # no code: the log names the item by its position
            inputs.append(value)
            wrong[str(position)] = kind
        else:
            code = f"{prefix}-B{position}"
            if kind == "name" and "n" * 256 == value.get("name"):
                code += "-" + "c" * 300  # its code too long too: a key as long as it is
            inputs.append({"code": code, **value})
            wrong[code] = kind
    response = post_import(shop.api, "skus", inputs, skip_errors=True)
    job = check_import(shop, response, inputs, skip_errors=True)
    assert job is not None, response.text
    bad = len(inputs) - len(valid)
    outcome = (job["status"], job["processed_count"], job["errors_count"])
    assert outcome == ("completed", len(valid), bad), job
    assert sorted(job["errors_log"]) == sorted(wrong), job
    for key, attribute in wrong.items():  # each names what is wrong with its item
        assert any(a.partition(".")[0] == attribute for a in job["errors_log"][key]), (key, job)
    colours = [c for c, v in valid.items() if "colour" in v]
    assert sorted(job["warnings_log"]) == sorted(colours), job
    listed = list_all(shop.api, "/api/skus", **{"filter[q][code_start]": prefix})
    stored = {s["attributes"]["code"]: s for s in listed}
    assert sorted(stored) == sorted(valid), job
    for code, given_ in valid.items():
        attributes = stored[code]["attributes"]
        for name, value in expected_values(given_).items():
            assert same_json(attributes[name], value), (code, name, attributes[name], value)
        assert tag_names(shop.api, stored[code]) == sorted(given_.get("tags", [])), code
