"""Export files are gzipped as their pages come (bulk/files.store_stream) into local storage
(core/storage.FileStorage.put_file): the same text as at once, nothing stored on an error."""

from __future__ import annotations

import gzip
import io

import pytest

from bulk import files
from core.storage import storage_for
from resources.exports import resource as exports
from tests.support.services import make_settings

ROW = {"id": "E1", "organization_id": "O1", "format": "json"}


@pytest.fixture
def local(tmp_path, jwt_pem):
    return make_settings(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite3'}", jwt_pem)


def pages(n: int) -> list[str]:
    return ["["] + [f'{{"n":{i},"text":"é {"x" * (i % 97)}"}},\n' for i in range(n)] + ["]"]


def test_chunks_are_stored_as_one_gzipped_text(local):
    chunks = pages(5000)
    key = files.store_stream(local, exports, ROW, iter(chunks), 3)
    assert key == "exports/O1/E1.json.gz" == files.file_key(exports, ROW)
    stored = storage_for(local).get(key)
    assert stored is not None and gzip.decompress(stored).decode() == "".join(chunks)
    # the bytes of compressing the whole text at once, header aside (OS byte)
    whole = gzip.compress("".join(chunks).encode(), compresslevel=3, mtime=0)
    assert stored[10:] == whole[10:] and stored[:9] == whole[:9]


def test_an_error_in_the_chunks_stores_nothing(local):
    def failing():
        yield "["
        raise RuntimeError("page 2 failed")

    with pytest.raises(RuntimeError):
        files.store_stream(local, exports, ROW, failing(), 3)
    assert storage_for(local).get(files.file_key(exports, ROW)) is None


def test_put_file_takes_a_file_or_a_path(local, tmp_path):
    storage = storage_for(local)
    storage.put_file("exports/O1/a.gz", io.BytesIO(b"abc" * 100_000), "application/gzip")
    assert storage.get("exports/O1/a.gz") == b"abc" * 100_000
    source = tmp_path / "source.gz"
    source.write_bytes(b"xyz")
    storage.put_file("exports/O1/b.gz", source, "application/gzip")
    assert storage.get("exports/O1/b.gz") == b"xyz"
    folder = local.data_dir
    assert not list(folder.rglob("*.tmp"))
