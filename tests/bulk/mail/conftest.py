"""E-mail tests: the application on each database, sending to a real SMTP server (retries
after 0.2 s), with links under the test client's base URL."""

from __future__ import annotations

import pytest

from core.settings import Settings
from tests.support.mail import mail_server, settings_sending_to  # noqa: F401 - a fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path, jwt_pem, mail_server) -> Settings:  # noqa: F811
    return settings_sending_to(request, tmp_path, jwt_pem, mail_server)
