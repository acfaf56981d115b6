"""Delimited text read the same by the server and the client: lines where records start, blank
lines skipped, and csv's errors in a person's words, naming the file's own delimiter."""

from __future__ import annotations

import io

import pytest

from fileformats import delimited
from fileformats.delimited import Record


def read(text: str, delimiter: str) -> list[Record]:
    return list(delimited.records(io.StringIO(text, newline=""), delimiter))


def test_records_start_where_they_start_and_blank_lines_are_skipped():
    text = 'a;b\r\n\r\n;\r\n1;"two\r\nlines"\r\n3;4'
    assert read(text, ";") == [
        Record(1, ["a", "b"]),
        Record(4, ["1", "two\r\nlines"]),
        Record(6, ["3", "4"]),
    ]


@pytest.mark.parametrize(
    ("delimiter", "shown"), [(",", "a comma"), ("\t", "a tab"), (";", "';'"), ("|", "'|'")]
)
def test_a_stray_quote_names_the_delimiter_and_reading_goes_on(delimiter, shown):
    text = delimiter.join(["a", "b"]) + "\n" + delimiter.join(['"x"y', "z"]) + "\nc" + delimiter
    assert read(text + "d\n", delimiter) == [
        Record(1, ["a", "b"]),
        Record(2, [], f"a closing quote must be followed by {shown} or a line end"),
        Record(3, ["c", "d"]),
    ]


def test_an_open_quote_at_the_end_names_the_line_it_opens_on():
    assert read('a,b\n1,"open\n2,3\n', ",")[1:] == [
        Record(2, [], "a quoted cell is not closed before the end of the file")
    ]
