"""Where the official clients' checks cannot run, they say why instead of failing."""

from __future__ import annotations

import pytest

from tests.clients.node import node_modules


def test_without_node_the_checks_are_skipped_saying_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without node or npm

    with pytest.raises(pytest.skip.Exception, match="node/npm not installed"):
        node_modules()
