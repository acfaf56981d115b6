"""Webhook tests: an application allowed to call back to 127.0.0.1 (retries after 0.2 s), and a
real receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.settings import Settings
from tests.support.api import BASE_URL, open_app
from tests.support.receiver import Receiver
from tests.support.services import database_url, make_settings

LOCAL = {"BULKPORT_WEBHOOKS_ALLOW_PRIVATE": "1", "BULKPORT_WEBHOOKS_RETRY_SECONDS": "0.2"}
# Links in payloads as in the test client's responses: a payload is compared with a GET.
PUBLIC = {"BULKPORT_PUBLIC_URL": BASE_URL}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def local_settings(request, tmp_path, jwt_pem) -> Settings:
    url = database_url(request, request.param, tmp_path)
    return make_settings(tmp_path, url, jwt_pem, **LOCAL, **PUBLIC)


@pytest.fixture
def local_app(local_settings):
    with open_app(local_settings) as application:
        yield application
