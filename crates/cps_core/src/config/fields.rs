//! The key tables of both formats: which keys each object has, their value kinds, whether they
//! are required, and what they mean. The decoder, the "did you mean" suggestions, the cross-format
//! hints and the JSON Schema (`cps schema`) all read these tables, so they cannot drift apart.

use serde::Serialize;

/// The key vocabularies cps reads. JSON and YAML are only syntaxes; a file's dialect is chosen
/// by its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Dialect {
    /// The body of `POST /composable_audiences`: camelCase keys (TD guide).
    #[serde(rename = "api")]
    Api,
    /// The `tdx cas` CLI's YAML: snake_case keys, `join`, `connection`, `columns`.
    #[serde(rename = "tdx")]
    Tdx,
    /// What `GET /audiences/{id}` returns for a composable audience (S31, spec §9.1): the API's
    /// camelCase keys with the master flattened into the top level (`masterSchema`,
    /// `masterTable`, `masterKeyColumn`, `masterCatalog`, a top-level `federatedQueryConfigId`
    /// or `connectionId`) and server fields (`id`, `population`, `createdBy`, …).
    #[serde(rename = "get")]
    Get,
}

impl Dialect {
    /// The vocabulary whose keys are recognised as "spelled the other way" in this one. A GET
    /// response's entries are the API's, so for it that is tdx's too.
    pub fn other(self) -> Dialect {
        match self {
            Dialect::Api | Dialect::Get => Dialect::Tdx,
            Dialect::Tdx => Dialect::Api,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Dialect::Api => "the API format",
            Dialect::Tdx => "tdx YAML",
            Dialect::Get => "the flat shape of a GET response",
        }
    }
}

/// Which object a table describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Obj {
    Root,
    Master,
    Attribute,
    Behavior,
    Column,
    /// tdx's `join: {table_key, master_key}`.
    Join,
}

/// A field's identity, independent of how either dialect spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum F {
    Name,
    Description,
    Timezone,
    Kind,
    IsComposable,
    Master,
    Attributes,
    Behaviors,
    FederatedQueryConfigId,
    ConnectionId,
    /// tdx's `connection`: a zero-copy config id (Snowflake) or a connection id (others).
    Connection,
    Catalog,
    Schema,
    Table,
    KeyColumn,
    TableKey,
    MasterKey,
    Join,
    Column,
    Type,
    TimeColumn,
    Columns,
    AllColumns,
    CdwColumn,
    Id,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
    Population,
    /// Optional audience settings of TD's published schema (S31).
    AllowActivationBehavior,
    MaxActivationBehaviorRow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Str,
    Bool,
    Map(Obj),
    Seq(Obj),
    /// A whole number (`maxActivationBehaviorRow`).
    Int,
    /// Server-assigned values (ids, timestamps): any scalar is accepted; they are dropped.
    Scalar,
    /// Server-assigned values of any kind (`createdBy` is a user object): dropped.
    Any,
}

/// Whether a key must be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
    /// Older TD sources require it, TD's published schema (S31) does not: a missing key is a
    /// `missing-disputed-key` warning whose help (this text) says why it still matters.
    Disputed(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub id: F,
    /// The key as written in the file.
    pub key: &'static str,
    /// The path of the value relative to the entry it belongs to (differs from `key` only inside
    /// tdx's `join`).
    pub path: &'static str,
    pub shape: Shape,
    pub need: Need,
    /// `null` reads as absent (S31 marks the field nullable, and GET responses carry `null`).
    pub nullable: bool,
    pub doc: &'static str,
}

impl Field {
    pub fn required(&self) -> bool {
        self.need == Need::Required
    }
}

const fn f(id: F, key: &'static str, shape: Shape, required: bool, doc: &'static str) -> Field {
    Field {
        id,
        key,
        path: key,
        shape,
        need: if required {
            Need::Required
        } else {
            Need::Optional
        },
        nullable: false,
        doc,
    }
}

/// A nullable, optional field.
const fn nullable(field: Field) -> Field {
    Field {
        nullable: true,
        ..field
    }
}

/// A field older sources require and S31 does not (see [`Need::Disputed`]).
const fn disputed(field: Field, why: &'static str) -> Field {
    Field {
        need: Need::Disputed(why),
        ..field
    }
}

