"""Serves local attachments behind their signed, expiring URLs (S3 serves its own)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.errors import Forbidden, NotFound
from core.storage import FileStorage, storage_for


async def download(request: Request) -> Response:
    storage = storage_for(request.app.state.settings)
    key = request.path_params["key"]
    if not isinstance(storage, FileStorage):
        raise NotFound("Attachments are stored in S3: use the attachment_url of the job")
    params = request.query_params
    if not storage.verify(key, params.get("expires", ""), params.get("signature", "")):
        raise Forbidden("This attachment link is invalid or has expired: read attachment_url again")
    try:
        data = storage.get(key)
    except ValueError:
        data = None
    if data is None:
        raise NotFound("This attachment no longer exists")
    filename = key.rsplit("/", 1)[-1]
    return Response(
        data,
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def routes() -> list[Route]:
    return [Route("/attachments/{key:path}", download, methods=["GET"])]
