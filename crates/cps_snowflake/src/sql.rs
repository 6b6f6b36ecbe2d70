//! Snowflake facts and SQL text (spec §1, §2.1, §6): account identifiers, identifiers in SQL,
//! the key-pair `ALTER USER`, the grants TD's role needs, the catalog query whose export
//! [`crate::catalog`] reads, and the check pack (one query measuring the data rules V20/V21)
//! with the reader of its results.
//!
//! Pure string building: nothing here talks to Snowflake. Every name put into SQL goes through
//! [`sql_name`] or [`literal`], and every text put into a `--` comment through [`comment_text`],
//! so a config value cannot break out of its place in the script.

use crate::catalog::parse_table;
use cps_core::config::model::{Behavior, Config, Loc, Text};
use cps_core::diagnostics::{Code, Diagnostic, Severity};
use cps_core::rules::ident;
use cps_core::syntax::span::Span;
use std::collections::HashMap;
use std::fmt::Write;

/// How an account identifier is written (spec §6; S23, S24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountForm {
    /// `orgname-account_name`: the preferred form.
    OrgAccount,
    /// `xy12345`: a legacy account locator alone (AWS US West, Oregon).
    Locator,
    /// `xy12345.us-east-2` or `xy12345.us-east-2.aws`: a legacy locator with its region (and
    /// cloud).
    LocatorWithRegion,
}

impl AccountForm {
    pub fn describe(self) -> &'static str {
        match self {
            AccountForm::OrgAccount => "organization and account name (the preferred form)",
            AccountForm::Locator => {
                "legacy account locator (only for accounts in AWS US West (Oregon); prefer `orgname-account_name`)"
            }
            AccountForm::LocatorWithRegion => {
                "legacy account locator with region (discouraged; prefer `orgname-account_name`)"
            }
        }
    }
}

const CLOUDS: [&str; 3] = ["aws", "azure", "gcp"];
const DOMAIN: &str = ".snowflakecomputing.com";

/// A value shortened for messages: hostile input must not make a message megabytes long.
fn shown(s: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = s
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    out
}

/// Checks a Snowflake account identifier as TD's zero-copy form asks for it. The `Err` says what
/// is wrong and what to write instead.
pub fn check_account(s: &str) -> Result<AccountForm, String> {
    if s.trim().is_empty() {
        return Err("the account identifier is empty: write it as `orgname-account_name` (Snowsight: account menu → View account details → Account identifier)".into());
    }
    if s.len() > 255 {
        return Err("the account identifier is longer than 255 characters; it looks like `orgname-account_name`".into());
    }
    if s.trim() != s {
        return Err(format!(
            "`{}` has spaces around it: write `{}`",
            shown(s),
            shown(s.trim())
        ));
    }
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        let start = s.len() - rest.len();
        return Err(from_url(&s[start..]));
    }
    if s.contains(char::is_whitespace) {
        return Err(format!(
            "`{}` holds a space: an account identifier is one word such as `myorg-account123`",
            shown(s)
        ));
    }
    if lower.ends_with(DOMAIN) {
        let id = &s[..s.len() - DOMAIN.len()];
        return Err(match check_account(id) {
            Ok(_) => format!(
                "`{}` is the host name: drop `{DOMAIN}` and write `{}`",
                shown(s),
                shown(id)
            ),
            Err(why) => format!("`{}` is a host name: drop `{DOMAIN}`; then {why}", shown(s)),
        });
    }
    if let Some(id) = lower
        .strip_suffix(".privatelink")
        .map(|_| &s[..s.len() - ".privatelink".len()])
    {
        return Err(format!(
            "`.privatelink` belongs to the PrivateLink host name, not to the account identifier: write `{}` (TD's docs do not say whether zero-copy connections support PrivateLink)",
            shown(id)
        ));
    }
    if s.contains('/') || s.contains(':') || s.contains('@') {
        return Err(format!(
            "`{}` is not an account identifier: write only `orgname-account_name`, without a URL, user or port",
            shown(s)
        ));
    }
    let parts: Vec<&str> = s.split('.').collect();
    match parts.as_slice() {
        [one] => one_part(one),
        [locator, region] => {
            // `MYORG.MYACCOUNT` is the data-sharing form Snowsight shows next to the identifier;
            // every region id holds a `-`.
            if !region.contains('-') && is_org_name(locator) && is_account_name(region) {
                return Err(format!(
                    "`{}` is the data-sharing form `org.account`; connections take `{locator}-{region}`",
                    shown(s)
                ));
            }
            check_locator(locator, s)?;
            check_region(region, s)?;
            Ok(AccountForm::LocatorWithRegion)
        }
        [locator, region, cloud] => {
            check_locator(locator, s)?;
            check_region(region, s)?;
            if !CLOUDS.contains(&cloud.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "`{}`: the last part of `locator.region.cloud` is the cloud, one of aws, azure, gcp, not `{}`",
                    shown(s),
                    shown(cloud)
                ));
            }
            Ok(AccountForm::LocatorWithRegion)
        }
        _ => Err(format!(
            "`{}` has too many `.`: write `orgname-account_name` (or the legacy `locator.region.cloud`)",
            shown(s)
        )),
    }
}

