//! `cps`: check and convert Composable Parent Segment configs from a terminal or CI.
//!
//! A thin edge over `cps_core`: it reads files, picks colours, writes output and sets the exit
//! code (0 clean or warnings only, 1 errors found, 2 could not run). All checking is the core's.

mod ci;
mod keys;
mod push;
mod serve;
mod snowflake;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use cps_core::diagnostics::render::{escape, render, Style};
use cps_core::output::convert::{blocks_conversion, Target};
use cps_core::Options;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cps",
    version,
    about = "Check and convert Treasure Data Composable Parent Segment configs",
    long_about = "Check and convert Treasure Data Composable Parent Segment configs: the API's JSON body, \
                  the same in YAML, the tdx CLI's YAML, or a GET response (flat).\n\nExit codes: 0 no errors (warnings allowed), \
                  1 errors found, 2 could not run."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct CheckArgs {
    /// Warehouse behind the zero-copy connection [default: inferred from the file, else snowflake]
    #[arg(long, value_enum)]
    warehouse: Option<WarehouseArg>,
    /// Which `type` values the backend accepts, and whether it wants `type` at all (TD's
    /// sources disagree)
    #[arg(long, value_enum, default_value = "published")]
    types: TypesArg,
    /// How names are matched against the warehouse (TD's sources disagree)
    #[arg(long, value_enum, default_value = "exact")]
    identifier_case: CaseArg,
}

impl CheckArgs {
    fn options(&self) -> Options {
        Options {
            warehouse: self.warehouse.map(warehouse_of),
            types: match self.types {
                TypesArg::Published => cps_core::TypeProfile::Published,
                TypesArg::Tdx202607 => cps_core::TypeProfile::Tdx202607,
                TypesArg::Tdx202608 => cps_core::TypeProfile::Tdx202608,
                TypesArg::LegacyApiCas => cps_core::TypeProfile::LegacyApiCas,
            },
            identifier_case: match self.identifier_case {
                CaseArg::Exact => cps_core::IdentifierCase::Exact,
                CaseArg::Lowercase => cps_core::IdentifierCase::Lowercase,
            },
        }
    }
}

#[derive(clap::Args, Clone)]
struct WhereArgs {
    /// TD region: us, tokyo, eu01, ap02, ap03 (hosts in docs/td-api.md)
    #[arg(long, default_value = cps_td_api::endpoints::DEFAULT_REGION)]
    region: String,
    /// A base URL instead of the region's hosts (e.g. one TD support gave you)
    #[arg(long)]
    endpoint: Option<String>,
    /// Seconds before one call is given up
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

impl WhereArgs {
    fn resolve(&self) -> push::Where {
        push::Where {
            region: self.region.clone(),
            endpoint: self.endpoint.clone(),
            timeout: self.timeout,
        }
    }
}

fn warehouse_of(w: WarehouseArg) -> cps_core::Warehouse {
    match w {
        WarehouseArg::Snowflake => cps_core::Warehouse::Snowflake,
        WarehouseArg::Databricks => cps_core::Warehouse::Databricks,
        WarehouseArg::Bigquery => cps_core::Warehouse::Bigquery,
    }
}

#[derive(Copy, Clone, ValueEnum)]
enum WarehouseArg {
    Snowflake,
    Databricks,
    Bigquery,
}

#[derive(Copy, Clone, ValueEnum)]
enum TypesArg {
    /// string, number, timestamp, date, string_array, number_array, boolean; `type` optional
    /// (TD's published CDP API schema, S31). `current` is its name before Dec 2026
    #[value(alias = "current")]
    Published,
    /// the same seven, a `type` on every entry (tdx CAS skill, July 2026, S11)
    #[value(name = "tdx-2026-07")]
    Tdx202607,
    /// string, number, timestamp, string_array, number_array (tdx CAS skill, Aug 2026, S11; classic CDP API, S13)
    #[value(name = "tdx-2026-08")]
    Tdx202608,
    /// string, number (the legacy api-cas host, March 2026, S10)
    LegacyApiCas,
}

#[derive(Copy, Clone, ValueEnum)]
enum CaseArg {
    /// Names match case-sensitively; unquoted names resolve to upper case (current backend)
    Exact,
    /// Names are expected in lower case (legacy api-cas host)
    Lowercase,
}

#[derive(Copy, Clone, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
}

/// `cps validate`'s output formats.
#[derive(Copy, Clone, ValueEnum, PartialEq)]
enum ReportFormat {
    /// Source frames and a summary line per file
    Human,
    /// The versioned report (docs in the README)
    Json,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations on the changed lines)
    Github,
}

#[derive(Copy, Clone, ValueEnum, PartialEq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, ValueEnum)]
enum ToArg {
    ApiJson,
    ApiYaml,
    TdxYaml,
}

