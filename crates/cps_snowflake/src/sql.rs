//! Snowflake SQL text (spec §1, §2.1, §6): identifiers in SQL, the key-pair `ALTER USER`, the
//! grants TD's role needs, and the catalog query whose export [`crate::catalog`] reads (for each
//! warehouse).
//!
//! Pure string building: nothing here talks to Snowflake. Every name put into SQL goes through
//! [`sql_name`] or [`literal`], and every text put into a `--` comment through
//! [`comment_text`], so a config value cannot break out of its place in the script.

use crate::shown;
use cps_core::config::model::{Config, Loc, Text};
use cps_core::rules::ident;
use std::fmt::Write;

/// Snowflake's reserved keywords: an unquoted identifier cannot be one of them in SQL text.
const RESERVED: &[&str] = &[
    "ACCOUNT",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "ASOF",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONNECT",
    "CONNECTION",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DATABASE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXISTS",
    "FALSE",
    "FOLLOWING",
    "FOR",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "GSCLUSTER",
    "HAVING",
    "ILIKE",
    "IN",
    "INCREMENT",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISSUE",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MATCH_CONDITION",
    "MINUS",
    "NATURAL",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "ORGANIZATION",
    "QUALIFY",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SET",
    "SOME",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRIGGER",
    "TRUE",
    "TRY_CAST",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHENEVER",
    "WHERE",
    "WITH",
];

/// A name as it goes into SQL text: as written when it is a valid unquoted identifier (and not a
/// reserved word) or already quoted, else quoted so that it means exactly what was written. An
/// unquoted reserved word is quoted in upper case, which is the name Snowflake resolves for it.
pub fn sql_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.starts_with('"') {
        return match ident::parse(name) {
            Ok(_) => Ok(name.to_string()),
            Err(why) => Err(format!(
                "`{}` is not a valid quoted name: {why}",
                shown(name)
            )),
        };
    }
    match ident::parse(name) {
        Ok(id) => {
            if RESERVED.contains(&id.resolved.as_ref()) {
                Ok(ident::quote(&id.resolved))
            } else {
                Ok(name.to_string())
            }
        }
        Err(_) if name.chars().count() > ident::MAX_LEN => Err(format!(
            "the name is longer than {} characters",
            ident::MAX_LEN
        )),
        Err(_) => Ok(ident::quote(name)),
    }
}

/// A string literal for SQL text. Snowflake reads `\` as an escape inside single quotes, so it is
/// doubled along with `'`.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// Text that is safe inside a `--` comment: one line, no control characters, not too long.
pub(crate) fn comment_text(s: &str) -> String {
    shown(s)
}

/// Which of a user's two key slots an `ALTER USER` sets. Snowflake holds two public keys per user
/// so a key can be rotated without downtime: set the new key in the free slot, move TD to the new
/// private key, then unset the old slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeySlot {
    /// `RSA_PUBLIC_KEY` (`DESC USER` shows `RSA_PUBLIC_KEY_FP`).
    #[default]
    First,
    /// `RSA_PUBLIC_KEY_2` (`RSA_PUBLIC_KEY_2_FP`), for rotation.
    Second,
}

impl KeySlot {
    pub fn property(self) -> &'static str {
        match self {
            KeySlot::First => "RSA_PUBLIC_KEY",
            KeySlot::Second => "RSA_PUBLIC_KEY_2",
        }
    }

    /// The `DESC USER` property that shows this slot's fingerprint.
    pub fn fingerprint_property(self) -> &'static str {
        match self {
            KeySlot::First => "RSA_PUBLIC_KEY_FP",
            KeySlot::Second => "RSA_PUBLIC_KEY_2_FP",
        }
    }
}

/// The user placeholder [`alter_user_sql`] writes when no user is given: not a valid name, so
/// the statement cannot run by accident before the user is filled in.
pub const USER_PLACEHOLDER: &str = "<user>";

