"""Attachment storage: S3 (any S3-compatible endpoint, through boto3) or a local folder.

S3 attachments are handed out as presigned URLs. Local ones are served by the app itself at
``/attachments/<key>`` behind an HMAC signature and an expiry, signed afresh on every read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode, urlparse

from core.settings import Settings

_lock = threading.Lock()
_cache: dict[tuple, Any] = {}


def _private_folders(folder: Path) -> None:
    """Creates ``folder`` and any missing parent owner-only (``mkdir`` gives parents the
    umask's mode)."""
    for each in [*reversed(folder.parents), folder]:
        if not each.exists():
            each.mkdir(mode=0o700, exist_ok=True)


class FileStorage:
    def __init__(self, root: Path, secret: bytes, ttl: int) -> None:
        self.root = root
        self.secret = secret
        self.ttl = ttl

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"attachment key escapes the storage folder: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # Owner-only, like the database: attachments hold organizations' data.
        path = self._path(key)
        _private_folders(path.parent)
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # readers never see half a file

    def put_file(self, key: str, source: IO[bytes] | str | Path, content_type: str) -> None:
        """``put`` of a file's bytes (an open binary file, read from where it stands, or a
        path), copied in blocks."""
        if isinstance(source, str | Path):
            with open(source, "rb") as f:
                return self.put_file(key, f, content_type)
        path = self._path(key)
        _private_folders(path.parent)
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(source, f)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def get_file(self, key: str, target: IO[bytes]) -> None:
        """``get`` into a file, copied in blocks (an uploaded import's source)."""
        with open(self._path(key), "rb") as f:
            shutil.copyfileobj(f, target, 1024 * 1024)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def check(self) -> None:
        """Raises unless attachments can be written: the folder takes a file (/health)."""
        _private_folders(self.root)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
            pass

    def signature(self, key: str, expires: int) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def verify(self, key: str, expires: str, signature: str) -> bool:
        """Whether a link is this storage's and unexpired; any other input is simply not."""
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return False  # `²` is a digit to isdigit(), and 5,000 digits are no time
        if int(expires) < time.time():
            return False
        expected = self.signature(key, int(expires)).encode()
        return hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass"))

    def url(self, base: str, key: str) -> str:
        expires = int(time.time()) + self.ttl
        query = urlencode({"expires": expires, "signature": self.signature(key, expires)})
        return f"{base}/attachments/{quote(key)}?{query}"


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        parsed = urlparse(settings.storage_url)
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.ttl = settings.attachment_ttl
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            # SigV4 presigned URLs: botocore's default for S3 presigning is still SigV2 in
            # us-east-1, which AWS deprecated and S3-compatible servers increasingly refuse.
            config=Config(
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3},
            ),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def put_file(self, key: str, source: IO[bytes] | str | Path, content_type: str) -> None:
        """``put`` of a file's bytes (an open binary file, read from where it stands, or a
        path): boto3 streams it, in parts when it is large."""
        if isinstance(source, str | Path):
            with open(source, "rb") as f:
                return self.put_file(key, f, content_type)
        self.client.upload_fileobj(
            source, self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
        )

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def get_file(self, key: str, target: IO[bytes]) -> None:
        """``get`` into a file: boto3 streams it, in parts when it is large."""
        self.client.download_fileobj(self.bucket, self._key(key), target)

    def delete(self, key: str) -> None:
        # S3 answers a missing key with success too: deleting twice is no error.
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def check(self) -> None:
        """Raises unless the bucket answers (/health): one HEAD request."""
        self.client.head_bucket(Bucket=self.bucket)

    def url(self, base: str, key: str) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=self.ttl,
        )


def _local_secret(settings: Settings) -> bytes:
    """BULKPORT_ATTACHMENT_SECRET, else a random secret kept in the data dir."""
    if settings.attachment_secret:
        return settings.attachment_secret.encode()
    path = settings.data_dir / "attachment.secret"
    if not path.exists():
        _private_folders(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def storage_for(settings: Settings) -> FileStorage | S3Storage:
    key = (settings.storage_url, settings.s3_endpoint_url, settings.attachment_secret)
    with _lock:
        if key not in _cache:
            if settings.storage_url.startswith("s3://"):
                _cache[key] = S3Storage(settings)
            elif settings.storage_url.startswith("file://"):
                root = Path(settings.storage_url.removeprefix("file://"))
                _cache[key] = FileStorage(root, _local_secret(settings), settings.attachment_ttl)
            else:
                raise ValueError(
                    f"BULKPORT_STORAGE_URL must be file://<folder> or s3://<bucket>/<prefix>, "
                    f"got {settings.storage_url!r}"
                )
        return _cache[key]


def attachment_url(renderer: Any, key: str | None) -> str | None:
    if not key or renderer.settings is None:
        return None
    return storage_for(renderer.settings).url(renderer.base, key)
