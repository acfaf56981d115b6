"""The one JSON gate: what it refuses, with what message, and that nothing else escapes it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.strict_json import MAX_DEPTH, JsonRejected, loads

NESTED = "nests arrays or objects more than 64 levels deep"
SURROGATE = "holds a lone UTF-16 surrogate (\\ud800 to \\udfff), which is no character"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"weight": NaN}', "holds NaN, which JSON does not allow"),
        ('{"weight": Infinity}', "holds Infinity, which JSON does not allow"),
        ('{"weight": -Infinity}', "holds -Infinity, which JSON does not allow"),
        ('{"weight": 1e400}', "holds a number too large to store"),
        ('{"name": "\\ud800"}', SURROGATE),
        ('{"metadata": {"\\udfff": 1}}', SURROGATE),
        ("[" * 1000 + "]" * 1000, NESTED),
        ("[" * 100_000 + "]" * 100_000, NESTED),
        ('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), NESTED),
    ],
)
def test_refused_with_what_is_wrong(text, problem):
    with pytest.raises(JsonRejected) as refused:
        loads(text)
    assert str(refused.value) == problem


def test_as_deep_as_allowed_is_read():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(text) == json.loads(text)


def test_invalid_json_says_where():
    with pytest.raises(JsonRejected) as refused:
        loads(b'{"a": 1,}')
    assert str(refused.value).startswith("is not valid JSON: ")
    assert "column 9" in str(refused.value)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_a_refusal(data):
    try:
        loads(data)
    except JsonRejected:
        pass


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=30))  # fmt: skip
def test_what_json_can_say_is_read_back_or_refused(value):
    text = json.dumps(value)  # NaN, Infinity, lone surrogates: all representable by dumps
    try:
        assert json.dumps(loads(text)) == text
    except JsonRejected:
        pass
