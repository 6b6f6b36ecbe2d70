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

/// Which `type` values the backend accepts, and whether it wants `type` at all (spec §3.7: the
/// sources disagree). The default follows TD's published contract; the older sets stay as named
/// profiles, each labelled with its source and date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TypeProfile {
    /// TD's published CDP OpenAPI (S31, harvested Aug 2026): `ColumnType` has seven values and
    /// `type` is optional (TD fills it from the warehouse column). The default.
    #[serde(rename = "published")]
    Published,
    /// The tdx CAS skill of July 2026 (S11, live-validated): the same seven values, with a
    /// `type` on every entry.
    #[serde(rename = "tdx-2026-07")]
    Tdx202607,
    /// A later tdx CAS skill commit (S11, Aug 2026) and the classic CDP API's attribute type
    /// (S13): five values, no boolean or date, a `type` on every entry.
    #[serde(rename = "tdx-2026-08")]
    Tdx202608,
    /// The March 2026 setup skill for the legacy api-cas host (S10): string and number only, a
    /// `type` on every entry.
    #[serde(rename = "legacy-api-cas")]
    LegacyApiCas,
}

impl TypeProfile {
    pub const ALL: [TypeProfile; 4] = [
        TypeProfile::Published,
        TypeProfile::Tdx202607,
        TypeProfile::Tdx202608,
        TypeProfile::LegacyApiCas,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TypeProfile::Published => "published",
            TypeProfile::Tdx202607 => "tdx-2026-07",
            TypeProfile::Tdx202608 => "tdx-2026-08",
            TypeProfile::LegacyApiCas => "legacy-api-cas",
        }
    }

    /// Reads a profile name. `current`, the default's name before TD published its schema
    /// (Dec 2026), still reads, as the default: the page stored it with every draft's settings,
    /// so it names "the default" far more often than the old five-value set.
    pub fn parse(s: &str) -> Option<TypeProfile> {
        if s == "current" {
            return Some(TypeProfile::Published);
        }
        TypeProfile::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Where the profile comes from, with its date, for settings lists and help texts.
    pub fn label(self) -> &'static str {
        match self {
            TypeProfile::Published => {
                "TD's published CDP API schema (S31, Aug 2026): type optional, TD infers it"
            }
            TypeProfile::Tdx202607 => "tdx CAS skill, July 2026 (S11): type on every entry",
            TypeProfile::Tdx202608 => {
                "tdx CAS skill, later Aug 2026 commit (S11), and the classic CDP API (S13): no boolean or date"
            }
            TypeProfile::LegacyApiCas => {
                "setup skill for the legacy api-cas host, March 2026 (S10): string and number only"
            }
        }
    }

    /// Whether the profile's sources expect a `type` on every attribute and behavior column.
    /// TD's published schema makes it optional (TD fills it from the warehouse column, S31).
    pub fn expects_type(self) -> bool {
        self != TypeProfile::Published
    }

    pub fn types(self) -> &'static [&'static str] {
        match self {
            TypeProfile::Published | TypeProfile::Tdx202607 => &[
                "string",
                "number",
                "timestamp",
                "date",
                "string_array",
                "number_array",
                "boolean",
            ],
            TypeProfile::Tdx202608 => &[
                "string",
                "number",
                "timestamp",
                "string_array",
                "number_array",
            ],
            TypeProfile::LegacyApiCas => &["string", "number"],
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
            types: TypeProfile::Published,
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
    /// Read from the catalog export's type names (INT64 means BigQuery), for a file that could
    /// only say "Databricks or BigQuery".
    Catalog,
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

/// The settings as one short string (`warehouse=auto;types=published;case=exact`): what the page
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_settings_keep_reading() {
        // The page stored `types=current` with every draft before TD published its schema: it
        // reads as today's default, and every named profile round-trips.
        assert_eq!(
            options_from_string("warehouse=auto;types=current;case=exact").types,
            TypeProfile::Published
        );
        for p in TypeProfile::ALL {
            let o = Options {
                types: p,
                ..Options::default()
            };
            assert_eq!(options_from_string(&options_to_string(&o)), o);
            assert!(!p.label().is_empty());
        }
        assert_eq!(Options::default().types, TypeProfile::Published);
        assert!(!TypeProfile::Published.expects_type());
        assert_eq!(TypeProfile::Published.types().len(), 7);
    }
}
