"""The declaration every resource type is written in.

A resource module builds one ``Resource``: its attributes (``resources.fields``), its
relationships (below), its unique key, its parent for imports and any validation a type really
needs. From that one declaration come the table, the JSON:API endpoints, filters, sorts and
includes, the importer's key resolution and the exporter's shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from core.db import ID_LENGTH, id_column, metadata, org_column, timestamp_columns
from core.errors import FieldError
from resources.fields import Attr, DateTime, Json, NameList, String

Validator = Callable[[dict[str, Any]], Iterable[FieldError]]

# Every resource has these; all writable but the timestamps.
COMMON_ATTRIBUTES = (
    String("reference"),
    String("reference_origin"),
    Json("metadata", default=dict),
)
TIMESTAMPS = (DateTime("created_at", writable=False), DateTime("updated_at", writable=False))


class Relationship:
    many = False
    writable = True

    def __init__(self, name: str, target: str) -> None:
        self.name = name
        self.target_type = target
        self.owner: Resource | None = None
        # The target's declaration, set when the registry wires every declaration together.
        self.target: Resource = None  # type: ignore[assignment]


class BelongsTo(Relationship):
    """A to-one relationship stored as ``<name>_id`` on this table.

    ``codes`` maps input keys to the target's attribute, e.g. ``{"sku_code": "code"}``: such a key
    is accepted instead of the id, and stored beside it so it can be filtered and exported.
    ``inverse`` adds the matching to-many relationship to the target.
    """

    def __init__(
        self,
        name: str,
        target: str,
        *,
        required: bool | Callable[[dict[str, Any]], bool] = False,
        codes: dict[str, str] | None = None,
        on_delete: str = "RESTRICT",
        inverse: str | None = None,
        nested: bool = False,
        writable: bool = True,
        code_aliases: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name, target)
        self.column = f"{name}_id"
        self.code_aliases = code_aliases  # what files call its code key (``Attr.aliases``)
        self.required = required
        self.codes = dict(codes or {})
        self.on_delete = on_delete
        self.inverse = inverse
        self.nested = nested  # imports accept the inverse's items inline (prices[].price_tiers)
        self.writable = writable

    def is_required(self, record: dict[str, Any]) -> bool:
        return self.required(record) if callable(self.required) else bool(self.required)


class HasMany(Relationship):
    """The to-many side of a ``BelongsTo`` of ``target`` named ``inverse``."""

    many = True

    def __init__(self, name: str, target: str, *, inverse: str, nested: bool = False) -> None:
        super().__init__(name, target)
        self.inverse = inverse
        self.nested = nested  # imports accept these children inline (prices[].price_tiers)
        self.writable = False

    @property
    def foreign_key(self) -> sa.Column:
        return self.target.table.c[f"{self.inverse}_id"]

    @property
    def inline(self) -> bool:
        """Imports of the owner accept these records inline: declared nested children (whose
        array replaces the stored ones), or records of an importable type, as an export
        including them writes them (upserted, none deleted), so that exports go back in.

        Not those whose other required references have no code (a line item's order): a dry
        export, without ids, cannot name them, so they could never be written."""
        if self.nested:
            return True
        others = [r for r in self.target.belongs_to if r.name != self.inverse and r.required]
        return self.target.importable and all(r.codes for r in others)


class ManyToMany(Relationship):
    """A to-many relationship through a join table keyed by (owner type, owner id, target id).

    ``named_by`` names the target attribute that identifies a linked record in files (tags by
    `name`): imports accept `<rel>.id` and `<rel>.<named_by>` cells or a JSON list of names,
    create the targets such a name does not find yet, and exports write the sorted names.
    ``add_trigger`` / ``remove_trigger`` are write-only attributes taking such names.
    """

    many = True

    def __init__(
        self,
        name: str,
        target: str,
        *,
        through: str,
        target_column: str,
        max_count: int | None = None,
        named_by: str | None = None,
        add_trigger: str | None = None,
        remove_trigger: str | None = None,
    ) -> None:
        super().__init__(name, target)
        self.through = through
        self.target_column = target_column
        self.max_count = max_count
        self.named_by = named_by
        self.add_trigger = add_trigger
        self.remove_trigger = remove_trigger

    @property
    def join_table(self) -> sa.Table:
        return metadata.tables[self.through]

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(t for t in (self.add_trigger, self.remove_trigger) if t)

    @property
    def linked_id(self) -> sa.Column:
        return self.join_table.c[self.target_column]

    @property
    def of_owner_type(self) -> Any:
        """The join-table rows of this relationship: the table serves every owner type."""
        assert self.owner is not None
        return self.join_table.c.owner_type == self.owner.stored_type

    def owned_by(self, owner_ids: Any) -> Any:
        """The join-table condition selecting the links of these owners (ids or a subquery)."""
        return self.of_owner_type & self.join_table.c.owner_id.in_(owner_ids)

    def link_rows(self, owner_id: str, target_ids: Iterable[str]) -> list[dict[str, str]]:
        assert self.owner is not None
        return [
            {"owner_type": self.owner.stored_type, "owner_id": owner_id, self.target_column: t}
            for t in dict.fromkeys(target_ids)
        ]


# The cached views of a declaration's relationships, recomputed when one is added.
DERIVED_VIEWS = ("belongs_to", "many_to_many", "named_links", "code_columns", "key_columns")


class Resource:
    def __init__(
        self,
        type_: str,
        *,
        attributes: Iterable[Attr] = (),
        relationships: Iterable[Relationship] = (),
        unique_key: tuple[str, ...] = (),
        parent: str | None = None,
        validators: Iterable[Validator] = (),
        importable: bool = False,
        cleanable: bool = False,
        read_only: bool = False,
        integration_only: bool = False,
        versioned: bool = True,
        derive: Callable[[Any, list[Any]], None] | None = None,
        prepare: Callable[[dict[str, Any], dict[str, Any] | None], Iterable[FieldError]]
        | None = None,
        extra_columns: Iterable[sa.Column] = (),
        discriminator: str | None = None,
        family: Resource | None = None,
        kind: str | None = None,
        expires: str | None = None,
        idempotent: bool = False,
    ) -> None:
        self.type = type_
        # A family of concrete types over one table: the umbrella type (`promotions`) owns the
        # table and names the column telling its rows apart (``discriminator``); each member
        # (`percentage_discount_promotions`) is a Resource over the same table whose rows are
        # those holding its ``kind``, which its writes set.
        self.discriminator = discriminator
        self.members: dict[str, Resource] = {}  # kind -> member, on the umbrella
        self.family = family
        self.kind = kind
        if family is not None and family.discriminator:
            # shown as stored, read-only: a member's kind is fixed
            shown = copy.copy(family.attributes[family.discriminator])
            shown.writable, shown.required, shown.default = False, False, None
            attributes = [shown, *attributes]
        self.own_attributes = list(attributes)
        self.attributes: dict[str, Attr] = {
            a.name: a for a in [*self.own_attributes, *COMMON_ATTRIBUTES, *TIMESTAMPS]
        }
        self.relationships: dict[str, Relationship] = {}
        for rel in relationships:
            self.add_relationship(rel)
        self.add_relationship_attributes()
        self.unique_key: tuple[str, ...] = family.unique_key if family else unique_key
        self.parent: str | None = family.parent if family else parent
        self.validators = list(validators)
        if discriminator:
            self.validators.append(self._member_rules)
        self.importable = importable
        self.cleanable = cleanable  # `cleanups` may delete its records in bulk
        self.read_only = read_only
        self.integration_only = integration_only  # jobs: not even readable by sales channels
        self.versioned = versioned  # its creates, updates and destroys leave versions
        # Its POST takes an `Idempotency-Key` header (jobs: a retried creation never runs twice)
        self.idempotent = idempotent
        # Hooks for what a declaration cannot say, run by the API and the importer alike:
        # derive(scope, drafts) fills derived columns once references are resolved, before
        # records are matched (order numbers, a line item's item code); prepare(values,
        # existing) applies triggers such as `_archive` once create or update is known.
        self.derive = derive
        self.prepare = prepare
        # (resource, relationship) of every BelongsTo pointing here; filled by the registry.
        self.referenced_by: list[tuple[Resource, BelongsTo]] = []
        if family is None:
            self.table = self._build_table(list(extra_columns))
            if expires:  # its rows vanish from every scoped statement then (core.tenancy)
                self.table.info["expires"] = expires
        else:
            assert family.discriminator and kind, "a member needs its family's discriminator"
            self.table = family._member_table(kind)
            family.members[kind] = self

    # -- families of concrete types ---------------------------------------------------------------
    @property
    def stored_type(self) -> str:
        """The type a row is stored under where tables serve several types (join tables'
        owner_type): the umbrella's, so a member's links are its family's."""
        return self.family.type if self.family else self.type

    @cached_property
    def family_types(self) -> frozenset[str]:
        """The types a linkage to this type may name: itself and, for an umbrella, its members."""
        return frozenset([self.type, *(m.type for m in self.members.values())])

    def member_for(self, row: dict[str, Any]) -> Resource:
        """The concrete type of a row read through this type (itself when it has no members)."""
        if not self.members:
            return self
        return self.members.get(str(row.get(self.discriminator or "")), self)

    def _member_rules(self, record: dict[str, Any]) -> list[FieldError]:
        """The rules of the member a record written through the umbrella (an import) is of."""
        member = self.members.get(str(record.get(self.discriminator or "")))
        if member is None:
            return []
        return [e for rule in member.validators for e in rule(record)]

    def _member_table(self, kind: str) -> sa.Table:
        """This table as a member sees it: the same SQL table (in a MetaData of its own, as
        two tables of one name cannot share one), whose ``info["only"]`` has ``core.tenancy``
        scope every statement to the member's rows and stamp its kind on inserts."""
        columns = [
            sa.Column(
                c.name,
                c.type,
                primary_key=c.primary_key,
                nullable=c.nullable,
                default=c.default.arg if isinstance(c.default, sa.ColumnDefault) else None,
            )  # fmt: skip
            for c in self.table.columns
        ]
        only = {self.discriminator: kind}
        return sa.Table(self.table.name, sa.MetaData(), *columns, info={"only": only})

    @cached_property
    def inputs(self) -> dict[str, Attr]:
        """Writable attributes by the names inputs may use (their own, or an alias)."""
        out = {a.alias: a for a in self.attributes.values() if a.alias and a.writable}
        out.update({n: a for n, a in self.attributes.items() if a.writable})
        return out

    @property
    def inbound_codes(self) -> list[tuple[Resource, BelongsTo, str, str]]:
        """(resource, relationship, code key, my attribute) for every stored code pointing here,
        e.g. (prices, sku, "sku_code", "code") on skus."""
        return [
            (owner, rel, key, attr)
            for owner, rel in self.referenced_by
            for key, attr in rel.codes.items()
        ]

    def add_relationship_attributes(self) -> None:
        """The attributes relationships bring: stored codes (`sku_code`), link triggers."""
        for key in self.code_columns:
            if key not in self.attributes:
                self.attributes[key] = String(key, aliases=self.code_columns[key][0].code_aliases)
        for rel in self.named_links:
            for trigger in rel.triggers:
                self.attributes[trigger] = NameList(trigger)

    def add_relationship(self, rel: Relationship) -> None:
        rel.owner = self
        self.relationships[rel.name] = rel
        for view in DERIVED_VIEWS:  # computed once per declaration, on first use
            self.__dict__.pop(view, None)

    # -- derived views of the declaration -------------------------------------------------------
    @cached_property
    def belongs_to(self) -> list[BelongsTo]:
        return [r for r in self.relationships.values() if isinstance(r, BelongsTo)]

    @cached_property
    def many_to_many(self) -> list[ManyToMany]:
        return [r for r in self.relationships.values() if isinstance(r, ManyToMany)]

    @cached_property
    def named_links(self) -> list[ManyToMany]:
        """Many-to-many relationships whose targets files name (tags by name)."""
        return [r for r in self.many_to_many if r.named_by]

    @cached_property
    def code_columns(self) -> dict[str, tuple[BelongsTo, str]]:
        """input key -> (relationship, target attribute), e.g. sku_code -> (sku, code)."""
        return {key: (rel, attr) for rel in self.belongs_to for key, attr in rel.codes.items()}

    @cached_property
    def optional_key_parts(self) -> frozenset[int]:
        """Positions in the unique key of relationships that may be empty (a bundle's market)."""
        return frozenset(
            i
            for i, rel in enumerate(map(self.relationships.get, self.unique_key))
            if isinstance(rel, BelongsTo) and not rel.required
        )

    @cached_property
    def key_columns(self) -> list[sa.Column]:
        """The database columns behind the unique key (relationships by their id column)."""
        return [self.key_table.c[self._key_column(name)] for name in self.unique_key]

    @property
    def key_table(self) -> sa.Table:
        """Where unique keys are looked up: a family's keys are unique across its members."""
        return self.family.table if self.family else self.table

    def _key_column(self, name: str) -> str:
        rel = self.relationships.get(name)
        return rel.column if isinstance(rel, BelongsTo) else name

    def _build_table(self, extra: list[sa.Column]) -> sa.Table:
        columns: list[Any] = [id_column(), org_column(index=False), *timestamp_columns()]
        for attr in [*self.own_attributes, *COMMON_ATTRIBUTES]:
            if attr.column:
                columns.append(sa.Column(attr.name, attr.column_type, index=attr.index))
        for rel in self.belongs_to:
            fk = sa.ForeignKey(f"{rel.target_type}.id", ondelete=rel.on_delete)
            columns.append(sa.Column(rel.column, sa.String(ID_LENGTH), fk, index=True))
            own = {a.name for a in self.own_attributes}
            columns += [sa.Column(key, sa.String(255)) for key in rel.codes if key not in own]
        columns.extend(extra)
        constraints = []
        if self.unique_key:
            names = [self._key_column(n) for n in self.unique_key]
            constraints.append(
                sa.UniqueConstraint("organization_id", *names, name=f"uq_{self.type}_key")
            )
        table = sa.Table(self.type, metadata, *columns, *constraints)
        sa.Index(f"ix_{self.type}_org_created", table.c.organization_id, table.c.created_at)
        return table

    def __repr__(self) -> str:
        return f"<Resource {self.type}>"
