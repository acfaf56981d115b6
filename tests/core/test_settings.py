"""The operations settings refuse what they cannot use, each naming itself (the command line
prints the message as its one line: tests/app/test_cli.py)."""

from __future__ import annotations

import pytest

from core.settings import Settings


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BULKPORT_LOG_FORMAT", "xml", "BULKPORT_LOG_FORMAT must be one of text, json (got 'xml')"),
        ("BULKPORT_HEALTH_TIMEOUT", "0",
         "BULKPORT_HEALTH_TIMEOUT must be a number of seconds above 0 (got '0')"),
        ("PROMETHEUS_MULTIPROC_DIR", "/no/such/folder",
         "PROMETHEUS_MULTIPROC_DIR must be an existing folder (got '/no/such/folder')"),
    ],
)  # fmt: skip
def test_an_operations_setting_that_cannot_be_used_is_named(tmp_path, name, value, message):
    with pytest.raises(ValueError) as refused:
        Settings.from_env({"BULKPORT_DATA_DIR": str(tmp_path), name: value})
    assert str(refused.value) == message


def test_the_operations_defaults(tmp_path):
    settings = Settings.from_env(
        {"BULKPORT_DATA_DIR": str(tmp_path), "BULKPORT_LOG_FORMAT": "JSON"}
    )
    assert settings.log_format == "json"  # any case
    assert (settings.health_timeout, settings.metrics_token, settings.metrics_dir) == (
        2.0,
        None,
        None,
    )
    guarded = Settings.from_env(
        {"BULKPORT_DATA_DIR": str(tmp_path), "BULKPORT_METRICS_TOKEN": "t0k"}
    )
    assert guarded.metrics_token == "t0k" and "t0k" not in repr(guarded)  # kept out of logs
