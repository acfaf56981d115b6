"""The errors file of an import: exactly its failed items, in the format they came in, each
with its messages, so that the file can be fixed and imported again.

Each chunk records its failed items' inputs (``Item.raw``) in its own transaction, and the
file is written from them when the import ends (completed or interrupted), gzipped next to its
attachment: JSON inputs (JSON or NDJSON files) give a JSON array of the objects with an
`_errors` key ({attribute: [messages]}); CSV inputs and spreadsheets give CSV, every row of a
failed item with an `_errors` column (`attribute: message; ...`). Imports ignore `_errors`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from typing import Any

from bulk.imports.build import Work
from bulk.imports.parse import ERRORS_KEY
from bulk.imports.report import Outcome
from core.settings import Settings
from core.storage import storage_for
from core.tenancy import Scope
from resources.imports import failures
from resources.imports import resource as imports

F = failures


def record_failures(
    scope: Scope, import_id: str, works: Iterable[Work], outcomes: Iterable[Outcome]
) -> None:
    """The failed items' inputs as they came, with their messages (in the chunk's commit)."""
    rows = [
        {"import_id": import_id, "position": w.item.position, "raw": w.item.raw,
         "errors": o.errors}
        for w, o in zip(works, outcomes, strict=True)
        if o.errors and w.item.raw is not None
    ]  # fmt: skip
    scope.insert(F, rows)


def write_errors_file(settings: Settings, scope: Scope, row: dict[str, Any]) -> str | None:
    """Stores the errors file of the import ``row`` and forgets the failures; its key, or None
    when no item failed."""
    stmt = (
        scope.select(F, F.c.raw, F.c.errors)
        .where(F.c.import_id == row["id"])
        .order_by(F.c.position, F.c.id)
    )
    found = [(raw, errors) for raw, errors in scope.execute(stmt)]
    if not found:
        return None
    as_json = row["format"] == "json"
    text = json_file(found) if as_json else csv_file(found)
    ext = "json" if as_json else "csv"
    key = f"{imports.type}/{row['organization_id']}/{row['id']}.errors.{ext}.gz"
    storage_for(settings).put(key, gzip.compress(text.encode(), 6, mtime=0), "application/gzip")
    scope.execute(scope.delete(F).where(F.c.import_id == row["id"]))
    return key


def json_file(found: list[tuple[Any, dict[str, list[str]]]]) -> str:
    items = [
        {**raw, ERRORS_KEY: errors} if isinstance(raw, dict) else {"value": raw, ERRORS_KEY: errors}
        for raw, errors in found
    ]
    return json.dumps(items, ensure_ascii=False, indent=1)


def csv_file(found: list[tuple[Any, dict[str, list[str]]]]) -> str:
    columns: dict[str, None] = {}
    for rows, _errors in found:
        for cells in rows:
            columns.update(dict.fromkeys(k for k in cells if k != ERRORS_KEY))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*columns, ERRORS_KEY], lineterminator="\n")
    writer.writeheader()
    for rows, errors in found:
        said = "; ".join(f"{attr}: {m}" for attr, messages in errors.items() for m in messages)
        for cells in rows:
            writer.writerow({**cells, ERRORS_KEY: said})
    return out.getvalue()