#[derive(Subcommand)]
enum Command {
    /// Check configs and report every problem with its position, code and fix
    ///
    /// A folder is a project as `tdx cas pull` writes it (`cas/<audience>.yml` with its segments,
    /// also in subfolders; the folder may hold `cas/` or be it): every segment is checked against
    /// the audience file, journeys are skipped. Files given together form a project when one of
    /// them is a segment.
    Validate {
        /// Files or folders to check; `-` reads standard input
        #[arg(required = true, value_name = "PATH")]
        files: Vec<String>,
        /// The audience file (parent segment) the segments given are checked against
        #[arg(long, value_name = "AUDIENCE")]
        parent: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: ReportFormat,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorArg,
        /// A catalog export (the result of `cps snowflake catalog-query`, as CSV, TSV or JSON):
        /// also check names, types and time columns against it
        #[arg(long, value_name = "EXPORT")]
        catalog: Option<PathBuf>,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Convert a config to the API's JSON body, the same in YAML, or tdx YAML (refused while it has errors)
    Convert {
        /// File to convert; `-` reads standard input
        file: String,
        #[arg(long, value_enum)]
        to: ToArg,
        /// Write here instead of standard output
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorArg,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// Print the JSON Schema of both YAML dialects (for editor completion and hints)
    Schema,
    /// Serve the built page (dist/) on this machine, with a proxy to TD's API at /td/
    Serve {
        /// The built site
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
        /// Port; 0 picks a free one (the address is printed)
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on: loopback unless you mean otherwise
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Also forward the page's "custom" region to this base URL (a TD gateway, or a test server)
        #[arg(long)]
        td_endpoint: Option<String>,
        /// Milliseconds a client has to send a whole request, head and body (tests shorten it)
        #[arg(long, default_value_t = 10_000, hide = true)]
        deadline_ms: u64,
        /// Connections open at once; more are answered 503 and closed
        #[arg(long, default_value_t = 64, hide = true)]
        max_connections: usize,
    },
    /// Upload a config to TD: create it, or update the segment with its name (key from TD_API_KEY)
    Push {
        /// The config file; `-` reads standard input
        file: String,
        #[command(flatten)]
        at: WhereArgs,
        /// Show the plan and the exact request (key masked) and a curl command; send nothing
        #[arg(long)]
        dry_run: bool,
        /// Do it without asking
        #[arg(long)]
        yes: bool,
        /// Allow an update that removes attributes or behaviors
        #[arg(long)]
        delete: bool,
        /// On a refusal, show TD's raw answer in full (otherwise its first 600 characters)
        #[arg(long)]
        verbose: bool,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorArg,
        #[command(flatten)]
        check: CheckArgs,
    },
    /// List the account's zero-copy configs (the ids `federatedQueryConfigId` takes; key from TD_API_KEY)
    ZeroCopy {
        #[command(flatten)]
        at: WhereArgs,
    },
    /// Check RSA keys for Snowflake key-pair auth (`cps key check FILE [FILE2]`)
    Key {
        #[command(subcommand)]
        command: keys::KeyCommand,
    },
    /// Generate an RSA key pair for Snowflake key-pair auth: rsa_key.p8 and rsa_key.pub
    Keygen(keys::KeygenArgs),
    /// Snowflake setup: grants, the catalog query, the check pack and its results, account ids
    Snowflake {
        #[command(subcommand)]
        command: snowflake::SnowflakeCommand,
    },
    /// Explain a diagnostic code
    Explain {
        /// A code such as `missing-key`
        code: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate {
            files,
            parent,
            format,
            color,
            catalog,
            check,
        } => {
            let catalog = match catalog.map(|p| snowflake::read_catalog(&p)).transpose() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("cps: {}", human(&e));
                    return ExitCode::from(2);
                }
            };
            validate::run(&validate::Args {
                paths: &files,
                parent: parent.as_deref(),
                format,
                color: use_color(color),
                options: &check.options(),
                catalog: catalog.as_ref(),
            })
        }
        Command::Convert {
            file,
            to,
            output,
            color,
            check,
        } => convert(&file, to, output, use_color(color), &check.options()),
        Command::Schema => {
            print!("{}", cps_core::output::schema::json_schema_text());
            ExitCode::SUCCESS
        }
        Command::Explain { code } => explain(&code),
        Command::Push {
            file,
            at,
            dry_run,
            yes,
            delete,
            verbose,
            color,
            check,
        } => {
            let bytes = match read_input(&file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("cps: {}", human(&e));
                    return ExitCode::from(2);
                }
            };
            let (text, mut checked) = check_bytes(&bytes, name_of(&file), &check.options());
            checked.expect_parent("`cps push` uploads parent segments; TD's published API has no path that writes segments");
            let style = cps_core::diagnostics::render::Style {
                color: use_color(color) && std::io::stderr().is_terminal(),
            };
            push::push(
                display_name(&file),
                &text,
                &checked,
                &at.resolve(),
                &push::PushArgs {
                    dry_run,
                    yes,
                    delete,
                    verbose,
                },
                &style,
            )
        }
        Command::ZeroCopy { at } => push::zero_copy(&at.resolve()),
        Command::Key { command } => keys::run(command),
        Command::Keygen(args) => keys::keygen(&args),
        Command::Snowflake { command } => snowflake::run(command),
        Command::Serve {
            dir,
            port,
            host,
            td_endpoint,
            deadline_ms,
            max_connections,
        } => match serve::run(
            &dir,
            &host,
            port,
            td_endpoint,
            serve::Limits {
                deadline: std::time::Duration::from_millis(deadline_ms),
                max_connections,
            },
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cps: {}", human(&e));
                ExitCode::from(2)
            }
        },
    }
}

