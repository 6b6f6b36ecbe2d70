//! Check settings. Where TD's sources disagree (the `type` set per backend, identifier case) or
//! the file cannot tell (the warehouse), the point is a setting with a documented default, and
//! the resolved value is reported with every check so no guess is silent.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Warehouse {
    Snowflake,
    Databricks,
    Bigquery,
}

impl Warehouse {
    pub const ALL: [Warehouse; 3] = [
        Warehouse::Snowflake,
        Warehouse::Databricks,
        Warehouse::Bigquery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Warehouse::Snowflake => "snowflake",
            Warehouse::Databricks => "databricks",
            Warehouse::Bigquery => "bigquery",
        }
    }

    pub fn parse(s: &str) -> Option<Warehouse> {
        Warehouse::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// Snowflake names the zero-copy config; the others name a connection plus a catalog.
    pub fn uses_catalog(self) -> bool {
        self != Warehouse::Snowflake
    }
}

/// Which `type` values the backend accepts (spec §3.7: the sources disagree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TypeProfile {
    /// Newest tdx CAS skill and the CDP API enum: string, number, timestamp, string_array,
    /// number_array. The default.
    #[serde(rename = "current")]
    Current,
    /// The March 2026 setup skill for the legacy api-cas host: string and number only.
    #[serde(rename = "legacy-api-cas")]
    LegacyApiCas,
    /// The July 2026 tdx CAS skill: the current set plus boolean and date.
    #[serde(rename = "tdx-2026-07")]
    Tdx202607,
}

impl TypeProfile {
    pub const ALL: [TypeProfile; 3] = [
        TypeProfile::Current,
        TypeProfile::LegacyApiCas,
        TypeProfile::Tdx202607,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TypeProfile::Current => "current",
            TypeProfile::LegacyApiCas => "legacy-api-cas",
            TypeProfile::Tdx202607 => "tdx-2026-07",
        }
    }

    pub fn parse(s: &str) -> Option<TypeProfile> {
        TypeProfile::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn types(self) -> &'static [&'static str] {
        match self {
            TypeProfile::Current => &[
                "string",
                "number",
                "timestamp",
                "string_array",
                "number_array",
            ],
            TypeProfile::LegacyApiCas => &["string", "number"],
            TypeProfile::Tdx202607 => &[
                "string",
                "number",
                "boolean",
                "date",
                "timestamp",
                "string_array",
                "number_array",
            ],
        }
    }
}

/// How names are matched against the warehouse (spec §3.8: the sources disagree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum IdentifierCase {
    /// The current backend matches names case-sensitively against what Snowflake stores
    /// (unquoted names are stored in upper case). The default.
    Exact,
    /// The legacy api-cas host reads through Trino, which lower-cases names: write them in lower
    /// case.
    Lowercase,
}

impl IdentifierCase {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierCase::Exact => "exact",
            IdentifierCase::Lowercase => "lowercase",
        }
    }

    pub fn parse(s: &str) -> Option<IdentifierCase> {
        [IdentifierCase::Exact, IdentifierCase::Lowercase]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// What the caller asked for. `None` for the warehouse means "infer it from the file".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub warehouse: Option<Warehouse>,
    pub types: TypeProfile,
    pub identifier_case: IdentifierCase,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            warehouse: None,
            types: TypeProfile::Current,
            identifier_case: IdentifierCase::Exact,
        }
    }
}

/// Where a resolved setting came from, so the output can say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Given by the caller.
    Option,
    /// Read from the file (for example `connectionId` + `catalog` means not Snowflake).
    Inferred,
    /// The documented default.
    Default,
}

/// The settings a check actually ran with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub warehouse: Warehouse,
    pub warehouse_source: Source,
    pub types: TypeProfile,
    pub identifier_case: IdentifierCase,
}

/// The settings as one short string (`warehouse=auto;types=current;case=exact`): what the page
/// stores and hands to its steps.
pub fn options_to_string(o: &Options) -> String {
    format!(
        "warehouse={};types={};case={}",
        o.warehouse.map(|w| w.as_str()).unwrap_or("auto"),
        o.types.as_str(),
        o.identifier_case.as_str()
    )
}

pub fn options_from_string(s: &str) -> Options {
    let mut o = Options::default();
    for part in s.split(';') {
        match part.split_once('=') {
            Some(("warehouse", v)) => o.warehouse = Warehouse::parse(v),
            Some(("types", v)) => o.types = TypeProfile::parse(v).unwrap_or(o.types),
            Some(("case", v)) => {
                o.identifier_case = IdentifierCase::parse(v).unwrap_or(o.identifier_case)
            }
            _ => {}
        }
    }
    o
}