fn from_url(rest: &str) -> String {
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    let lower = host.to_ascii_lowercase();
    // Snowsight's own address: app.snowflake.com/<org>/<account>/… or, for legacy accounts,
    // app.snowflake.com/<region.cloud>/<locator>/…
    if lower == "app.snowflake.com" {
        let mut path = rest[host_end..]
            .trim_start_matches('/')
            .split(['/', '?', '#']);
        let (a, b) = (path.next().unwrap_or(""), path.next().unwrap_or(""));
        let guess = if a.contains('.') {
            format!("{b}.{a}")
        } else {
            format!("{a}-{b}")
        };
        return match check_account(&guess) {
            Ok(_) if !a.is_empty() && !b.is_empty() => format!(
                "this is a Snowsight address, not an account identifier: write `{}`",
                shown(&guess)
            ),
            _ => "this is a Snowsight address, not an account identifier: write `orgname-account_name` (Snowsight: account menu → View account details)".into(),
        };
    }
    let id = lower
        .strip_suffix(DOMAIN)
        .map(|_| &host[..host.len() - DOMAIN.len()]);
    match id {
        Some(id) => match check_account(id) {
            Ok(_) => format!(
                "write the account identifier, not the URL: drop `https://` and `{DOMAIN}` and write `{}`",
                shown(id)
            ),
            Err(why) => {
                format!("write the account identifier, not the URL: drop `https://` and `{DOMAIN}`; then {why}")
            }
        },
        None => format!(
            "`{}` is a URL, and not a Snowflake one: write the account identifier `orgname-account_name`",
            shown(host)
        ),
    }
}

fn one_part(s: &str) -> Result<AccountForm, String> {
    let Some((org, account)) = s.split_once('-') else {
        return if is_locator(s) {
            Ok(AccountForm::Locator)
        } else if s.contains('_') {
            Err(format!(
                "`{}` looks like an account name without its organization: write `orgname-{}`",
                shown(s),
                shown(s)
            ))
        } else {
            Err(format!(
                "`{}` is not an account identifier: write `orgname-account_name` (letters, digits and `_`)",
                shown(s)
            ))
        };
    };
    if account.contains('-') {
        let fixed = account.replace('-', "_");
        return Err(format!(
            "`{}` has more than one `-`: URLs spell `_` in account names as `-`, identifiers keep `_`: write `{org}-{}`",
            shown(s),
            shown(&fixed)
        ));
    }
    if !is_org_name(org) {
        return Err(format!(
            "`{}`: the organization name (before `-`) holds only letters and digits and starts with a letter",
            shown(s)
        ));
    }
    if !is_account_name(account) {
        return Err(format!(
            "`{}`: the account name (after `-`) holds only letters, digits and `_` and starts with a letter",
            shown(s)
        ));
    }
    Ok(AccountForm::OrgAccount)
}

