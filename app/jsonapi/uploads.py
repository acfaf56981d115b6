"""Creating a record from a `multipart/form-data` upload: a `file` field, and the record's
attributes as form fields (coerced by declared type, as CSV cells are)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from app.jsonapi.body import form_draft
from bulk.imports.upload import Upload
from core.errors import BadRequest
from records.draft import Draft
from resources.base import Resource

MULTIPART = "multipart/form-data"
FILE, SHEET = "file", "sheet"  # the form fields that are not attributes
MAX_FIELD_BYTES = 1024 * 1024  # one form field other than the file (metadata, mapping)


def is_upload(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == MULTIPART


async def read_upload(request: Request) -> Any:
    """The form's file, spooled to disk by Starlette as it arrives (never whole in memory)."""
    # A malformed body is Starlette's 400 naming the problem; the form is closed (its spooled
    # file deleted) by the endpoint once the record is saved.
    form = await request.form(max_files=1, max_fields=100, max_part_size=MAX_FIELD_BYTES)
    file = form.get(FILE)
    if not isinstance(file, UploadFile):
        raise BadRequest(f"A multipart/form-data create needs a `{FILE}` field holding the file")
    sheet = form.get(SHEET)
    fields = {k: v for k, v in form.multi_items() if k not in (FILE, SHEET)}
    if any(not isinstance(v, str) for v in fields.values()):
        raise BadRequest(f"Only the `{FILE}` field of the form may hold a file")
    upload = Upload(file.file, file.filename, file.size or 0, sheet or None)  # type: ignore[arg-type]
    return fields, upload


def upload_draft(resource: Resource, read: Any) -> tuple[Draft, Upload]:
    fields, upload = read
    return form_draft(resource, fields), upload
