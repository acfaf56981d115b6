"""Creating and interrupting imports: the API's side of them (``run`` processes them)."""

from __future__ import annotations

import tempfile
from typing import Any

from bulk import admission
from bulk.admission import Send
from bulk.files import delete_file
from bulk.imports import preview, revert, upload
from bulk.imports.archive import archive
from bulk.imports.cleanup import ratio_errors
from bulk.imports.mapping import MappingError, compile_mapping
from bulk.imports.merge import settings_errors
from bulk.imports.parse import Remap, csv_summary, parse_csv
from bulk.imports.profiles import fill_from_profile, profile_change_error
from bulk.imports.upload import Upload
from bulk.mail.addresses import notify_errors
from bulk.sources.errors import SourceError
from core.db import new_id
from core.dialect import has_nul
from core.errors import FieldError, PayloadTooLarge, ValidationFailed
from core.settings import Settings
from core.storage import storage_for
from core.unit import Unit
from records.draft import Draft
from records.validation import apply_defaults, check_record
from records.write import update
from resources.base import Resource
from resources.import_analyses import resource as analyses
from resources.import_inputs import pack
from resources.imports import resource as imports

MAX_INPUTS = 10_000
COUNTERS = (
    "processed_count", "created_count", "updated_count", "unchanged_count",
    "errors_count", "warnings_count", "destroyed_count",
)  # fmt: skip


def inputs_size(
    values: dict[str, Any], target: Resource | None, remap: Remap | None = None
) -> tuple[int | None, list[FieldError]]:
    """The number of items: JSON array elements; CSV items, rows repeating an item's key (its
    nested children's rows) being that one item."""
    fmt, inputs = values.get("format") or "json", values.get("inputs")
    if inputs is None:
        return None, [FieldError.of("inputs", "blank")]
    if fmt not in ("json", "csv"):
        return None, []  # the format's own error says it all
    if has_nul(inputs):  # PostgreSQL cannot store it, and no attribute needs it
        return None, [FieldError("inputs", "invalid", "must not contain NUL characters (\\u0000)")]
    if fmt == "json":
        if not isinstance(inputs, list):
            message = "must be an array of objects for format json (send format csv for CSV text)"
            return None, [FieldError("inputs", "invalid", message)]
        return len(inputs), []
    if not isinstance(inputs, str):
        return None, [FieldError("inputs", "invalid", "must be one CSV string for format csv")]
    rows, problem = csv_summary(inputs)
    if problem:
        return None, [FieldError("inputs", "invalid", f"is not usable CSV: {problem}")]
    if target is None or not rows:  # the resource type's own error says it all
        return rows, []
    return len(parse_csv(target, inputs, values.get("parent_resource_id"), remap)[0]), []


def mapping_plan(
    values: dict[str, Any], target: Resource | None
) -> tuple[Remap | None, list[FieldError]]:
    """The mapping's ``Plan.apply``, or the 422 naming the column it cannot use."""
    if target is None or not values.get("mapping"):
        return None, []
    try:
        return compile_mapping(target, values["mapping"]).apply, []
    except MappingError as exc:
        return None, [FieldError("mapping", "invalid", str(exc))]


def validate_new(unit: Unit, values: dict[str, Any]) -> list[FieldError]:
    target, errors = admission.job_target(values)
    remap, mapping_errors = mapping_plan(values, target)
    errors += mapping_errors
    if target is not None:
        errors += settings_errors(target, values)
    errors += ratio_errors(values)
    if values.get("source_format") is None:  # an uploaded file has no limit and is counted
        size, size_errors = inputs_size(values, target, remap)
        errors += size_errors
        if too_many := admission.count_error("inputs_size", size, MAX_INPUTS):
            errors.append(too_many)
        values["inputs_size"] = size
    parent_id = values.get("parent_resource_id")
    if parent_id is not None and target is not None:
        if target.parent is None:
            message = f"is not accepted: {target.type} have no parent resource"
            errors.append(FieldError("parent_resource_id", "invalid", message))
        else:
            parent = target.relationships[target.parent].target.table
            stmt = unit.scope.select(parent, parent.c.id).where(parent.c.id == parent_id)
            if unit.scope.execute(stmt).first() is None:
                errors.append(FieldError.of("parent_resource_id", "required"))
    return errors