/// The one `ALTER USER … SET RSA_PUBLIC_KEY[_2]='…';` builder (`cps key check`, `cps keygen` and
/// the page all use it): the user name checked and quoted as needed ([`sql_name`];
/// [`USER_PLACEHOLDER`] when `None`), the public key's base64 body (the PEM without its
/// `-----BEGIN/END` lines) checked and put on one line (sources disagree on line breaks inside it,
/// spec §6).
pub fn alter_user_sql(
    user: Option<&str>,
    public_body: &str,
    slot: KeySlot,
) -> Result<String, String> {
    let user = match user {
        Some(u) => sql_name(u).map_err(|e| format!("user: {e}"))?,
        None => USER_PLACEHOLDER.to_string(),
    };
    if public_body.contains("-----") {
        return Err("give only the key's base64 body: remove the `-----BEGIN PUBLIC KEY-----` and `-----END PUBLIC KEY-----` lines".into());
    }
    let body: String = public_body
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if body.is_empty() {
        return Err("the public key body is empty".into());
    }
    let padding = body.len() - body.trim_end_matches('=').len();
    let ok = body
        .trim_end_matches('=')
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && padding <= 2;
    if !ok {
        return Err("the public key body must be base64 (letters, digits, `+`, `/`, and `=` only at the end)".into());
    }
    if body.starts_with("MII") && body.len() < 300 {
        return Err(
            "this key is too short for RSA 2048: Snowflake needs at least 2048 bits".into(),
        );
    }
    Ok(format!(
        "ALTER USER {user} SET {}='{body}';",
        slot.property()
    ))
}

/// Advice to go with the `ALTER USER`: TD signs in with the key alone, so the user should be a
/// service user (`TYPE = SERVICE`: no password, no MFA prompt), which Snowflake requires of users
/// without a second factor since its single-factor password retirement (spec §6, S34).
pub fn service_user_advice(user: Option<&str>) -> String {
    let user = user
        .and_then(|u| sql_name(u).ok())
        .unwrap_or_else(|| USER_PLACEHOLDER.to_string());
    format!(
        "TD signs in with the key alone: make it a service user (no password sign-in), which Snowflake expects of such users: ALTER USER {user} SET TYPE = SERVICE;"
    )
}

/// The objects [`grants_sql`] grants on, as given on the command line (or the page).
#[derive(Clone, Copy, Debug)]
pub struct Grants<'a> {
    pub role: &'a str,
    pub warehouse: &'a str,
    pub database: &'a str,
    /// The zero-copy config's default schema: used for entries without `schema`, and granted
    /// too. Empty for none.
    pub schema: &'a str,
    pub user: &'a str,
}

/// The config's names with where they come from, in file order.
struct Named<'c> {
    loc: Loc,
    schema: Option<&'c Text>,
    table: &'c Text,
}

fn named_tables(config: &Config) -> Vec<Named<'_>> {
    config
        .table_refs()
        .filter_map(|(loc, _, t)| {
            Some(Named {
                loc,
                schema: t.schema.as_ref(),
                table: t.table.as_ref()?,
            })
        })
        .collect()
}

pub(crate) fn config_name(config: &Config) -> String {
    config
        .name
        .as_ref()
        .map(|n| format!("the config \"{}\"", comment_text(&n.value)))
        .unwrap_or_else(|| "this config".into())
}