const D_NAME: &str = "display name of the parent segment; unique in the account";
const D_DESC: &str = "description of the parent segment";
const D_TZ: &str = "IANA time zone the segment's dates are read in, e.g. UTC or Asia/Tokyo";
const D_FQC: &str =
    "Snowflake: id of the zero-copy (federated query) config, a number in quotes such as \"167\"";
const D_CONN_ID: &str = "Databricks/BigQuery: id of the Integration Hub connection";
const D_CONN: &str = "zero-copy config id (Snowflake) or connection id (Databricks, BigQuery)";
const D_CATALOG: &str = "Databricks: Unity Catalog name; BigQuery: GCP project";
const D_SCHEMA: &str = "schema (BigQuery: dataset) of the table";
const D_TABLE: &str = "table name";
const D_KEY_COLUMN: &str = "the Customers table's unique customer key column";
const D_TABLE_KEY: &str = "the customer key column in this entry's table";
const D_MASTER_KEY: &str =
    "the key column of the Customers table it joins on (= master key column)";
const D_COLUMN: &str = "the warehouse column";
const D_TYPE: &str = "segmentation type: string, number, timestamp, date, string_array, number_array or boolean (S31); optional: TD infers it from the warehouse column";
const D_TIME: &str = "the event time column (TIMESTAMP; BigQuery: TIMESTAMP or INT64 Unix seconds)";
const D_SERVER: &str = "assigned by the server; ignored on upload";
const D_ALLOW_ACT: &str = "whether activations may include behavior rows (S31); optional";
const D_MAX_ACT: &str = "the most behavior rows an activation may include (S31); optional";
const WHY_KEY_COLUMN: &str = "TD's guide (S5) requires the master's key column and every entry joins on it (`masterKey`); TD's published schema (S31) lists it as optional. Add the Customers table's unique key column";
const WHY_TIME_COLUMN: &str = "TD's setup and tdx skills (S10, S11) call the time column required, and segments filter behaviors by time; TD's published schema (S31) makes it optional. Add the event time column unless the behavior has none";

const API_ROOT: &[Field] = &[
    f(F::Name, "name", Shape::Str, true, D_NAME),
    nullable(f(F::Description, "description", Shape::Str, false, D_DESC)),
    f(F::Timezone, "timezone", Shape::Str, true, D_TZ),
    f(
        F::Kind,
        "kind",
        Shape::Str,
        false,
        "must be \"composable\"; cps adds it when missing",
    ),
    f(
        F::IsComposable,
        "isComposable",
        Shape::Bool,
        false,
        "must be the boolean true; cps adds it when missing",
    ),
    f(
        F::Master,
        "master",
        Shape::Map(Obj::Master),
        true,
        "the Customers (master) table",
    ),
    f(
        F::Attributes,
        "attributes",
        Shape::Seq(Obj::Attribute),
        true,
        "customer attributes (columns of the Customers table); at least one",
    ),
    f(
        F::Behaviors,
        "behaviors",
        Shape::Seq(Obj::Behavior),
        false,
        "behavior (event) tables joined 1-to-many on the customer key",
    ),
    nullable(f(
        F::AllowActivationBehavior,
        "allowActivationBehavior",
        Shape::Bool,
        false,
        D_ALLOW_ACT,
    )),
    nullable(f(
        F::MaxActivationBehaviorRow,
        "maxActivationBehaviorRow",
        Shape::Int,
        false,
        D_MAX_ACT,
    )),
    f(F::Id, "id", Shape::Scalar, false, D_SERVER),
    f(F::CreatedAt, "createdAt", Shape::Scalar, false, D_SERVER),
    f(F::UpdatedAt, "updatedAt", Shape::Scalar, false, D_SERVER),
    f(F::CreatedBy, "createdBy", Shape::Any, false, D_SERVER),
    f(F::UpdatedBy, "updatedBy", Shape::Any, false, D_SERVER),
    f(F::Population, "population", Shape::Any, false, D_SERVER),
];