fn use_color(c: ColorArg) -> bool {
    match c {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn read_input(file: &str) -> Result<Vec<u8>, String> {
    // Read at most one byte more than the core accepts, so a huge file or an endless stream
    // (`/dev/zero`) cannot exhaust memory; the core reports the size.
    let limit = cps_core::MAX_INPUT_BYTES as u64 + 1;
    let mut buf = Vec::new();
    let res = if file == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut buf)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(limit).read_to_end(&mut buf))
    };
    res.map(|_| buf)
        .map_err(|e| format!("cannot read {}: {e}", display_name(file)))
}

/// Text from outside (file names, messages that quote names from files and exports, TD's
/// answers) as a terminal shows it: control characters and bidirectional overrides escaped, so
/// no name can send escape sequences to the user's terminal. JSON output needs none of this.
pub(crate) fn human(text: impl std::fmt::Display) -> String {
    escape(&text.to_string()).into_owned()
}

/// [`human`] for text of several lines (TD's explained errors): each line escaped, the line
/// breaks kept.
pub(crate) fn human_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn display_name(file: &str) -> &str {
    if file == "-" {
        "<stdin>"
    } else {
        file
    }
}

/// The file's name, for what a name alone says (tdx names journeys `*.journey.yml`).
fn name_of(file: &str) -> Option<&str> {
    (file != "-").then_some(file)
}

fn check_bytes(bytes: &[u8], name: Option<&str>, options: &Options) -> (String, cps_core::Checked) {
    let checked = cps_core::check_bytes_named(bytes, name, options);
    (String::from_utf8_lossy(bytes).into_owned(), checked)
}

pub(crate) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn convert(
    file: &str,
    to: ToArg,
    output: Option<PathBuf>,
    color: bool,
    options: &Options,
) -> ExitCode {
    let name = display_name(file);
    let bytes = match read_input(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cps: {}", human(&e));
            return ExitCode::from(2);
        }
    };
    let (text, mut checked) = check_bytes(&bytes, name_of(file), options);
    checked.expect_parent("`cps convert` converts parent segments; a segment file is tdx YAML, the only form tdx pushes, and stays so");
    let target = match to {
        ToArg::ApiJson => Target::ApiJson,
        ToArg::ApiYaml => Target::ApiYaml,
        ToArg::TdxYaml => Target::TdxYaml,
    };
    let style = Style {
        color: color && std::io::stderr().is_terminal(),
    };
    let blocking: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| blocks_conversion(d))
        .collect();
    let Some(config) = checked.config.as_ref().filter(|_| blocking.is_empty()) else {
        for d in &blocking {
            eprintln!("{}", render(name, &text, &checked.line_index, d, &style));
        }
        eprintln!(
            "cps: not converted: {} has {} (run `cps validate {}` for the full report)",
            human(name),
            plural(blocking.len().max(1), "error"),
            human(name)
        );
        return ExitCode::from(1);
    };
    let converted = cps_core::output::convert::write(config, &checked.settings, target);
    // What the target format cannot carry is said, never dropped silently (standard error, so
    // the converted text on standard output stays clean).
    for lost in cps_core::output::convert::left_out(config, target) {
        eprintln!("cps: note: left out {}", human(&lost));
    }
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, converted) {
                eprintln!("cps: cannot write {}: {e}", human(path.display()));
                return ExitCode::from(2);
            }
        }
        None => {
            print!("{converted}");
        }
    }
    ExitCode::SUCCESS
}

/// A code as a user may paste it: `invalid-type`, `INVALID_TYPE`, or the whole `error[invalid-type]`
/// from a report.
fn code_name(given: &str) -> String {
    let mut s = given.trim();
    if let Some((_, rest)) = s.split_once('[') {
        s = rest.trim_end_matches(']');
    }
    s.trim().to_ascii_lowercase().replace('_', "-")
}

fn explain(code: &str) -> ExitCode {
    match cps_core::Code::from_name(&code_name(code)) {
        Some(c) => {
            let doc = c.doc();
            println!(
                "{} ({})\n\n{}\n\nWhy: {}\n\nExample: {}\n\nSources: {}",
                c.as_str(),
                c.severity().as_str(),
                doc.summary,
                doc.why,
                doc.example,
                doc.sources
            );
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "cps: unknown code `{}`; codes are listed in docs/diagnostics.md",
                human(code)
            );
            ExitCode::from(2)
        }
    }
}
