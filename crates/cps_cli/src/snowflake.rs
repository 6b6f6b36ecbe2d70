//! `cps snowflake …` and `cps validate --catalog`: the Snowflake side of the setup from a
//! terminal. The SQL texts, account ids, the catalog checks and the check pack's report are
//! `cps_snowflake`'s (`sql`, `account`, `catalog`, `pack`); this edge reads files and prints.

use crate::{display_name, human, read_input, use_color, ColorArg};
use cps_core::diagnostics::render::{render, Style};
use cps_core::{Checked, Config, Options, Severity};
use cps_snowflake::catalog::{self, Catalog};
use cps_snowflake::sql::{self, Grants};
use cps_snowflake::{account, export, pack};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum SnowflakeCommand {
    /// Print the GRANT statements TD's role needs to read every table the config names
    Grants {
        /// The config file; `-` reads standard input
        file: String,
        /// The role TD's zero-copy connection uses
        #[arg(long)]
        role: String,
        /// The warehouse TD's queries run on
        #[arg(long)]
        warehouse: String,
        /// The database holding the tables (the zero-copy config's database)
        #[arg(long)]
        database: String,
        /// The zero-copy config's default schema: used for entries without `schema`, and granted
        #[arg(long)]
        schema: Option<String>,
        /// The Snowflake user TD signs in as
        #[arg(long)]
        user: String,
    },
    /// Print the query whose exported result is the catalog for `cps validate --catalog`, in the
    /// SQL of the config's warehouse (Snowflake, BigQuery or Databricks)
    CatalogQuery {
        /// The config file; `-` reads standard input
        file: String,
        /// Snowflake: the database holding the tables (BigQuery and Databricks read `catalog`)
        #[arg(long)]
        database: Option<String>,
        /// The warehouse: a config with `connectionId` and `catalog` cannot tell Databricks from
        /// BigQuery [default: inferred from the file, else snowflake]
        #[arg(long, value_enum)]
        warehouse: Option<crate::WarehouseArg>,
    },
    /// Print one query that measures the data: unique master keys, behavior rows without a
    /// customer, empty time values (read its result with `cps snowflake check-results`)
    CheckPack {
        /// The config file; `-` reads standard input
        file: String,
        /// The database holding the tables
        #[arg(long)]
        database: String,
    },
    /// Read the check pack's exported result (CSV, TSV or JSON) and report it at the config's lines
    CheckResults {
        /// The config file the check pack was made from
        file: String,
        /// The exported result of `cps snowflake check-pack`
        results: String,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorArg,
    },
    /// Check a Snowflake account identifier (`orgname-account_name`)
    Account {
        /// The identifier, as you would type it into TD's zero-copy form
        id: String,
    },
}

pub fn run(command: SnowflakeCommand) -> ExitCode {
    match command {
        SnowflakeCommand::Grants {
            file,
            role,
            warehouse,
            database,
            schema,
            user,
        } => with_config(&file, None, |config, w| {
            snowflake_only(w, "grants")?;
            sql::grants_sql(
                config,
                &Grants {
                    role: &role,
                    warehouse: &warehouse,
                    database: &database,
                    schema: schema.as_deref().unwrap_or(""),
                    user: &user,
                },
            )
        }),
        SnowflakeCommand::CatalogQuery {
            file,
            database,
            warehouse,
        } => {
            let given = warehouse.map(crate::warehouse_of);
            with_config(&file, given, |config, settings| {
                if given.is_none() && settings.warehouse.uses_catalog() {
                    return Err("this config names its tables with `connectionId` and `catalog`: Databricks or BigQuery, which the file cannot tell apart; give --warehouse databricks or --warehouse bigquery for that warehouse's catalog query".into());
                }
                sql::catalog_query_for(config, settings.warehouse, database.as_deref())
            })
        }
        SnowflakeCommand::CheckPack { file, database } => with_config(&file, None, |config, w| {
            snowflake_only(w, "check-pack")?;
            sql::sql_name(&database).map_err(|e| format!("database: {e}"))?;
            Ok(pack::check_pack_sql(config, &database))
        }),
        SnowflakeCommand::CheckResults {
            file,
            results,
            color,
        } => check_results(&file, &results, use_color(color)),
        SnowflakeCommand::Account { id } => match account::check_account(&id) {
            Ok(form) => {
                println!("{}: {}", human(&id), form.describe());
                ExitCode::SUCCESS
            }
            Err(why) => {
                eprintln!("cps: {}", human(why));
                ExitCode::from(1)
            }
        },
    }
}

/// The SQL of these commands is Snowflake's: a config for another warehouse gets a clear refusal
/// rather than Snowflake SQL with its names upper-cased.
fn snowflake_only(settings: &cps_core::Settings, command: &str) -> Result<(), String> {
    if settings.warehouse.uses_catalog() {
        return Err(format!(
            "`cps snowflake {command}` writes Snowflake SQL, and this config names its tables with `connectionId` and `catalog` (Databricks or BigQuery)"
        ));
    }
    Ok(())
}