/// The top level of a GET response: the API's keys, with the master's flattened in.
const GET_ROOT: &[Field] = &[
    f(F::Name, "name", Shape::Str, true, D_NAME),
    nullable(f(F::Description, "description", Shape::Str, false, D_DESC)),
    f(F::Timezone, "timezone", Shape::Str, true, D_TZ),
    f(F::Kind, "kind", Shape::Str, false, "must be \"composable\""),
    f(
        F::IsComposable,
        "isComposable",
        Shape::Bool,
        false,
        "must be the boolean true",
    ),
    nullable(f(
        F::FederatedQueryConfigId,
        "federatedQueryConfigId",
        Shape::Str,
        false,
        D_FQC,
    )),
    nullable(f(
        F::ConnectionId,
        "connectionId",
        Shape::Str,
        false,
        D_CONN_ID,
    )),
    nullable(f(
        F::Catalog,
        "masterCatalog",
        Shape::Str,
        false,
        "Databricks/BigQuery: the master table's catalog (null for Snowflake)",
    )),
    f(F::Schema, "masterSchema", Shape::Str, true, D_SCHEMA),
    f(
        F::Table,
        "masterTable",
        Shape::Str,
        true,
        "the Customers (master) table",
    ),
    // Optional fields a GET response writes as `null` when they are not set, like the
    // connection keys: read as absent (a behavior without a time column comes back as
    // `"timeColumn": null`, and that was a false wrong-type error on TD's own output).
    nullable(disputed(
        f(
            F::KeyColumn,
            "masterKeyColumn",
            Shape::Str,
            false,
            D_KEY_COLUMN,
        ),
        WHY_KEY_COLUMN,
    )),
    nullable(f(
        F::AllowActivationBehavior,
        "allowActivationBehavior",
        Shape::Bool,
        false,
        D_ALLOW_ACT,
    )),
    nullable(f(
        F::MaxActivationBehaviorRow,
        "maxActivationBehaviorRow",
        Shape::Int,
        false,
        D_MAX_ACT,
    )),
    f(
        F::Attributes,
        "attributes",
        Shape::Seq(Obj::Attribute),
        true,
        "customer attributes; at least one",
    ),
    f(
        F::Behaviors,
        "behaviors",
        Shape::Seq(Obj::Behavior),
        false,
        "behavior (event) tables joined 1-to-many on the customer key",
    ),
    f(F::Id, "id", Shape::Scalar, false, D_SERVER),
    f(F::CreatedAt, "createdAt", Shape::Scalar, false, D_SERVER),
    f(F::UpdatedAt, "updatedAt", Shape::Scalar, false, D_SERVER),
    f(F::CreatedBy, "createdBy", Shape::Any, false, D_SERVER),
    f(F::UpdatedBy, "updatedBy", Shape::Any, false, D_SERVER),
    f(F::Population, "population", Shape::Any, false, D_SERVER),
];

const API_MASTER: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        false,
        "display name of the Customers table; cps uses the table name when missing",
    ),
    nullable(f(
        F::FederatedQueryConfigId,
        "federatedQueryConfigId",
        Shape::Str,
        false,
        D_FQC,
    )),
    nullable(f(
        F::ConnectionId,
        "connectionId",
        Shape::Str,
        false,
        D_CONN_ID,
    )),
    nullable(f(F::Catalog, "catalog", Shape::Str, false, D_CATALOG)),
    f(F::Schema, "schema", Shape::Str, true, D_SCHEMA),
    f(F::Table, "table", Shape::Str, true, D_TABLE),
    nullable(disputed(
        f(F::KeyColumn, "keyColumn", Shape::Str, false, D_KEY_COLUMN),
        WHY_KEY_COLUMN,
    )),
    f(F::Id, "id", Shape::Scalar, false, D_SERVER),
];

const API_ATTRIBUTE: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        true,
        "attribute name used in segment rules; unique",
    ),
    nullable(f(
        F::FederatedQueryConfigId,
        "federatedQueryConfigId",
        Shape::Str,
        false,
        D_FQC,
    )),
    nullable(f(
        F::ConnectionId,
        "connectionId",
        Shape::Str,
        false,
        D_CONN_ID,
    )),
    nullable(f(F::Catalog, "catalog", Shape::Str, false, D_CATALOG)),
    f(F::Schema, "schema", Shape::Str, true, D_SCHEMA),
    f(
        F::Table,
        "table",
        Shape::Str,
        true,
        "table holding the column (the Customers table)",
    ),
    f(F::TableKey, "tableKey", Shape::Str, true, D_TABLE_KEY),
    f(F::MasterKey, "masterKey", Shape::Str, true, D_MASTER_KEY),
    f(F::Column, "column", Shape::Str, true, D_COLUMN),
    nullable(f(F::Type, "type", Shape::Str, false, D_TYPE)),
    f(F::Id, "id", Shape::Scalar, false, D_SERVER),
    f(F::CreatedAt, "createdAt", Shape::Scalar, false, D_SERVER),
    f(F::UpdatedAt, "updatedAt", Shape::Scalar, false, D_SERVER),
];

