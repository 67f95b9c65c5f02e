"""What each Prisma connector supports, as data (probed against Prisma 7.10's validator; see
tests/test_prisma_connector_matrix.py). `CONNECTORS[provider]`; a schema without a datasource
gets `EMPTY`, Prisma's "Default connector", which supports the least.

Only what decides whether Prisma accepts a schema is here; the native type tables live in
`prisma_dsql.schema.native_types`.
"""

from __future__ import annotations

from dataclasses import dataclass

_ALL_SCALARS = frozenset({"String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"})


@dataclass(frozen=True)
class Connector:
    name: str
    #: Scalar types a field may have (others: "can't be of type X").
    scalars: frozenset[str] = _ALL_SCALARS
    #: Scalar types (and "enum") that may be lists; empty: no scalar lists at all.
    list_types: frozenset[str] = frozenset()
    enums: bool = True
    #: `map:` on `@id` / `@@id`.
    named_primary_keys: bool = False
    compound_ids: bool = True
    #: Named foreign keys (`@relation(map:)`).
    named_foreign_keys: bool = True
    #: Where `autoincrement()` may stand: "anywhere", "indexed" (any field in an index), "id" (the id
    #: only), "bigint" (BigInt fields only, CockroachDB), "never".
    autoincrement: str = "anywhere"
    #: `@@index(type: X)` values accepted.
    index_types: frozenset[str] = frozenset({"BTree"})
    partial_indexes: bool = True
    schemas: bool = False
    #: Constraint-name namespaces, checked by passes/connector.py: "global-index" (indexes and
    #: uniques, whole schema), "model-index" (indexes and uniques, per model), "model-pk-index"
    #: (primary key, indexes and uniques, per model), "global-pk-fk" (primary keys and foreign keys,
    #: whole schema), "postgres" (the PostgreSQL rules in passes/checks.check_constraint_names).
    name_scopes: tuple[str, ...] = ()
    #: MongoDB: the id is stored in `_id`; no implicit many-to-many; no dbgenerated().
    document: bool = False
    #: Named operator classes (`ops: JsonbPathOps`); `ops: raw("...")` passes everywhere.
    operator_classes: bool = False


_NO_LISTS = frozenset()
CONNECTORS: dict[str, Connector] = {
    "postgresql": Connector(
        "postgresql", list_types=_ALL_SCALARS | {"enum"}, named_primary_keys=True,
        index_types=frozenset({"BTree", "Hash", "Gist", "Gin", "SpGist", "Brin"}), schemas=True,
        name_scopes=("postgres",), operator_classes=True),
    "cockroachdb": Connector(
        "cockroachdb", list_types=(_ALL_SCALARS - {"Json"}) | {"enum"}, named_primary_keys=True,
        autoincrement="bigint", index_types=frozenset({"BTree", "Gin"}), schemas=True,
        name_scopes=("model-pk-vs-index",)),
    "mysql": Connector("mysql", autoincrement="indexed", partial_indexes=False, name_scopes=("model-index",)),
    "sqlite": Connector("sqlite", autoincrement="id", name_scopes=("global-index",)),
    "sqlserver": Connector("sqlserver", scalars=_ALL_SCALARS - {"Json"}, enums=False, named_primary_keys=True,
                           schemas=True, name_scopes=("model-pk-index", "global-pk-fk")),
    "mongodb": Connector("mongodb", scalars=_ALL_SCALARS - {"Decimal"}, list_types=(_ALL_SCALARS - {"Decimal"}) | {"enum"},
                         compound_ids=False, named_foreign_keys=False, autoincrement="never",
                         partial_indexes=False, name_scopes=("model-index",), document=True),
}
CONNECTORS["postgres"] = CONNECTORS["postgresql"]

_LISTS = ("String[]", "Int[]", "BigInt[]", "Float[]", "Decimal[]", "Boolean[]", "DateTime[]", "Bytes[]")
#: Field types (`Type`, `Type[]`, or `Type @db.Native`) that an index of a given `type:` takes without an
#: operator class (`ops:`), probed against Prisma 7.10: provider -> index type -> types. Index types not
#: listed (BTree, and Hash on PostgreSQL) take every type the connector has.
INDEX_TYPE_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "postgresql": {
        "Gist": frozenset({"String", "String[]"}),
        "SpGist": frozenset({"String", "String[]", "String @db.Inet", "String @db.VarChar", "String @db.Char",
                             "String @db.Text"}),
        "Brin": frozenset({
            "String", "String[]", "Int", "Int[]", "BigInt", "BigInt[]", "Float", "Float[]", "Decimal", "Decimal[]",
            "DateTime", "DateTime[]", "Bytes", "Bytes[]", "Int @db.SmallInt", "Int @db.Integer", "BigInt @db.BigInt",
            "Decimal @db.Decimal", "Float @db.Real", "Float @db.DoublePrecision", "String @db.Inet", "Int @db.Oid",
            "String @db.Uuid", "String @db.VarChar", "String @db.Char", "String @db.Text", "Bytes @db.ByteA",
            "DateTime @db.Timestamp", "DateTime @db.Timestamptz", "DateTime @db.Date", "DateTime @db.Time",
            "DateTime @db.Timetz", "String @db.Bit", "String @db.VarBit"}),
        "Gin": frozenset({*_LISTS, "Json", "Json[]", "Json @db.JsonB"}),
    },
    "cockroachdb": {"Gin": frozenset({*_LISTS, "Json", "Json @db.JsonB"})},
}
INDEX_TYPE_FIELDS["postgres"] = INDEX_TYPE_FIELDS["postgresql"]