/// Reads and checks a config; `None` (after reporting why) when it has no readable config.
fn load(file: &str, warehouse: Option<cps_core::Warehouse>) -> Result<(String, Checked), ExitCode> {
    let bytes = read_input(file).map_err(|e| {
        eprintln!("cps: {}", human(&e));
        ExitCode::from(2)
    })?;
    let options = Options {
        warehouse,
        ..Options::default()
    };
    let (text, checked) = crate::check_bytes(&bytes, crate::name_of(file), &options);
    let name = display_name(file);
    if checked.config.is_none() {
        let style = Style {
            color: std::io::stderr().is_terminal() && use_color(ColorArg::Auto),
        };
        for d in checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            eprintln!("{}", render(name, &text, &checked.line_index, d, &style));
        }
        eprintln!("cps: {} holds no readable config", human(name));
        return Err(ExitCode::from(1));
    }
    let errors = checked.count(Severity::Error);
    if errors > 0 {
        eprintln!(
            "cps: note: {name} has {} (run `cps validate {name}`); the SQL uses the names as written",
            if errors == 1 {
                "1 error".to_string()
            } else {
                format!("{errors} errors")
            },
            name = human(name),
        );
    }
    Ok((text, checked))
}

fn with_config(
    file: &str,
    warehouse: Option<cps_core::Warehouse>,
    make: impl FnOnce(&Config, &cps_core::Settings) -> Result<String, String>,
) -> ExitCode {
    let (_, checked) = match load(file, warehouse) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let Some(config) = checked.config.as_ref() else {
        return ExitCode::from(1);
    };
    match make(config, &checked.settings) {
        Ok(sql) => {
            print!("{sql}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cps: {}", human(&e));
            ExitCode::from(1)
        }
    }
}

/// Reads an export (a catalog or check-pack results): a file, or `-` for standard input, at most
/// the size the core reads.
fn read_export(file: &str) -> Result<String, String> {
    let limit = export::MAX_EXPORT_BYTES as u64 + 1;
    let mut buf = Vec::new();
    let res = if file == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut buf)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(limit).read_to_end(&mut buf))
    };
    res.map_err(|e| format!("cannot read {}: {e}", human(display_name(file))))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `--catalog EXPORT`: the parsed catalog, or why it could not be read.
pub fn read_catalog(path: &Path) -> Result<Catalog, String> {
    let file = path.to_string_lossy();
    let text = read_export(&file).map_err(|e| format!("the catalog: {e}"))?;
    catalog::parse_catalog(&text).map_err(|e| format!("cannot read the catalog {file}: {e}"))
}

/// `cps validate`'s check, with the catalog checks when a catalog was given.
pub fn check_bytes(
    bytes: &[u8],
    name: Option<&str>,
    options: &Options,
    catalog: Option<&Catalog>,
) -> (String, Checked) {
    match (catalog, std::str::from_utf8(bytes)) {
        (Some(c), Ok(text)) => (
            text.to_string(),
            cps_snowflake::check_with_catalog_named(text, name, options, Some(c)),
        ),
        _ => crate::check_bytes(bytes, name, options),
    }
}

fn check_results(file: &str, results: &str, color: bool) -> ExitCode {
    let (text, checked) = match load(file, None) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let Some(config) = checked.config.as_ref() else {
        return ExitCode::from(1);
    };
    let exported = match read_export(results) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cps: {}", human(&e));
            return ExitCode::from(2);
        }
    };
    let findings = match pack::check_pack_report(config, &exported) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "cps: cannot read the results {}: {}",
                human(display_name(results)),
                human(&e)
            );
            return ExitCode::from(2);
        }
    };
    let name = display_name(file);
    let style = Style { color };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut errors, mut warnings) = (0usize, 0usize);
    for f in &findings {
        match f.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Info => {}
        }
        let d = f.to_diagnostic();
        if f.span.is_some() {
            let _ = writeln!(
                out,
                "{}",
                render(name, &text, &checked.line_index, &d, &style)
            );
        } else {
            // Not about any place in this config: no source frame.
            let _ = writeln!(
                out,
                "{}[{}]: {}",
                d.severity.as_str(),
                d.code.as_str(),
                human(&d.message)
            );
            if let Some(h) = &d.help {
                let _ = writeln!(out, "  = help: {}", human(h));
            }
            let _ = writeln!(out);
        }
    }
    let plural = |n: usize, what: &str| {
        if n == 1 {
            format!("1 {what}")
        } else {
            format!("{n} {what}s")
        }
    };
    let _ = writeln!(
        out,
        "{}: {}, {} (check pack results {})",
        human(name),
        plural(errors, "error"),
        plural(warnings, "warning"),
        human(display_name(results))
    );
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
