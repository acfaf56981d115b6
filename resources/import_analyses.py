"""The `import_analyses` resource: what an uploaded file holds, before it is imported (its
format, columns with their types and statistics, a suggested mapping, the problems found).
Computed by bulk/analysis; kept a day (`expires_at`), its file in storage for an import to use
(`imports.import_analysis_id`)."""

from typing import Any

import sqlalchemy as sa

from core.dialect import has_nul
from resources.base import Resource
from resources.fields import Attr, DateTime, Integer, Invalid, Json, String
from resources.job_attributes import read_only


class Inputs(Attr):
    """The records as JSON sends them (format json: an array; csv: one text), analysed as a
    file would be and never stored as such (the file in storage is)."""

    json_schema = {"anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string"}]}

    kind = "object"

    def __init__(self, name: str) -> None:
        super().__init__(name, create_only=True, hidden=True, column=False)

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str | list) or has_nul(value):
            raise Invalid("invalid")
        return value


class Listing(Json):
    """A JSON array the analysis computes (read-only: never coerced from input)."""

    json_schema = {"type": "array"}


resource = Resource(
    "import_analyses",
    attributes=[
        String("resource_type", create_only=True),
        String("format", choices=("json", "csv"), create_only=True, column=False, hidden=True),
        Inputs("inputs"),
        *read_only(
            String("file_name"),
            Integer("file_size"),
            String("file_type"),  # csv | tsv | xlsx | xls | json | ndjson
            String("encoding"),
            String("delimiter"),
            String("sheet"),
            Listing("sheet_names"),
            Integer("total_rows"),
            Listing("columns"),
            Listing("preview_rows"),
            Json("suggested_mapping"),
            Listing("unmapped_required"),
            Listing("problems"),
            Integer("problems_count"),  # all of them; `problems` lists the first 100
            DateTime("expires_at", index=True),
        ),
    ],
    integration_only=True,
    idempotent=True,  # its POST takes an Idempotency-Key (a retried creation runs once)
    versioned=False,  # a computed report, not catalog data
    expires="expires_at",
    extra_columns=[sa.Column("attachment_key", sa.String(255))],  # the file, gzipped
)