def _brin(prefix: str, kinds: tuple[str, ...], *types: str) -> dict[str, dict[str, frozenset[str]]]:
    return {f"{prefix}{kind}Ops": {"Brin": frozenset(types)} for kind in kinds}


_BMM = ("Bloom", "MinMax", "MinMaxMulti")
#: PostgreSQL's named operator classes (`ops: JsonbPathOps`): class -> index type -> the field types it
#: takes (same keys as INDEX_TYPE_FIELDS), probed against Prisma 7.10. `ops: raw("...")` is not checked.
OPERATOR_CLASSES: dict[str, dict[str, frozenset[str]]] = {
    "InetOps": {"Gist": frozenset({"String @db.Inet"}), "SpGist": frozenset({"String @db.Inet"})},
    "JsonbOps": {"Gin": frozenset({"Json", "Json[]", "Json @db.JsonB"})},
    "JsonbPathOps": {"Gin": frozenset({"Json", "Json[]", "Json @db.JsonB"})},
    "ArrayOps": {"Gin": frozenset({*_LISTS, "Json[]"})},
    "TextOps": {"SpGist": frozenset({"String", "String[]", "String @db.VarChar", "String @db.Char", "String @db.Text"})},
    **_brin("Bit", ("MinMax",), "String @db.Bit"),
    **_brin("VarBit", ("MinMax",), "String @db.VarBit"),
    **_brin("Bpchar", ("Bloom", "MinMax"), "String @db.Char"),
    **_brin("Bytea", ("Bloom", "MinMax"), "Bytes", "Bytes[]", "Bytes @db.ByteA"),
    **_brin("Date", _BMM, "DateTime @db.Date"),
    **_brin("Float4", _BMM, "Float @db.Real"),
    **_brin("Float8", _BMM, "Float", "Float[]", "Float @db.DoublePrecision"),
    **_brin("Inet", ("Inclusion", "Bloom", "MinMax", "MinMaxMulti"), "String @db.Inet"),
    **_brin("Int2", _BMM, "Int @db.SmallInt"),
    **_brin("Int4", _BMM, "Int", "Int[]", "Int @db.Integer"),
    **_brin("Int8", _BMM, "BigInt", "BigInt[]", "BigInt @db.BigInt"),
    **_brin("Numeric", _BMM, "Decimal", "Decimal[]", "Decimal @db.Decimal"),
    **_brin("Oid", _BMM, "Int @db.Oid"),
    **_brin("Text", ("Bloom", "MinMax"), "String", "String[]", "String @db.VarChar", "String @db.Text"),
    **_brin("Timestamp", _BMM, "DateTime", "DateTime[]", "DateTime @db.Timestamp"),
    **_brin("TimestampTz", _BMM, "DateTime @db.Timestamptz"),
    **_brin("Time", _BMM, "DateTime @db.Time"),
    **_brin("TimeTz", _BMM, "DateTime @db.Timetz"),
    **_brin("Uuid", ("Bloom", "MinMax"), "String @db.Uuid"),
}


def type_key(type_name: str, is_list: bool, native: str | None) -> str:
    """A field type as the keys of INDEX_TYPE_FIELDS and OPERATOR_CLASSES: `Int`, `Int[]` or `Int @db.SmallInt`."""
    return f"{type_name} @db.{native}" if native else f"{type_name}{'[]' if is_list else ''}"
EMPTY = Connector("Default connector", scalars=_ALL_SCALARS - {"Decimal"}, autoincrement="id",
                  partial_indexes=False)


def connector_for(provider: str | None) -> Connector | None:
    """The connector of a datasource provider; EMPTY without a datasource; None for an unknown provider
    (already reported, and then nothing is checked against a connector)."""
    if provider is None:
        return EMPTY
    return CONNECTORS.get(provider)
