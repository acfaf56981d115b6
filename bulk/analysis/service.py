"""Creating analyses: the API's side (POST /api/import_analyses with a multipart file, or JSON
`inputs` and `format`). Expired ones are deleted by the sweep (bulk/maintenance.py)."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta

from bulk import admission
from bulk.analysis.analyse import analyse
from bulk.files import store_file
from bulk.imports.upload import Upload, opened
from bulk.sources.errors import SourceError
from core.db import new_id, utcnow
from core.errors import FieldError, Forbidden, PayloadTooLarge, ValidationFailed
from core.settings import Settings
from core.unit import Unit
from records.draft import Draft
from records.validation import check_record
from records.write import insert
from resources.import_analyses import resource as analyses

KEPT = timedelta(days=1)


class AnalysisService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def save(self, unit: Unit, draft: Draft) -> str:
        """A JSON create: `inputs` (and `format`) analysed as the file they would make."""
        if draft.existing is not None:
            raise Forbidden(f"{analyses.type} cannot be changed: create a new one")
        values = draft.values
        inputs, fmt = values.pop("inputs", None), values.pop("format", None) or "json"
        if fmt not in ("json", "csv"):
            message = "is not included in the list (json, csv)"
            raise ValidationFailed([*draft.errors, FieldError("format", "inclusion", message)])
        if inputs is None:
            message = "can't be blank (or send the file as multipart/form-data)"
            raise ValidationFailed([*draft.errors, FieldError("inputs", "blank", message)])
        if (fmt == "csv") != isinstance(inputs, str):
            message = f"must be {'one CSV string' if fmt == 'csv' else 'an array'} for format {fmt}"
            raise ValidationFailed([*draft.errors, FieldError("inputs", "invalid", message)])
        text = inputs if isinstance(inputs, str) else json.dumps(inputs, ensure_ascii=False)
        with tempfile.TemporaryFile(prefix="bulkport-analysis-") as file:
            file.write(text.encode())
            size = file.tell()
            return self._create(unit, draft, Upload(file, None, size), "inputs")

    def upload(self, unit: Unit, draft: Draft, file: Upload) -> str:
        limit = self.settings.upload_max_bytes
        if file.size > limit:
            raise PayloadTooLarge(f"The file exceeds the upload limit of {limit} bytes")
        if "inputs" in draft.values:
            message = "is not accepted with a file: the file holds the inputs"
            raise ValidationFailed([FieldError("inputs", "invalid", message)])
        draft.values.pop("format", None)  # the file's own is detected
        return self._create(unit, draft, file, "file")

    def _create(self, unit: Unit, draft: Draft, file: Upload, pointer: str) -> str:
        values = draft.values
        target, errors = admission.job_target(values)
        errors = draft.errors + errors + check_record(analyses, values)
        if errors:
            raise ValidationFailed(errors)
        try:
            with opened(file, lenient=True) as source:
                values.update(analyse(source, target))
        except SourceError as exc:
            raise ValidationFailed([FieldError(pointer, "invalid", str(exc))]) from None
        values.update(id=new_id(), file_name=file.name, file_size=file.size,
                      expires_at=utcnow() + KEPT)  # fmt: skip
        owner = {**values, "organization_id": unit.scope.organization_id,
                 "source_format": values["file_type"]}  # fmt: skip
        file.file.seek(0)
        values["attachment_key"] = store_file(self.settings, analyses, owner, file.file)
        return insert(unit.scope, analyses, [draft])[0]
