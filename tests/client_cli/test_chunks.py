"""The client's file splitter: chunks give back exactly the file's rows or items, an item's CSV
rows are never split, each chunk stands on its own, and files it cannot read are named."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulk.sources.reader import open_source
from client.chunks import Chunk, detect_format, mapped_key, split
from client.connection import ClientError
from tests.support.files import xlsx

HEADER = ["code", "alt_code", "list", "name", "tiers.name", "tiers.amount"]
KEY = [["code", "alt_code"], ["list"]]  # part 1: code, else alt_code; part 2: list
PROPERTIES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Cells with what CSV must quote: delimiters, quotes, CR and LF, and non-ASCII text.
cells = st.text(
    st.one_of(
        st.sampled_from([",", '"', "\r", "\n", ";", " ", "é", "€", "日"]),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=8,
)
# A small pool: the same key comes back in items further down the file.
key_values = st.sampled_from(["K1", "K,2", 'K"3', "K\r\n4", "ü5"])


@st.composite
def csv_items(draw) -> list[list[list[str]]]:
    """Items, each its rows (1 to 4); rows after an item's first carry a child cell and repeat
    its key (written under `code` or `alt_code`), as an item with several children does."""
    items: list[list[list[str]]] = []
    previous: tuple[str, str] | None = None
    for _ in range(draw(st.integers(1, 12))):
        key = (draw(key_values), draw(key_values))
        rows = []
        for n in range(draw(st.integers(1, 4))):
            under_alt = draw(st.booleans())
            code, alt = ("", key[0]) if under_alt else (key[0], draw(st.sampled_from(["", "x"])))
            children = [draw(cells.filter(bool)) if n else draw(cells), draw(cells)]
            if n == 0 and key == previous:
                children = ["", ""]  # a repeated key without a child cell is a new item
            rows.append([code, alt, key[1], draw(cells), *children])
        items.append(rows)
        previous = key
    return items


def write_csv(path: Path, rows: list[list[str]], newline: str, bom: bool) -> None:
    out = io.StringIO()
    # csv quotes a lone CR only when it ends lines: with LF lines, every cell is quoted.
    quoting = csv.QUOTE_MINIMAL if newline == "\r\n" else csv.QUOTE_ALL
    csv.writer(out, lineterminator=newline, quoting=quoting).writerows([HEADER, *rows])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))


def parsed(chunk: Chunk) -> list[list[str]]:
    return list(csv.reader(io.StringIO(chunk.data.decode("utf-8"), newline="")))


@PROPERTIES
@given(
    items=csv_items(),
    size=st.integers(1, 5),
    newline=st.sampled_from(["\r\n", "\n"]),
    bom=st.booleans(),
)
def test_csv_chunks_give_back_the_rows_and_never_split_an_item(tmp_path, items, size, newline, bom):
    path = tmp_path / "prices.csv"
    rows = [row for item in items for row in item]
    write_csv(path, rows, newline, bom)
    assert detect_format(path) == "csv"

    chunks = list(split(path, format="csv", size=size, key=KEY))

    tables = [parsed(chunk) for chunk in chunks]
    assert all(table[0] == HEADER for table in tables)  # each chunk parses on its own
    assert [row for table in tables for row in table[1:]] == rows
    assert all(1 <= chunk.items <= size for chunk in chunks)
    assert sum(chunk.items for chunk in chunks) == len(items)
    # Each chunk starts with an item's first row: no item has rows in two chunks.
    starts = [id(item[0]) for item in items]
    firsts, seen = [], 0
    for table in tables:
        firsts.append(seen)
        seen += len(table) - 1
    item_of_row = [n for n, item in enumerate(items) for _row in item]
    first_rows = {sum(len(i) for i in items[:n]) for n in range(len(starts))}
    assert set(firsts) <= first_rows
    assert [c.first_item for c in chunks] == [item_of_row[f] + 1 for f in firsts]
    assert [c.number for c in chunks] == list(range(1, len(chunks) + 1))
    assert chunks[0].file_name == "prices-0001.csv"


def test_rows_without_a_key_or_a_child_cell_are_items_of_their_own(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "code,list,tiers.name\n"
        "A,L,t1\nA,L,t2\n"  # one item: the key repeats with a child cell
        "A,L,\n"  # the key repeats without a child cell: another item
        ",,t3\n,,t4\n"  # no key at all: an item each
        "B,L,t5\nB,L\n"  # a row with a missing cell: passed through, an item of its own
        "B,L,t6\n",
        encoding="utf-8",
    )
    chunks = list(split(path, format="csv", size=1, key=[["code"], ["list"]]))
    assert [[row for row in parsed(c)[1:]] for c in chunks] == [
        [["A", "L", "t1"], ["A", "L", "t2"]],
        [["A", "L", ""]],
        [["", "", "t3"]],
        [["", "", "t4"]],
        [["B", "L", "t5"]],
        [["B", "L"]],
        [["B", "L", "t6"]],
    ]


def test_a_windows_1252_semicolon_file_becomes_utf8_comma_chunks(tmp_path):
    path = tmp_path / "artikel.csv"
    text = 'code;name;do_not_ship\r\nKAFFEE;"Café; crème";true\r\nTEE;Tee, grün;false\r\n'
    path.write_bytes(text.encode("cp1252"))
    (chunk,) = split(path, format=detect_format(path), size=10)
    assert chunk.data.decode("utf-8") == (
        'code,name,do_not_ship\r\nKAFFEE,Café; crème,true\r\nTEE,"Tee, grün",false\r\n'
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
json_items = st.lists(st.dictionaries(st.text(max_size=6), json_values, max_size=4), max_size=25)


def ndjson_items(chunks: list[Chunk]) -> list:
    assert all(chunk.format == "ndjson" for chunk in chunks)
    return [json.loads(line) for c in chunks for line in c.data.decode("utf-8").split("\n")[:-1]]


@PROPERTIES
@given(items=json_items, size=st.integers(1, 7), indent=st.sampled_from([None, 2]))
def test_json_arrays_become_ndjson_chunks_of_the_same_items(tmp_path, items, size, indent):
    path = tmp_path / "skus.json"
    path.write_text(json.dumps(items, indent=indent, ensure_ascii=False), encoding="utf-8")
    chunks = list(split(path, format="json", size=size))
    assert ndjson_items(chunks) == items
    assert [c.items for c in chunks] == [
        len(items[i : i + size]) for i in range(0, len(items), size)
    ]
    assert all(c.file_name.endswith(".ndjson") for c in chunks)


@PROPERTIES
@given(items=json_items, size=st.integers(1, 7), blank=st.sampled_from(["", "  ", "\r"]))
def test_ndjson_lines_are_passed_through_blank_lines_skipped(tmp_path, items, size, blank):
    path = tmp_path / "skus.ndjson"
    lines = [json.dumps(item, ensure_ascii=False) for item in items]
    path.write_text("\n".join(f"{line}\r\n{blank}" for line in lines), encoding="utf-8")
    if items:
        assert detect_format(path) == "ndjson"
    chunks = list(split(path, format="ndjson", size=size))
    assert [line for c in chunks for line in c.data.decode("utf-8").split("\n")[:-1]] == lines
    assert sum(c.items for c in chunks) == len(items)


def test_json_numbers_keep_the_value_the_server_reads(tmp_path):
    path = tmp_path / "prices.json"
    path.write_bytes(
        b'\xef\xbb\xbf[{"amount": 19.90, "cents": 1990, "big": 123456789012345678901234567890,'
        b' "tiny": 1e-7, "name": "caf\\u00e9"}]'
    )
    (chunk,) = split(path, format=detect_format(path), size=10)
    assert chunk.data.decode("utf-8") == (
        '{"amount": 19.9, "cents": 1990, "big": 123456789012345678901234567890, '
        '"tiny": 1e-07, "name": "café"}\n'
    )


def test_a_spreadsheet_becomes_csv_chunks_rendered_as_the_server_reads_it(tmp_path):
    path = tmp_path / "skus.xlsx"
    path.write_bytes(
        xlsx(
            {
                "Artikel": [
                    ["code", "pieces", "weight", "since", "do_not_ship", "note"],
                    ["A", 12, 12.0, dt.date(2026, 12, 4), True, "x"],
                    ["B", 3, 0.25, dt.date(2025, 1, 31), False, None],
                    [None, None, None, None, None, None],
                    ["C", 1234567890123, 1e20, None, None, "a,b"],
                    [None, None, None, None, None, None],
                ],
                "Other": [["ignored"]],
            }
        )
    )
    assert detect_format(path) == "xlsx"
    chunks = list(split(path, format="xlsx", size=2, key=[["code"]]))
    assert [c.file_name for c in chunks] == ["skus-0001.csv", "skus-0002.csv"]
    assert [c.data.decode("utf-8") for c in chunks] == [
        "code,pieces,weight,since,do_not_ship,note\r\n"
        "A,12,12,2026-12-04,true,x\r\n"
        "B,3,0.25,2025-01-31,false,\r\n",
        'code,pieces,weight,since,do_not_ship,note\r\nC,1234567890123,100000000000000000000,,,"a,b"\r\n',
    ]
    # The same cells as the server's own reader of the workbook gives.
    source = open_source(path, "skus.xlsx")
    server_rows = [list(record.values.values()) for record in source.records()]
    assert [row for c in chunks for row in parsed(c)[1:]] == server_rows


def test_gzipped_files_are_read_through(tmp_path):
    path = tmp_path / "skus.csv.gz"
    path.write_bytes(gzip.compress(b"code,name\nA,a\nB,b\n"))
    assert detect_format(path) == "csv"
    chunks = list(split(path, format="csv", size=1))
    assert [c.file_name for c in chunks] == ["skus-0001.csv", "skus-0002.csv"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("skus.json", b'{"code": "A",\n "name": "a"}', "skus.json: is a JSON object, not an array"),
        ("blob.bin", b"\x00\x01\x02binary\x00" * 10, "blob.bin: is binary data, not a CSV"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "photo.csv: is a PNG image, not a CSV"),
        ("empty.csv", b" \n", "empty.csv: is empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 20, "old.xls: is an XLS workbook"),
    ],
)
def test_files_that_cannot_be_split_are_named_with_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ClientError, match=message):
        list(split(path, format=detect_format(path), size=10))


def test_broken_text_names_the_file_and_where(tmp_path):
    array = tmp_path / "skus.json"
    array.write_text('[{"code": "A"}, {"code": "B"}, {"code": ]', encoding="utf-8")
    with pytest.raises(ClientError, match=r"skus.json: is not valid JSON after item 2"):
        list(split(array, format="json", size=10))
    text = tmp_path / "skus.csv"
    text.write_text('code,name\nA,a\nB,"b\n', encoding="utf-8")
    with pytest.raises(ClientError, match="skus.csv: line 3: a quoted cell is not closed"):
        list(split(text, format="csv", size=10))
    with pytest.raises(ClientError, match="cannot be read"):
        list(split(tmp_path / "missing.csv", format="csv", size=10))


# The peak is the process's VmHWM: on Linux, ru_maxrss keeps the forking parent's peak (pytest's,
# ~170 MB) across the exec, which would hide the splitter's own.
MEASURE = """
import json, re, sys
from pathlib import Path
from client.chunks import split
items = rows = 0
for chunk in split(Path(sys.argv[1]), format="csv", size=10_000, key=[["code"]]):
    items += chunk.items
    rows += chunk.data.count(b"\\n") - 1
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(json.dumps({"items": items, "rows": rows, "peak_kb": int(peak)}))
"""


def split_in_a_process(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def write_rows(path: Path, count: int) -> None:
    """Prices with two tier rows each: `count` rows, one item per two rows."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("code,name,price_tiers.name,price_tiers.amount_cents,note\r\n")
        for start in range(0, count, 10_000):
            out.write(
                "".join(
                    f'SKU{n // 2:08d},"Mug, blue {n // 2}",tier {n % 2},{n * 7},"a ""b"""\r\n'
                    for n in range(start, min(count, start + 10_000))
                )
            )