fn starts_with_letter(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

fn is_org_name(s: &str) -> bool {
    starts_with_letter(s) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_account_name(s: &str) -> bool {
    starts_with_letter(s) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_locator(s: &str) -> bool {
    starts_with_letter(s)
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn check_locator(locator: &str, whole: &str) -> Result<(), String> {
    if locator.contains('-') {
        return Err(format!(
            "`{}` mixes the two forms: write `orgname-account_name` alone, or the legacy `locator.region`",
            shown(whole)
        ));
    }
    if !is_locator(locator) {
        return Err(format!(
            "`{}`: the account locator (before the first `.`) is letters and digits, such as `xy12345`",
            shown(whole)
        ));
    }
    Ok(())
}

fn check_region(region: &str, whole: &str) -> Result<(), String> {
    let ok = region.contains('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}`: the region is a Snowflake region id such as `us-east-2` or `east-us-2`, not `{}`",
            shown(whole),
            shown(region)
        ))
    }
}

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
fn comment_text(s: &str) -> String {
    shown(s)
}

/// `ALTER USER … SET RSA_PUBLIC_KEY='…';` for the public key's base64 body (the PEM without its
/// `-----BEGIN/END` lines; line breaks inside it are removed).
pub fn alter_user_sql(user: &str, public_body: &str) -> Result<String, String> {
    let user = sql_name(user).map_err(|e| format!("user: {e}"))?;
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
    Ok(format!("ALTER USER {user} SET RSA_PUBLIC_KEY='{body}';"))
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

fn config_name(config: &Config) -> String {
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

fn database_sql(database: &str) -> String {
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

/// What the check pack says about one config entry: `master` or `behaviors[1] purchases`.
fn behavior_subject(b: &Behavior) -> String {
    match &b.name {
        Some(n) => format!("{} {}", b.loc.path(), n.value),
        None => b.loc.path(),
    }
}

fn qualified(database: &str, schema: Option<&Text>, table: Option<&Text>) -> Option<String> {
    let schema = sql_name(&schema?.value).ok()?;
    let table = sql_name(&table?.value).ok()?;
    Some(format!("{database}.{schema}.{table}"))
}

/// One script for Snowsight returning one result set `(CHECK_NAME, SUBJECT, VALUE)` that measures
/// the data rules only the warehouse can answer: the master key is unique and never NULL (V20),
/// each behavior's rows find their customer (V21), and its time column is filled (with its
/// range). [`check_pack_report`] reads the exported result.
pub fn check_pack_sql(config: &Config, database: &str) -> String {
    let db = database_sql(database);
    let mut ctes: Vec<String> = Vec::new();
    // (check, subject, value expression, the CTE it reads)
    let mut rows: Vec<(&str, String, String, String)> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let master = config.master.as_ref();
    let master_table =
        master.and_then(|m| qualified(&db, m.table.schema.as_ref(), m.table.table.as_ref()));
    let master_key = master
        .and_then(|m| m.key_column.as_ref())
        .and_then(|k| sql_name(&k.value).ok());
    let have_master = match (&master_table, &master_key) {
        (Some(t), Some(k)) => {
            ctes.push(format!(
                "master_stats AS (\n  SELECT COUNT(*) AS ROW_COUNT,\n         COUNT(DISTINCT {k}) AS DISTINCT_KEYS,\n         COUNT_IF({k} IS NULL) AS NULL_KEYS\n  FROM {t}\n)"
            ));
            ctes.push(format!(
                "master_keys AS (\n  SELECT DISTINCT {k} AS CPS_KEY FROM {t}\n)"
            ));
            for (check, col) in [
                ("master_rows", "ROW_COUNT"),
                ("master_distinct_keys", "DISTINCT_KEYS"),
                ("master_null_keys", "NULL_KEYS"),
            ] {
                rows.push((
                    check,
                    "master".into(),
                    format!("TO_VARCHAR({col})"),
                    "master_stats".into(),
                ));
            }
            true
        }
        _ => {
            skipped.push("master: no readable schema, table or key column".into());
            false
        }
    };
    for b in config.behaviors.iter().flat_map(|l| &l.items) {
        let subject = behavior_subject(b);
        let Some(table) = qualified(&db, b.table.schema.as_ref(), b.table.table.as_ref()) else {
            skipped.push(format!("{}: no readable schema or table", b.loc.path()));
            continue;
        };
        let key = b.table_key.as_ref().and_then(|k| sql_name(&k.value).ok());
        let time = b.time_column.as_ref().and_then(|t| sql_name(&t.value).ok());
        let index = match b.loc {
            Loc::Behavior(i) => i,
            _ => 0,
        };
        let cte = format!("behavior_{index}");
        let mut select = vec!["COUNT(*) AS ROW_COUNT".to_string()];
        let mut from = format!("{table} AS b");
        rows.push((
            "behavior_rows",
            subject.clone(),
            "TO_VARCHAR(ROW_COUNT)".into(),
            cte.clone(),
        ));
        match (&key, have_master) {
            (Some(k), true) => {
                select.push("COUNT_IF(k.CPS_KEY IS NULL) AS NO_CUSTOMER".into());
                from.push_str(&format!(
                    "\n  LEFT JOIN master_keys AS k ON b.{k} = k.CPS_KEY"
                ));
                rows.push((
                    "behavior_rows_without_customer",
                    subject.clone(),
                    "TO_VARCHAR(NO_CUSTOMER)".into(),
                    cte.clone(),
                ));
            }
            _ => skipped.push(format!(
                "{}: the join to the master is not measured (no readable key)",
                b.loc.path()
            )),
        }
        match &time {
            Some(t) => {
                select.push(format!("COUNT_IF(b.{t} IS NULL) AS NULL_TIMES"));
                select.push(format!("TO_VARCHAR(MIN(b.{t})) AS MIN_TIME"));
                select.push(format!("TO_VARCHAR(MAX(b.{t})) AS MAX_TIME"));
                for (check, col) in [
                    ("behavior_null_times", "TO_VARCHAR(NULL_TIMES)"),
                    ("behavior_min_time", "MIN_TIME"),
                    ("behavior_max_time", "MAX_TIME"),
                ] {
                    rows.push((check, subject.clone(), col.into(), cte.clone()));
                }
            }
            None => skipped.push(format!(
                "{}: the time column is not measured (no readable time column)",
                b.loc.path()
            )),
        }
        ctes.push(format!(
            "{cte} AS (\n  SELECT {}\n  FROM {from}\n)",
            select.join(",\n         ")
        ));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- cps check pack for {} in database {}.",
        config_name(config),
        comment_text(&db)
    );
    let _ = writeln!(
        out,
        "-- Run it in Snowsight: it returns one result set (CHECK_NAME, SUBJECT, VALUE). Download it (CSV or TSV)"
    );
    let _ = writeln!(
        out,
        "-- and read it with: cps snowflake check-results <config> <export>. It reads every table once or twice."
    );
    let _ = writeln!(
        out,
        "-- Keys of different types (NUMBER vs VARCHAR) can make the join fail: cast one side in a view."
    );
    for s in &skipped {
        let _ = writeln!(out, "-- Skipped {}", comment_text(s));
    }
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "SELECT NULL AS CHECK_NAME, NULL AS SUBJECT, NULL AS VALUE WHERE FALSE;"
        );
        return out;
    }
    let _ = writeln!(out, "WITH\n{}", ctes.join(",\n"));
    let _ = writeln!(out, "SELECT CHECK_NAME, SUBJECT, VALUE FROM (");
    for (i, (check, subject, value, cte)) in rows.iter().enumerate() {
        let n = i + 1;
        if i == 0 {
            let _ = writeln!(
                out,
                "  SELECT {n} AS N, {} AS CHECK_NAME, {} AS SUBJECT, {value} AS VALUE FROM {cte}",
                literal(check),
                literal(subject)
            );
        } else {
            let _ = writeln!(
                out,
                "  UNION ALL SELECT {n}, {}, {}, {value} FROM {cte}",
                literal(check),
                literal(subject)
            );
        }
    }
    let _ = writeln!(out, ") ORDER BY N;");
    out
}

/// One thing the check pack's results say, tied to the config entry it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The config entry, as the check pack names it: `master`, `behaviors[1] purchases`.
    pub subject: String,
    pub message: String,
    /// Where in the config: the key column, table key, table or time column concerned. `None`
    /// when the results name an entry this config does not have.
    pub span: Option<Span>,
    pub code: Code,
    /// The logical path of the value concerned, e.g. `behaviors[1].tableKey`.
    pub path: String,
    pub help: Option<String>,
}

impl Finding {
    /// The finding as a diagnostic, for the front-ends' renderers (at the document start when it
    /// has no place in the config).
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::new(
            self.code,
            self.message.clone(),
            self.span.unwrap_or_default(),
        )
        .severity(self.severity)
        .path(self.path.clone());
        if let Some(h) = &self.help {
            d = d.help(h.clone());
        }
        d
    }
}

#[derive(Default)]
struct Values {
    rows: Option<u64>,
    distinct: Option<u64>,
    null_keys: Option<u64>,
    no_customer: Option<u64>,
    null_times: Option<u64>,
    min_time: Option<String>,
    max_time: Option<String>,
}

const CHECK_PACK_COLUMNS: &[(&str, &[&str])] = &[
    ("CHECK_NAME", &["CHECK_NAME"]),
    ("SUBJECT", &["SUBJECT"]),
    ("VALUE", &["VALUE"]),
];

/// `12.3%`, `<0.1%`, from integer counts (exact, no float formatting).
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    let per_mille = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    if per_mille == 0 && part > 0 {
        return "<0.1%".into();
    }
    if per_mille == 1000 && part < whole {
        return ">99.9%".into();
    }
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

fn display(t: Option<&Text>) -> String {
    t.map(|t| t.value.to_string()).unwrap_or_else(|| "?".into())
}

fn table_name(schema: Option<&Text>, table: Option<&Text>) -> String {
    format!("{}.{}", display(schema), display(table))
}

/// Reads the exported result of [`check_pack_sql`] (CSV, TSV or JSON with CHECK_NAME, SUBJECT,
/// VALUE) and says what it means for the config, at the entries it is about. Duplicate master
/// keys are counted as `rows - null keys - distinct keys` (COUNT(DISTINCT) skips NULLs).
pub fn check_pack_report(config: &Config, results: &str) -> Result<Vec<Finding>, String> {
    let table = parse_table(results, CHECK_PACK_COLUMNS)?;
    let mut master = Values::default();
    let mut behaviors: HashMap<String, Values> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut known = 0usize;
    let mut bad_values: Vec<String> = Vec::new();
    for (line, row) in &table {
        let [check, subject, value] = [&row[0], &row[1], &row[2]].map(|s| s.trim());
        let number = || -> Option<u64> {
            let v = value.trim_end_matches(".0");
            v.parse::<u64>().ok()
        };
        let mut num = |slot: &mut Option<u64>| match number() {
            Some(n) => *slot = Some(n),
            None => bad_values.push(format!(
                "line {line}: `{}` for {} is not a count",
                shown(value),
                shown(check)
            )),
        };
        if subject == "master" {
            match check {
                "master_rows" => num(&mut master.rows),
                "master_distinct_keys" => num(&mut master.distinct),
                "master_null_keys" => num(&mut master.null_keys),
                _ => continue,
            }
            known += 1;
            continue;
        }
        if !check.starts_with("behavior_") {
            continue;
        }
        if !behaviors.contains_key(subject) {
            if behaviors.len() >= 10_000 {
                continue;
            }
            order.push(subject.to_string());
        }
        let v = behaviors.entry(subject.to_string()).or_default();
        match check {
            "behavior_rows" => num(&mut v.rows),
            "behavior_rows_without_customer" => num(&mut v.no_customer),
            "behavior_null_times" => num(&mut v.null_times),
            "behavior_min_time" => v.min_time = Some(value.to_string()).filter(|s| !s.is_empty()),
            "behavior_max_time" => v.max_time = Some(value.to_string()).filter(|s| !s.is_empty()),
            _ => continue,
        }
        known += 1;
    }
    if known == 0 {
        return Err(format!(
            "no check-pack results found ({} rows read): expected CHECK_NAME values such as `master_rows`; export the result of `cps snowflake check-pack`",
            table.len()
        ));
    }
    if !bad_values.is_empty() {
        let more = bad_values.len().saturating_sub(3);
        let mut msg = bad_values
            .into_iter()
            .take(3)
            .collect::<Vec<_>>()
            .join("; ");
        if more > 0 {
            let _ = write!(msg, "; and {more} more");
        }
        return Err(msg);
    }
    let mut out = Vec::new();
    master_findings(config, &master, &mut out);
    let list: &[Behavior] = config
        .behaviors
        .as_ref()
        .map(|l| l.items.as_slice())
        .unwrap_or(&[]);
    for subject in &order {
        let v = &behaviors[subject];
        let index = subject
            .strip_prefix("behaviors[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, _)| i.parse::<u32>().ok());
        let by_index = list
            .iter()
            .find(|b| Some(b.loc) == index.map(Loc::Behavior))
            .filter(|b| behavior_subject(b) == *subject);
        let by_name = || {
            list.iter().find(|b| {
                behavior_subject(b).split_once(' ').map(|x| x.1)
                    == subject.split_once(' ').map(|x| x.1)
            })
        };
        match by_index.or_else(by_name) {
            Some(b) => behavior_findings(b, subject, v, &mut out),
            None => out.push(Finding {
                severity: Severity::Warning,
                subject: subject.clone(),
                message: format!(
                    "the results are about `{}`, which this config does not have",
                    shown(subject)
                ),
                span: None,
                code: Code::PackStaleResults,
                path: String::new(),
                help: Some("the results come from another version of the config: run the current `cps snowflake check-pack` and export its result again".into()),
            }),
        }
    }
    Ok(out)
}

fn master_findings(config: &Config, v: &Values, out: &mut Vec<Finding>) {
    let Some(m) = &config.master else {
        if v.rows.is_some() {
            out.push(Finding {
                severity: Severity::Warning,
                subject: "master".into(),
                message: "the results are about a master table, and this config has no `master`"
                    .into(),
                span: None,
                code: Code::PackStaleResults,
                path: "master".into(),
                help: Some("run the check pack of this config".into()),
            });
        }
        return;
    };
    let subject = "master".to_string();
    let key = m.key_column.as_ref();
    let key_name = display(key);
    let key_span = key.map(|k| k.span).unwrap_or(m.span);
    let key_path = key.map(|k| m.loc.at(k.key)).unwrap_or("master".into());
    let table = table_name(m.table.schema.as_ref(), m.table.table.as_ref());
    let table_span = m.table.table.as_ref().map(|t| t.span).unwrap_or(m.span);
    let table_path = m
        .table
        .table
        .as_ref()
        .map(|t| m.loc.at(t.key))
        .unwrap_or("master".into());
    let Some(rows) = v.rows else { return };
    if rows == 0 {
        out.push(Finding {
            severity: Severity::Error,
            subject,
            message: format!("the master table `{table}` has no rows"),
            span: Some(table_span),
            code: Code::PackEmptyTable,
            path: table_path,
            help: Some("a parent segment without customers is empty: check the database of the zero-copy config and the table".into()),
        });
        return;
    }
    let nulls = v.null_keys.unwrap_or(0);
    if let Some(distinct) = v.distinct {
        let duplicates = rows.saturating_sub(nulls).saturating_sub(distinct);
        if duplicates > 0 {
            out.push(Finding {
                severity: Severity::Error,
                subject: subject.clone(),
                message: format!(
                    "{duplicates} master rows repeat a key another row already has ({rows} rows, {distinct} distinct keys in `{key_name}`)"
                ),
                span: Some(key_span),
                code: Code::PackDuplicateKeys,
                path: key_path.clone(),
                help: Some(format!(
                    "the Customers table needs one row per customer; list the repeated keys with: SELECT {key_name}, COUNT(*) FROM {table} GROUP BY 1 HAVING COUNT(*) > 1"
                )),
            });
        }
    }
    if nulls > 0 {
        out.push(Finding {
            severity: Severity::Error,
            subject,
            message: format!(
                "{nulls} of {rows} master rows ({}) have no key (`{key_name}` is NULL)",
                percent(nulls, rows)
            ),
            span: Some(key_span),
            code: Code::PackNullKeys,
            path: key_path,
            help: Some(
                "every customer needs a key: fill it, or leave those rows out with a view".into(),
            ),
        });
    }
}

fn behavior_findings(b: &Behavior, subject: &str, v: &Values, out: &mut Vec<Finding>) {
    let table = table_name(b.table.schema.as_ref(), b.table.table.as_ref());
    let table_at = b.table.table.as_ref();
    let at = |t: Option<&Text>| -> (Span, String) {
        match t {
            Some(t) => (t.span, b.loc.at(t.key)),
            None => (b.span, b.loc.path()),
        }
    };
    let finding =
        |severity, code, message: String, (span, path): (Span, String), help: &str| Finding {
            severity,
            subject: subject.to_string(),
            message,
            span: Some(span),
            code,
            path,
            help: Some(help.to_string()),
        };
    let Some(rows) = v.rows else { return };
    if rows == 0 {
        out.push(finding(
            Severity::Warning,
            Code::PackEmptyTable,
            format!("the behavior table `{table}` has no rows"),
            at(table_at),
            "segments will find no events here: check the table, or that the zero-copy config reads the right database",
        ));
        return;
    }
    if let Some(n) = v.no_customer.filter(|&n| n > 0) {
        let key = display(b.table_key.as_ref());
        if n >= rows {
            out.push(finding(
                Severity::Error,
                Code::PackOrphanRows,
                format!(
                    "none of the {rows} rows of `{table}` finds a customer: the join on `{key}` = the master key matches nothing"
                ),
                at(b.table_key.as_ref()),
                "the two columns likely hold different identifiers, or the same ids in another case or format: compare a few values of each, and fix `tableKey` or the data",
            ));
        } else {
            out.push(finding(
                Severity::Warning,
                Code::PackOrphanRows,
                format!(
                    "{n} of {rows} rows of `{table}` ({}) have no customer in the master table (by `{key}`)",
                    percent(n, rows)
                ),
                at(b.table_key.as_ref()),
                "segments do not see those events: check for customers missing from the master table, or keys written differently",
            ));
        }
    }
    if let Some(n) = v.null_times.filter(|&n| n > 0) {
        let time = display(b.time_column.as_ref());
        out.push(finding(
            Severity::Warning,
            Code::PackNullTimes,
            format!(
                "{n} of {rows} rows of `{table}` ({}) have no time (`{time}` is NULL)",
                percent(n, rows)
            ),
            at(b.time_column.as_ref()),
            "events without a time never match time-window conditions: fill the column, or leave those rows out with a view",
        ));
    }
    if let (Some(min), Some(max)) = (&v.min_time, &v.max_time) {
        out.push(finding(
            Severity::Info,
            Code::PackTimeRange,
            format!(
                "`{table}` has events from {} to {}",
                shown(min),
                shown(max)
            ),
            at(b.time_column.as_ref()),
            "check that the range is what you expect: dates far in the past or future usually mean a unit or time-zone mistake",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert_eq!(
            check_account("myorg-account123"),
            Ok(AccountForm::OrgAccount)
        );
        assert_eq!(
            check_account("MYORG-MY_ACCOUNT"),
            Ok(AccountForm::OrgAccount)
        );
        assert_eq!(check_account("xy12345"), Ok(AccountForm::Locator));
        assert_eq!(
            check_account("xy12345.us-east-2"),
            Ok(AccountForm::LocatorWithRegion)
        );
        assert_eq!(
            check_account("xy12345.east-us-2.azure"),
            Ok(AccountForm::LocatorWithRegion)
        );
        let e = check_account("https://myorg-acct.snowflakecomputing.com/").unwrap_err();
        assert!(e.contains("write `myorg-acct`"), "{e}");
        let e = check_account("myorg-acct.snowflakecomputing.com").unwrap_err();
        assert!(e.contains("write `myorg-acct`"), "{e}");
        let e = check_account("myorg-my-acct").unwrap_err();
        assert!(e.contains("myorg-my_acct"), "{e}");
        let e = check_account("MYORG.MYACCT").unwrap_err();
        assert!(e.contains("MYORG-MYACCT"), "{e}");
        let e = check_account("https://app.snowflake.com/myorg/myacct/worksheets").unwrap_err();
        assert!(e.contains("myorg-myacct"), "{e}");
        for bad in [
            "",
            " ",
            "my org",
            "a.b.c.d",
            "xy12345.us-east-2.ibm",
            "-x",
            "x-",
        ] {
            assert!(check_account(bad).is_err(), "{bad}");
        }
        assert!(check_account(&"a".repeat(100_000)).is_err());
    }

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
        let sql = alter_user_sql("td_user", &format!("{}\n{}", &body[..64], &body[64..])).unwrap();
        assert_eq!(
            sql,
            format!("ALTER USER td_user SET RSA_PUBLIC_KEY='{body}';")
        );
        assert!(alter_user_sql("u", "-----BEGIN PUBLIC KEY-----").is_err());
        assert!(alter_user_sql("u", "abc'; DROP TABLE x; --").is_err());
        assert!(alter_user_sql("u", "").is_err());
        assert!(alter_user_sql("", "QUJD").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 100_000), "<0.1%");
        assert_eq!(percent(99_999, 100_000), ">99.9%");
        assert_eq!(percent(5, 5), "100.0%");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0%");
    }
}
