"""What ``bulkport import`` sends: its options checked before any request (a bad file or
mapping is a usage error), the type's facts asked of the server (``GET /api/import_types/<type>``:
its key, the upload limit), and the form fields every upload of the run shares."""

from __future__ import annotations

import argparse
import json
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.chunks import mapped_key
from client.connection import Api, ApiFailure, ClientError
from client.sources import detect_format

INPUTS_MAX = 10_000  # items of one import made from a chunk
ORIGIN = "bulkport-cli"
GROUP_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Options:
    path: Path
    format: str
    resource_type: str
    mapping: dict[str, Any] | None
    chunk_size: int | None
    group: str

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        path = Path(args.file)
        try:
            with path.open("rb") as probe:
                probe.read(1)
        except OSError as exc:
            raise ClientError(f"cannot read {args.file}: {exc.strerror or exc}") from None
        if path.is_dir():
            raise ClientError(f"cannot read {args.file}: it is a directory")
        mapping = None
        if args.mapping is not None:
            try:
                mapping = json.loads(args.mapping)
            except ValueError as exc:
                raise ClientError(f"--mapping is not JSON: {exc}") from None
            if not isinstance(mapping, dict):
                raise ClientError('--mapping must be a JSON object, e.g. {"SKU": "code"}')
        size = args.chunk_size
        if size is not None and not 1 <= size <= INPUTS_MAX:
            raise ClientError(f"--chunk-size must be from 1 to {INPUTS_MAX:,} (got {size})")
        try:
            format = args.format or detect_format(path)
        except (OSError, ValueError) as exc:
            raise ClientError(f"cannot read {args.file}: {exc}") from None
        return cls(path, format, args.resource_type, mapping, size, args.reference or new_group())


def new_group() -> str:
    """A reference group such as ``bulkport-20261205-0300-x7k2p9``: sortable, and unique
    enough that two runs in the same minute do not share one."""
    suffix = "".join(secrets.choice(GROUP_ALPHABET) for _ in range(6))
    return f"bulkport-{datetime.now(UTC):%Y%m%d-%H%M}-{suffix}"


@dataclass(frozen=True)
class TypeFacts:
    """What the server says of an import type: its key as the file names it (through the
    mapping), and limits."""

    key: tuple[tuple[str, ...], ...]
    upload_max_bytes: int | None  # None: a server that does not tell (try, and split on 413)
    inputs_max: int


def type_facts(api: Api, resource_type: str, mapping: dict[str, Any] | None) -> TypeFacts:
    try:
        document = api.get(f"/api/import_types/{resource_type}")
    except ApiFailure as failure:
        if failure.status == 404 and not _describes_types(api):
            return TypeFacts((), None, INPUTS_MAX)  # an older server: no splitting by key
        if failure.status == 404:
            raise ClientError(f"{resource_type} is not a type the server imports") from None
        raise
    attributes = (document.get("data") or {}).get("attributes") or {}
    meta = document.get("meta") or {}
    key = tuple(tuple(part) for part in mapped_key(attributes.get("key") or (), mapping or {}))
    limit = meta.get("upload_max_bytes")
    inputs_max = int(meta.get("inputs_max") or INPUTS_MAX)
    return TypeFacts(key, int(limit) if limit else None, inputs_max)


def _describes_types(api: Api) -> bool:
    try:
        api.get("/api/import_types")
    except ApiFailure as failure:
        if failure.status == 404:
            return False
        raise
    return True


def form_fields(args: argparse.Namespace, options: Options) -> dict[str, str]:
    """The attributes every upload of the run carries, as form fields."""
    fields = {"resource_type": options.resource_type, "reference_origin": ORIGIN}
    if args.parent:
        fields["parent_resource_id"] = args.parent
    if args.profile:
        fields["import_profile_id"] = args.profile
    if options.mapping is not None:
        fields["mapping"] = json.dumps(options.mapping, ensure_ascii=False)
    for flag, name in (("cleanup", "cleanup_records"), ("skip_errors", "skip_errors")):
        if getattr(args, flag):
            fields[name] = "true"
    if args.preview:
        fields["preview"] = "true"
    return fields


def profile_mapping(api: Api, profile_id: str | None) -> dict[str, Any] | None:
    """A profile's mapping, which applies when the command gives none."""
    if not profile_id:
        return None
    document = api.get(f"/api/import_profiles/{profile_id}")
    mapping = ((document.get("data") or {}).get("attributes") or {}).get("mapping")
    return mapping if isinstance(mapping, dict) else None