class ImportService:
    def __init__(self, settings: Settings, send: Send, send_revert: Send | None = None) -> None:
        self.settings = settings
        self.send = send
        self.send_revert = send_revert  # queues a revert (bulk/imports/revert.py)

    def save(self, unit: Unit, draft: Draft) -> str:
        return self.create(unit, draft) if draft.existing is None else self.update(unit, draft)

    def create(self, unit: Unit, draft: Draft) -> str:
        if draft.values.get("import_analysis_id") is not None:
            return self.from_analysis(unit, draft)
        values = draft.values
        fill_from_profile(unit, values)
        apply_defaults(imports, values)
        errors = draft.errors + check_record(imports, values) + validate_new(unit, values)
        errors += notify_errors(self.settings, values)
        if errors:
            raise ValidationFailed(errors)
        values["inputs"] = pack(values["format"], values["inputs"])
        values.update(status="pending", errors_log={}, warnings_log={}, cursor=0)
        values.update(dict.fromkeys(COUNTERS, 0))
        return admission.admit(unit, imports, draft, self.send)

    def from_analysis(self, unit: Unit, draft: Draft) -> str:
        """An import of an analysed file (`import_analysis_id`): a copy of the analysis's
        stored file, imported as if it had been uploaded again (its sheet too)."""
        values = draft.values
        table = analyses.table
        stmt = unit.scope.select(table).where(table.c.id == values["import_analysis_id"])
        found = unit.scope.execute(stmt).mappings().first()  # expired ones are not found
        if found is None:
            message = "is not an import analysis of this organization, or it has expired"
            raise ValidationFailed([FieldError("import_analysis_id", "invalid", message)])
        if "inputs" in values:
            message = "is not accepted with import_analysis_id: the analysed file holds the inputs"
            raise ValidationFailed([FieldError("inputs", "invalid", message)])
        with tempfile.TemporaryFile(prefix="bulkport-analysed-") as packed:
            storage_for(self.settings).get_file(found["attachment_key"], packed)
            file = Upload(packed, found["file_name"], found["file_size"] or 0, found["sheet"])
            return self._from_file(unit, draft, file)

    def upload(self, unit: Unit, draft: Draft, file: Upload) -> str:
        """An import of an uploaded file: its format, header and mapping checked, the file stored,
        the import admitted. Its items are counted by the worker (``run.count_items``), not
        here: a 20 MB workbook takes minutes to read, longer than a client waits for a 201."""
        if draft.values.get("import_analysis_id") is not None:
            message = "is not accepted with a file: send the file or the analysis's id"
            raise ValidationFailed([FieldError("import_analysis_id", "invalid", message)])
        return self._from_file(unit, draft, file)

    def _from_file(self, unit: Unit, draft: Draft, file: Upload) -> str:
        limit = self.settings.upload_max_bytes
        if file.size > limit:
            raise PayloadTooLarge(f"The file exceeds the upload limit of {limit} bytes")
        values = draft.values
        if "inputs" in values:
            message = "is not accepted with a file: the file holds the inputs"
            raise ValidationFailed([FieldError("inputs", "invalid", message)])
        fill_from_profile(unit, values)
        try:
            with upload.opened(file) as source:
                values.update(
                    format="json" if source.format in ("json", "ndjson") else "csv",
                    source_file_name=file.name, source_file_size=file.size,
                    source_format=source.format, source_sheet=source.sheet,
                )  # fmt: skip
        except SourceError as exc:
            raise ValidationFailed([FieldError("file", "invalid", str(exc))]) from None
        apply_defaults(imports, values)
        errors = draft.errors + check_record(imports, values) + validate_new(unit, values)
        errors += notify_errors(self.settings, values)
        if errors:
            raise ValidationFailed(errors)
        values.update(id=new_id(), inputs=None, status="pending", errors_log={}, warnings_log={},
                      cursor=0)  # fmt: skip
        values.update(dict.fromkeys(COUNTERS, 0))
        owner = dict(values, organization_id=unit.scope.organization_id)

        def store() -> None:  # once the import has its slot: a refused one stores nothing
            values["attachment_key"] = upload.store(self.settings, owner, file)

        try:
            return admission.admit(unit, imports, draft, self.send, prepare=store)
        except BaseException:
            if values.get("attachment_key"):
                delete_file(self.settings, values["attachment_key"])
            raise

    def update(self, unit: Unit, draft: Draft) -> str:
        if "import_profile_id" in draft.values:  # its settings were copied at create
            raise ValidationFailed([profile_change_error(unit, draft.values["import_profile_id"])])
        current = admission.locked_current(unit, imports, draft)
        if admission.interrupt(draft, current):
            if current["attachment_key"] is None and current["inputs"] is not None:
                # interrupted imports have their inputs archived too (a pending one never runs)
                key = archive(self.settings, current)
                draft.values.update(attachment_key=key, inputs=None)
        preview.commit(unit, draft, current, self.send)
        if revert.request(draft, current, self.settings) and self.send_revert is not None:
            send_revert, import_id = self.send_revert, current["id"]
            unit.after_commit.append(lambda: send_revert(import_id))
        update(unit.scope, imports, draft)
        return current["id"]