/// The grants TD's role needs to read every table the config names (spec §1 step 1): USAGE on
/// the warehouse, the database and each schema, SELECT on each table, and the role for the user.
/// Names are written as in the config (quoted where SQL needs it); the same object named twice is
/// granted once.
pub fn grants_sql(config: &Config, g: &Grants) -> Result<String, String> {
    let role = sql_name(g.role).map_err(|e| format!("role: {e}"))?;
    let warehouse = sql_name(g.warehouse).map_err(|e| format!("warehouse: {e}"))?;
    let database = sql_name(g.database).map_err(|e| format!("database: {e}"))?;
    let user = sql_name(g.user).map_err(|e| format!("user: {e}"))?;
    let default_schema = if g.schema.is_empty() {
        None
    } else {
        Some(sql_name(g.schema).map_err(|e| format!("schema: {e}"))?)
    };
    let mut schemas: Vec<(String, String)> = Vec::new(); // (resolved, sql)
    let mut tables: Vec<((String, String), String)> = Vec::new(); // ((schema, table) resolved, sql)
    for n in named_tables(config) {
        let (schema_sql, schema_key) = match n.schema {
            Some(s) => (
                sql_name(&s.value).map_err(|e| format!("{}: {e}", n.loc.at(s.key)))?,
                ident::resolve(&s.value).into_owned(),
            ),
            None => match &default_schema {
                Some(d) => (d.clone(), ident::resolve(g.schema).into_owned()),
                None => {
                    return Err(format!(
                        "`{}` has no `schema`, and no default schema was given",
                        n.loc.path()
                    ))
                }
            },
        };
        let table_sql =
            sql_name(&n.table.value).map_err(|e| format!("{}: {e}", n.loc.at(n.table.key)))?;
        if !schemas.iter().any(|(k, _)| *k == schema_key) {
            schemas.push((schema_key.clone(), schema_sql.clone()));
        }
        let key = (schema_key, ident::resolve(&n.table.value).into_owned());
        if !tables.iter().any(|(k, _)| *k == key) {
            tables.push((key, format!("{database}.{schema_sql}.{table_sql}")));
        }
    }
    if let Some(d) = &default_schema {
        let key = ident::resolve(g.schema).into_owned();
        if !schemas.iter().any(|(k, _)| *k == key) {
            schemas.push((key, d.clone()));
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- Grants for the role TD's zero-copy connection uses, to read the tables that {} names.",
        config_name(config)
    );
    let _ = writeln!(
        out,
        "-- Run as SECURITYADMIN (or a role that owns these objects). For a view, write VIEW instead of TABLE."
    );
    let _ = writeln!(out, "GRANT USAGE ON WAREHOUSE {warehouse} TO ROLE {role};");
    let _ = writeln!(out, "GRANT USAGE ON DATABASE {database} TO ROLE {role};");
    for (_, s) in &schemas {
        let _ = writeln!(out, "GRANT USAGE ON SCHEMA {database}.{s} TO ROLE {role};");
    }
    for (_, t) in &tables {
        let _ = writeln!(out, "GRANT SELECT ON TABLE {t} TO ROLE {role};");
    }
    let _ = writeln!(out, "GRANT ROLE {role} TO USER {user};");
    Ok(out)
}

/// The schemas the config names, resolved as Snowflake stores them, once each, in file order.
fn resolved_schemas(config: &Config) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for (_, _, t) in config.table_refs() {
        if let Some(s) = &t.schema {
            let r = ident::resolve(&s.value).into_owned();
            if !v.contains(&r) {
                v.push(r);
            }
        }
    }
    v
}

pub(crate) fn database_sql(database: &str) -> String {
    sql_name(database).unwrap_or_else(|_| ident::quote(database))
}

/// The query whose result (exported from Snowsight as CSV, TSV or JSON) is the catalog
/// [`crate::catalog::parse_catalog`] reads: every column of the schemas the config names.
///
/// Schemas are matched in any case (`UPPER(TABLE_SCHEMA)`): a schema created quoted in lower
/// case (`"crm"`) then comes back too, and the catalog check says that the config's `CRM` does
/// not find it (the case differs), instead of "no rows for schema `CRM`".
pub fn catalog_query_sql(config: &Config, database: &str) -> String {
    let mut upper: Vec<String> = Vec::new();
    for s in resolved_schemas(config) {
        let u = s.to_uppercase();
        if !upper.contains(&u) {
            upper.push(u);
        }
    }
    let filter = if upper.is_empty() {
        "TABLE_SCHEMA <> 'INFORMATION_SCHEMA'".to_string()
    } else {
        let lits: Vec<String> = upper.iter().map(|s| literal(s)).collect();
        format!("UPPER(TABLE_SCHEMA) IN ({})", lits.join(", "))
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- Every column of the schemas that {} names (in any case), for cps's catalog checks.",
        config_name(config)
    );
    let _ = writeln!(
        out,
        "-- Run in Snowsight, download the result (CSV or TSV) and check with it: cps validate --catalog <export> <config>"
    );
    let _ = writeln!(
        out,
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE\nFROM {}.INFORMATION_SCHEMA.COLUMNS\nWHERE {filter}\nORDER BY 1, 2, ORDINAL_POSITION;",
        database_sql(database)
    );
    out
}

