"""One live Bulkport per test module (and xdist worker) for the official clients' checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.node import node_modules
from tests.support.live_server import Server, live_server


@pytest.fixture(scope="module")
def bulkport(tmp_path_factory) -> Iterator[Server]:
    node_modules()
    with live_server(tmp_path_factory.mktemp("bulkport"), slug="clients-org") as server:
        yield server