def test_memory_stays_flat_whatever_the_file_size(tmp_path):
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    write_rows(small, 100_000)
    write_rows(big, 1_000_000)
    baseline = split_in_a_process(small)
    measured = split_in_a_process(big)
    print(
        f"\npeak RSS splitting 100,000 rows: {baseline['peak_kb'] / 1024:.1f} MB, "
        f"1,000,000 rows ({big.stat().st_size / 1e6:.0f} MB): {measured['peak_kb'] / 1024:.1f} MB"
    )
    assert (baseline["items"], baseline["rows"]) == (50_000, 100_000)
    assert (measured["items"], measured["rows"]) == (500_000, 1_000_000)
    allowed = max(baseline["peak_kb"] * 0.10, 15 * 1024)
    assert measured["peak_kb"] - baseline["peak_kb"] <= allowed


def test_a_gzipped_file_damaged_past_its_start_is_named(tmp_path):
    path = tmp_path / "skus.csv.gz"
    whole = gzip.compress(b"code,name\n" + b"".join(b"SKU%d,n\n" % n for n in range(50_000)))
    path.write_bytes(whole[: len(whole) // 2])
    assert detect_format(path) == "csv"
    with pytest.raises(ClientError, match="skus.csv.gz: cannot be read past its start"):
        list(split(path, format="csv", size=10_000))


def test_a_mapping_renames_the_key_and_child_columns_and_trimmed_keys_stay_together(tmp_path):
    mapping = {
        "Artikel": {"to": "sku_code", "trim": True},
        "sku_id": None,
        "Liste": "price_list_id",
        "Staffel": "price_tiers.name",
    }
    key = mapped_key([["sku_code", "sku_id"], ["price_list_code", "price_list_id"]], mapping)
    assert key == [["Artikel", "sku_code"], ["price_list_code", "Liste", "price_list_id"]]
    path = tmp_path / "preise.csv"
    path.write_text("Artikel,Liste,Staffel\nA,EU,1\n A ,EU,2\nA,EU,\nB,EU,1\n", encoding="utf-8")
    chunks = list(split(path, format="csv", size=1, key=key, mapping=mapping))
    assert [parsed(c)[1:] for c in chunks] == [
        [["A", "EU", "1"], [" A ", "EU", "2"]],
        [["A", "EU", ""]],  # no child cell: the same key is another item
        [["B", "EU", "1"]],
    ]
    # A child column with a default gives every row a child: the repeated key is one item.
    mapping["Art"] = {"to": "price_tiers.type", "default": "PriceVolumeTier"}
    chunks = list(split(path, format="csv", size=1, key=key, mapping=mapping))
    assert [c.items for c in chunks] == [1, 1]


def test_a_key_column_s_default_and_map_make_the_key_the_server_reads(tmp_path):
    mapping = {
        "Liste": {"to": "price_list_code", "default": "EU", "map": {"Europa": "EU"}},
        "Staffel": "price_tiers.name",
    }
    path = tmp_path / "preise.csv"
    path.write_text("sku_code,Liste,Staffel\nA,EU,1\nA,,2\nA,Europa,3\nA,US,4\n", encoding="utf-8")
    key = mapped_key([["price_list_code"], ["sku_code"]], mapping)
    chunks = list(split(path, format="csv", size=1, key=key, mapping=mapping))
    assert [len(parsed(c)) - 1 for c in chunks] == [3, 1]