/// The catalog query for the config's warehouse: Snowflake's (which needs the database the
/// zero-copy config reads), BigQuery's or Databricks'. Each reads that warehouse's own
/// `INFORMATION_SCHEMA.COLUMNS` with the names as the warehouse stores them.
pub fn catalog_query_for(
    config: &Config,
    warehouse: cps_core::Warehouse,
    database: Option<&str>,
) -> Result<String, String> {
    match warehouse {
        cps_core::Warehouse::Snowflake => {
            let database = database.ok_or(
                "give the database the zero-copy config reads (--database): Snowflake's INFORMATION_SCHEMA is per database",
            )?;
            sql_name(database).map_err(|e| format!("database: {e}"))?;
            Ok(catalog_query_sql(config, database))
        }
        cps_core::Warehouse::Bigquery => bigquery_catalog_query_sql(config),
        cps_core::Warehouse::Databricks => databricks_catalog_query_sql(config),
    }
}

/// `(catalog, schema)` pairs the config names, as written, once each, in file order; entries
/// without their own `catalog` read the master's.
fn catalog_schemas(config: &Config) -> Result<Vec<(String, String)>, String> {
    let master_catalog = config
        .master
        .as_ref()
        .and_then(|m| m.table.conn.catalog.as_ref());
    let mut out: Vec<(String, String)> = Vec::new();
    for (_, _, t) in config.table_refs() {
        let Some(schema) = &t.schema else { continue };
        let Some(catalog) = t.conn.catalog.as_ref().or(master_catalog) else {
            continue;
        };
        let pair = (catalog.value.to_string(), schema.value.to_string());
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    if out.is_empty() {
        return Err("the config names no `catalog` with a `schema`: add `catalog` to `master` (Databricks: the Unity Catalog; BigQuery: the GCP project)".into());
    }
    for (c, s) in &out {
        for name in [c, s] {
            if name.contains(['`', '\n', '\r']) {
                return Err(format!(
                    "`{}` cannot be written as a quoted name: it holds a backtick or a line break",
                    shown(name)
                ));
            }
        }
    }
    Ok(out)
}

/// A name in backticks (BigQuery and Databricks quote names this way); the caller refused
/// backticks and line breaks inside.
fn backticked(name: &str) -> String {
    let bare = name
        .strip_prefix('`')
        .and_then(|n| n.strip_suffix('`'))
        .unwrap_or(name);
    format!("`{bare}`")
}

/// BigQuery's catalog query: the `INFORMATION_SCHEMA.COLUMNS` view of each dataset
/// (`project`.`dataset`), as stored (dataset names are case-sensitive), joined with UNION ALL.
pub fn bigquery_catalog_query_sql(config: &Config) -> Result<String, String> {
    let pairs = catalog_schemas(config)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- Every column of the datasets that {} names, for cps's catalog checks.",
        config_name(config)
    );
    let _ = writeln!(
        out,
        "-- Run in the BigQuery console, save the result (CSV or JSON) and check with it: cps validate --warehouse bigquery --catalog <export> <config>"
    );
    let selects: Vec<String> = pairs
        .iter()
        .map(|(project, dataset)| {
            format!(
                "SELECT table_schema, table_name, column_name, data_type, ordinal_position\nFROM {}.{}.INFORMATION_SCHEMA.COLUMNS",
                backticked(project),
                backticked(dataset)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "{}\nORDER BY table_schema, table_name, ordinal_position;",
        selects.join("\nUNION ALL\n")
    );
    Ok(out)
}

/// A string literal for Databricks SQL, which escapes with backslashes.
fn spark_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Databricks' catalog query: each Unity Catalog's `information_schema.columns`, filtered to the
/// config's schemas in any case (Unity Catalog stores names in lower case and matches them
/// ignoring case).
pub fn databricks_catalog_query_sql(config: &Config) -> Result<String, String> {
    let pairs = catalog_schemas(config)?;
    let mut catalogs: Vec<(String, Vec<String>)> = Vec::new();
    for (c, s) in pairs {
        let s = s
            .strip_prefix('`')
            .and_then(|n| n.strip_suffix('`'))
            .unwrap_or(&s)
            .to_lowercase();
        match catalogs.iter_mut().find(|(k, _)| *k == c) {
            Some((_, v)) if !v.contains(&s) => v.push(s),
            Some(_) => {}
            None => catalogs.push((c, vec![s])),
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- Every column of the schemas that {} names, for cps's catalog checks.",
        config_name(config)
    );
    let _ = writeln!(
        out,
        "-- Run in a Databricks SQL editor, download the result (CSV) and check with it: cps validate --warehouse databricks --catalog <export> <config>"
    );
    let selects: Vec<String> = catalogs
        .iter()
        .map(|(catalog, schemas)| {
            let lits: Vec<String> = schemas.iter().map(|s| spark_literal(s)).collect();
            format!(
                "SELECT table_schema, table_name, column_name, data_type, ordinal_position\nFROM {}.information_schema.columns\nWHERE lower(table_schema) IN ({})",
                backticked(catalog),
                lits.join(", ")
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "{}\nORDER BY table_schema, table_name, ordinal_position;",
        selects.join("\nUNION ALL\n")
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_sql() {
        assert_eq!(sql_name("CUSTOMERS").unwrap(), "CUSTOMERS");
        assert_eq!(sql_name("customers").unwrap(), "customers");
        assert_eq!(sql_name("\"My User\"").unwrap(), "\"My User\"");
        assert_eq!(sql_name("My User").unwrap(), "\"My User\"");
        assert_eq!(sql_name("order").unwrap(), "\"ORDER\"");
        assert_eq!(sql_name("a\"b").unwrap(), "\"a\"\"b\"");
        assert!(sql_name("").is_err());
        assert!(sql_name(&"x".repeat(300)).is_err());
        assert!(sql_name(&"é".repeat(300)).is_err());
        assert!(sql_name("\"open").is_err());
    }

    #[test]
    fn literals_escape() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\'"), "'a\\\\'''");
    }

    #[test]
    fn alter_user() {
        let body = format!("MII{}", "A".repeat(389));
        let wrapped = format!("{}\n{}", &body[..64], &body[64..]);
        let sql = alter_user_sql(Some("td_user"), &wrapped, KeySlot::First).unwrap();
        assert_eq!(
            sql,
            format!("ALTER USER td_user SET RSA_PUBLIC_KEY='{body}';")
        );
        let sql = alter_user_sql(Some("TD User"), &body, KeySlot::Second).unwrap();
        assert_eq!(
            sql,
            format!("ALTER USER \"TD User\" SET RSA_PUBLIC_KEY_2='{body}';")
        );
        let sql = alter_user_sql(None, &body, KeySlot::First).unwrap();
        assert!(sql.starts_with("ALTER USER <user> SET"), "{sql}");
        let u = Some("u");
        assert!(alter_user_sql(u, "-----BEGIN PUBLIC KEY-----", KeySlot::First).is_err());
        assert!(alter_user_sql(u, "abc'; DROP TABLE x; --", KeySlot::First).is_err());
        assert!(alter_user_sql(u, "", KeySlot::First).is_err());
        assert!(alter_user_sql(Some(""), "QUJD", KeySlot::First).is_err());
        // A name that would break out of the statement is quoted, never pasted as is.
        let sql = alter_user_sql(Some("x; DROP USER y"), &body, KeySlot::First).unwrap();
        assert!(
            sql.starts_with("ALTER USER \"x; DROP USER y\" SET"),
            "{sql}"
        );
        assert!(
            service_user_advice(Some("order")).contains("ALTER USER \"ORDER\" SET TYPE = SERVICE;")
        );
    }
}
