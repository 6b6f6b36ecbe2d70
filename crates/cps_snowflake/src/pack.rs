//! The check pack (spec §5: V20, V21): one query for Snowsight returning `(CHECK_NAME, SUBJECT,
//! VALUE)` rows that measure what only the warehouse can answer (unique, non-NULL master keys;
//! behavior rows that find their customer; filled time columns), and the reader of its exported
//! result, which says what the numbers mean at the config entries they are about.

use crate::export::parse_table;
use crate::shown;
use crate::sql::{comment_text, config_name, database_sql, literal, sql_name};
use cps_core::config::model::{Behavior, Config, Loc, Text};
use cps_core::diagnostics::{Code, Diagnostic, Severity};
use cps_core::syntax::span::Span;
use std::collections::HashMap;
use std::fmt::Write;

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
    fn percentages() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 100_000), "<0.1%");
        assert_eq!(percent(99_999, 100_000), ">99.9%");
        assert_eq!(percent(5, 5), "100.0%");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0%");
    }
}