const API_BEHAVIOR: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        true,
        "behavior name used in segment rules; unique",
    ),
    nullable(f(
        F::FederatedQueryConfigId,
        "federatedQueryConfigId",
        Shape::Str,
        false,
        D_FQC,
    )),
    nullable(f(
        F::ConnectionId,
        "connectionId",
        Shape::Str,
        false,
        D_CONN_ID,
    )),
    nullable(f(F::Catalog, "catalog", Shape::Str, false, D_CATALOG)),
    f(F::Schema, "schema", Shape::Str, true, D_SCHEMA),
    f(
        F::Table,
        "table",
        Shape::Str,
        true,
        "the behavior (event) table",
    ),
    f(F::TableKey, "tableKey", Shape::Str, true, D_TABLE_KEY),
    f(F::MasterKey, "masterKey", Shape::Str, true, D_MASTER_KEY),
    nullable(disputed(
        f(F::TimeColumn, "timeColumn", Shape::Str, false, D_TIME),
        WHY_TIME_COLUMN,
    )),
    f(
        F::Columns,
        "columnMapping",
        Shape::Seq(Obj::Column),
        false,
        "event columns exposed for segmentation; at least one",
    ),
    f(F::Id, "id", Shape::Scalar, false, D_SERVER),
    f(F::CreatedAt, "createdAt", Shape::Scalar, false, D_SERVER),
    f(F::UpdatedAt, "updatedAt", Shape::Scalar, false, D_SERVER),
];

const API_COLUMN: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        true,
        "column name used in segment rules; unique within the behavior",
    ),
    nullable(f(F::Type, "type", Shape::Str, false, D_TYPE)),
    f(F::CdwColumn, "cdwColumn", Shape::Str, true, D_COLUMN),
    f(F::Id, "id", Shape::Scalar, false, D_SERVER),
];

const TDX_ROOT: &[Field] = &[
    f(F::Name, "name", Shape::Str, true, D_NAME),
    f(F::Description, "description", Shape::Str, false, D_DESC),
    f(F::Timezone, "timezone", Shape::Str, true, D_TZ),
    f(
        F::Master,
        "master",
        Shape::Map(Obj::Master),
        true,
        "the Customers (master) table",
    ),
    f(
        F::Attributes,
        "attributes",
        Shape::Seq(Obj::Attribute),
        true,
        "customer attributes; at least one",
    ),
    f(
        F::Behaviors,
        "behaviors",
        Shape::Seq(Obj::Behavior),
        false,
        "behavior (event) tables joined 1-to-many on the customer key",
    ),
];

const TDX_MASTER: &[Field] = &[
    f(F::Connection, "connection", Shape::Str, false, D_CONN),
    nullable(f(F::Catalog, "catalog", Shape::Str, false, D_CATALOG)),
    f(F::Schema, "schema", Shape::Str, true, D_SCHEMA),
    f(F::Table, "table", Shape::Str, true, D_TABLE),
    disputed(
        f(F::KeyColumn, "key_column", Shape::Str, false, D_KEY_COLUMN),
        WHY_KEY_COLUMN,
    ),
];

const TDX_ATTRIBUTE: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        true,
        "attribute name used in segment rules; unique",
    ),
    f(F::Connection, "connection", Shape::Str, false, D_CONN),
    nullable(f(F::Catalog, "catalog", Shape::Str, false, D_CATALOG)),
    f(F::Schema, "schema", Shape::Str, true, D_SCHEMA),
    f(
        F::Table,
        "table",
        Shape::Str,
        true,
        "table holding the column",
    ),
    f(
        F::Join,
        "join",
        Shape::Map(Obj::Join),
        true,
        "join keys: table_key and master_key",
    ),
    f(F::Column, "column", Shape::Str, true, D_COLUMN),
    f(F::Type, "type", Shape::Str, false, D_TYPE),
];

