"""The embedded server's files: private to their owner from the first byte."""

from __future__ import annotations

import stat

from app.migrate import upgrade
from core.db import make_engine
from tests.support.services import make_settings


def test_the_sqlite_file_is_created_private(tmp_path, jwt_pem):
    path = tmp_path / "data" / "bulkport.sqlite3"
    upgrade(make_settings(tmp_path, f"sqlite:///{path}", jwt_pem))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    other = tmp_path / "other.sqlite3"
    engine = make_engine(f"sqlite:///{other}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    assert stat.S_IMODE(other.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # the data folder it made


def test_a_database_file_left_readable_by_others_is_made_private(tmp_path, jwt_pem):
    path = tmp_path / "bulkport.sqlite3"
    upgrade(make_settings(tmp_path, f"sqlite:///{path}", jwt_pem))
    path.chmod(0o644)  # as versions before 0600 files left it
    upgrade(make_settings(tmp_path, f"sqlite:///{path}", jwt_pem))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
