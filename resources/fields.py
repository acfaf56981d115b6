"""Attribute types: how a value is stored, coerced from JSON or CSV text, validated and rendered.

One declaration serves the JSON:API layer, the importer (JSON and CSV) and the exporter, so a
value is coerced the same way whichever door it came in by.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from core import strict_json
from core.db import JsonType
from core.dialect import has_nul
from core.errors import FieldError


class Invalid(Exception):
    """A value that cannot be coerced; carries the Rails error symbol and its parameters."""

    def __init__(self, error: str, **meta: Any) -> None:
        super().__init__(error)
        self.error = error
        self.meta = meta


class Attr:
    kind = "string"
    column_type: Any = sa.String(255)
    # The JSON Schema of its value in API documents where `kind` does not tell it (lists); the
    # API reference (app/openapi) describes every other value by its kind.
    json_schema: dict[str, Any] | None = None

    def __init__(
        self,
        name: str,
        *,
        required: bool = False,
        default: Any = None,
        choices: tuple | list | None = None,
        pattern: str | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        minimum: float | None = None,
        writable: bool = True,
        create_only: bool = False,
        alias: str | None = None,
        lower: bool = False,
        index: bool = False,
        filterable: bool = True,
        sortable: bool = True,
        update_only: bool = False,
        hidden: bool = False,
        column: bool = True,
        compute: Any = None,
        secret: bool = False,
        aliases: tuple[str, ...] = (),
        list_choices: bool = False,
    ) -> None:
        self.name = name
        self.required = required
        self.default = default
        self.choices = tuple(choices) if choices else None
        self.pattern = re.compile(pattern) if pattern else None
        self.min_length = min_length
        self.max_length = max_length
        self.minimum = minimum
        self.writable = writable
        self.create_only = create_only
        self.alias = alias  # the name imports accept and exports write, e.g. price tiers' `type`
        self.lower = lower
        self.index = index
        self.filterable = filterable and column
        self.sortable = sortable and column
        self.update_only = update_only  # a trigger such as `_interrupt`
        self.hidden = hidden  # rendered only when a sparse fieldset asks for it (bulky inputs)
        self.column = column  # False for triggers and computed values
        self.compute = compute  # (row, renderer) -> value, for values signed per read
        self.secret = secret  # never rendered, not even on request (password hashes)
        # What files call the column (German and English): an analysis suggests the attribute
        # for them. Only a suggestion: imports read the name or `alias`, or a mapping.
        self.aliases = aliases
        # A value outside `choices` is refused naming them, as a job's `resource_type` is: for
        # settings such as `format`. Records keep Commerce Layer's plain message.
        self.list_choices = list_choices

    # -- coercion ----------------------------------------------------------------------------
    def coerce(self, value: Any) -> Any:
        """JSON value -> stored value; None stays None. Raises Invalid."""
        if value is None:
            return None
        if not isinstance(value, str) or isinstance(value, bool):
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            else:
                raise Invalid("invalid")
        if "\x00" in value:
            raise Invalid("invalid")  # PostgreSQL cannot store NUL in text
        return value.strip().lower() if self.lower else value

    def from_text(self, text: str) -> Any:
        """CSV cell or query parameter -> stored value ('' means not given)."""
        return self.coerce(text)

    def render(self, value: Any) -> Any:
        return value

    # -- validation of a coerced value --------------------------------------------------------
    def check(self, value: Any) -> FieldError | None:
        if value is None or value == "":
            return FieldError.of(self.name, "blank") if self.required else None
        if self.choices and value not in self.choices:
            if self.list_choices:
                listed = f"is not included in the list ({', '.join(self.choices)})"
                return FieldError(
                    self.name, "inclusion", listed, meta={"allowed": list(self.choices)}
                )
            return FieldError.of(self.name, "inclusion")
        if isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                return FieldError.of(self.name, "too_short", count=self.min_length)
            limit = self.max_length or getattr(self.column_type, "length", None)
            if limit and len(value) > limit:
                return FieldError.of(self.name, "too_long", count=limit)
            if self.pattern and not self.pattern.fullmatch(value):
                return FieldError.of(self.name, "invalid")
        if self.minimum is not None and isinstance(value, int | float) and value < self.minimum:
            return FieldError.of(self.name, "greater_than_or_equal_to", count=self.minimum)
        return None


class String(Attr):
    pass


class Text(Attr):
    column_type = sa.Text()


class Integer(Attr):
    kind = "integer"
    column_type = sa.Integer()
    MAX = 2**31 - 1  # a 4-byte INTEGER column on both databases

    def coerce(self, value: Any) -> Any:
        number = self._integer(value)
        if number is not None and number > self.MAX:
            raise Invalid("less_than_or_equal_to", count=self.MAX)
        if number is not None and number < -self.MAX - 1:
            raise Invalid("greater_than_or_equal_to", count=-self.MAX - 1)
        return number

    def _integer(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            raise Invalid("not_a_number")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if math.isfinite(value) and value.is_integer():
                return int(value)
            raise Invalid("not_an_integer")
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    raise Invalid("not_a_number") from None
                return self._integer(number)
        raise Invalid("not_a_number")


class Float(Attr):
    kind = "float"
    column_type = sa.Float()

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            raise Invalid("not_a_number")
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond any float (10**400)
                raise Invalid("not_a_number") from None
            if not math.isfinite(number):
                raise Invalid("not_a_number")
            return number
        if isinstance(value, str):
            try:
                return self.coerce(float(value.strip()))
            except ValueError:
                raise Invalid("not_a_number") from None
        raise Invalid("not_a_number")


class Boolean(Attr):
    kind = "boolean"
    column_type = sa.Boolean()
    TRUE = {"true", "1", "t", "yes", "y", "on"}
    FALSE = {"false", "0", "f", "no", "n", "off"}

    def coerce(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in self.TRUE:
                return True
            if text in self.FALSE:
                return False
        raise Invalid("inclusion")


class DateTime(Attr):
    kind = "datetime"
    column_type = sa.DateTime()

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise Invalid("invalid") from None
        else:
            raise Invalid("invalid")
        if parsed.tzinfo is not None:
            try:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:  # 0001-01-01T00:00+14:00 is before the first UTC instant
                raise Invalid("invalid") from None
        return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)

    def render(self, value: Any) -> Any:
        return format_datetime(value)


class Json(Attr):
    """A JSON object (metadata, rules, options). CSV cells hold its JSON text."""

    kind = "object"
    column_type = JsonType

    def __init__(self, name: str, **kw: Any) -> None:
        kw.setdefault("filterable", False)
        kw.setdefault("sortable", False)
        super().__init__(name, **kw)

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict) or has_nul(value):
            raise Invalid("invalid")  # jsonb cannot hold NUL characters
        return value

    def from_text(self, text: str) -> Any:
        try:
            return self.coerce(strict_json.loads(text))
        except strict_json.JsonRejected:
            raise Invalid("invalid") from None


def naive_utc(value: datetime) -> datetime:
    """A time as stored: UTC without a zone (a driver may hand back either kind)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def format_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = naive_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Password(Attr):
    """Write-only: stored as a salted PBKDF2-SHA256 hash, never rendered, never filtered."""

    ITERATIONS = 100_000

    def __init__(self, name: str, **kw: Any) -> None:
        kw.update(filterable=False, sortable=False, hidden=True, secret=True)
        super().__init__(name, **kw)

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise Invalid("invalid")
        if len(value) < 6:
            raise Invalid("too_short", count=6)
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha256", value.encode(), salt, self.ITERATIONS)
        return f"pbkdf2_sha256${self.ITERATIONS}${salt.hex()}${digest.hex()}"


class NameList(Attr):
    """A trigger taking names (`_add_tags`), as a list or one comma-separated string."""

    json_schema = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}

    def __init__(self, name: str) -> None:
        super().__init__(name, column=False, filterable=False, sortable=False)

    def coerce(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid("invalid")
        return [v.strip() for v in value if v.strip()]