const TDX_BEHAVIOR: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        true,
        "behavior name used in segment rules; unique",
    ),
    f(F::Connection, "connection", Shape::Str, false, D_CONN),
    nullable(f(F::Catalog, "catalog", Shape::Str, false, D_CATALOG)),
    f(F::Schema, "schema", Shape::Str, true, D_SCHEMA),
    f(
        F::Table,
        "table",
        Shape::Str,
        true,
        "the behavior (event) table",
    ),
    f(
        F::Join,
        "join",
        Shape::Map(Obj::Join),
        true,
        "join keys: table_key and master_key",
    ),
    disputed(
        f(F::TimeColumn, "time_column", Shape::Str, false, D_TIME),
        WHY_TIME_COLUMN,
    ),
    f(
        F::Columns,
        "columns",
        Shape::Seq(Obj::Column),
        false,
        "event columns exposed for segmentation; at least one",
    ),
    f(
        F::AllColumns,
        "all_columns",
        Shape::Bool,
        false,
        "refused by the backend for new behaviors; list columns instead",
    ),
];

const TDX_COLUMN: &[Field] = &[
    f(
        F::Name,
        "name",
        Shape::Str,
        true,
        "column name used in segment rules; unique within the behavior",
    ),
    f(F::Type, "type", Shape::Str, false, D_TYPE),
    f(F::CdwColumn, "column", Shape::Str, true, D_COLUMN),
];

const TDX_JOIN: &[Field] = &[
    Field {
        path: "join.table_key",
        ..f(F::TableKey, "table_key", Shape::Str, true, D_TABLE_KEY)
    },
    Field {
        path: "join.master_key",
        ..f(F::MasterKey, "master_key", Shape::Str, true, D_MASTER_KEY)
    },
];

pub fn fields(dialect: Dialect, obj: Obj) -> &'static [Field] {
    match (dialect, obj) {
        (Dialect::Api, Obj::Root) => API_ROOT,
        (Dialect::Api, Obj::Master) => API_MASTER,
        (Dialect::Api, Obj::Attribute) => API_ATTRIBUTE,
        (Dialect::Api, Obj::Behavior) => API_BEHAVIOR,
        (Dialect::Api, Obj::Column) => API_COLUMN,
        (Dialect::Api, Obj::Join) => &[],
        (Dialect::Tdx, Obj::Root) => TDX_ROOT,
        (Dialect::Tdx, Obj::Master) => TDX_MASTER,
        (Dialect::Tdx, Obj::Attribute) => TDX_ATTRIBUTE,
        (Dialect::Tdx, Obj::Behavior) => TDX_BEHAVIOR,
        (Dialect::Tdx, Obj::Column) => TDX_COLUMN,
        (Dialect::Tdx, Obj::Join) => TDX_JOIN,
        (Dialect::Get, Obj::Root) => GET_ROOT,
        // A GET response has no `master` object: its keys are in the top level.
        (Dialect::Get, Obj::Master) => &[],
        (Dialect::Get, obj) => fields(Dialect::Api, obj),
    }
}

/// How `dialect` spells field `id` inside `obj` (the path relative to the entry), if it has it.
pub fn spelling(dialect: Dialect, obj: Obj, id: F) -> Option<&'static str> {
    let direct = fields(dialect, obj).iter().find(|f| f.id == id);
    if let Some(f) = direct {
        return Some(f.path);
    }
    if dialect == Dialect::Tdx && matches!(obj, Obj::Attribute | Obj::Behavior) {
        return TDX_JOIN.iter().find(|f| f.id == id).map(|f| f.path);
    }
    if dialect == Dialect::Tdx && matches!(id, F::FederatedQueryConfigId | F::ConnectionId) {
        return fields(dialect, obj)
            .iter()
            .find(|f| f.id == F::Connection)
            .map(|f| f.path);
    }
    None
}

/// Top-level keys of a GET response that the create body does not have: with no `master`, they
/// make a file the flat GET shape.
pub fn is_flat_master_key(key: &str) -> bool {
    matches!(
        key,
        "masterSchema"
            | "masterTable"
            | "masterKeyColumn"
            | "masterCatalog"
            | "federatedQueryConfigId"
            | "connectionId"
    )
}

/// Keys that only one dialect uses, for detecting a file's dialect.
pub fn is_api_only_key(key: &str) -> bool {
    matches!(
        key,
        "kind"
            | "isComposable"
            | "federatedQueryConfigId"
            | "connectionId"
            | "keyColumn"
            | "tableKey"
            | "masterKey"
            | "timeColumn"
            | "columnMapping"
            | "cdwColumn"
    )
}

pub fn is_tdx_only_key(key: &str) -> bool {
    matches!(
        key,
        "connection" | "key_column" | "join" | "time_column" | "columns" | "all_columns"
    )
}
