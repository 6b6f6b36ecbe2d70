//! `cps push` and `cps zero-copy`: the upload from a terminal or CI, over `cps_td_api`.
//!
//! The key comes from `TD_API_KEY` only (a flag would land in shell history). The plan (create,
//! or update with its difference) is shown first; nothing is sent without `--yes` or a "y" on a
//! terminal, and an update that removes attributes or behaviors also needs `--delete`.

use cps_core::diagnostics::render::{render, Style};
use cps_td_api::native::{block_on, NativeTransport};
use cps_td_api::record::{dry_run_summary, Recording};
use cps_td_api::{ApiError, ApiKey, Client, Done, Plan, Target, Transport};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

pub struct Where {
    pub region: String,
    pub endpoint: Option<String>,
    pub timeout: u64,
}

impl Where {
    fn target(&self) -> Result<Target, String> {
        if let Some(url) = &self.endpoint {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("--endpoint must be an http(s) URL, not `{url}`"));
            }
            return Ok(Target::Custom(url.clone()));
        }
        cps_td_api::region(&self.region)
            .map(Target::Region)
            .ok_or_else(|| {
                format!(
                    "unknown region `{}`; regions: {}",
                    self.region,
                    cps_td_api::REGIONS
                        .iter()
                        .map(|r| r.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// The transport remembers what it sent, so a dry run can say exactly that.
    fn client(&self, key: ApiKey) -> Result<Client<Recording<NativeTransport>>, String> {
        Ok(Client::new(
            Recording::new(NativeTransport::new(Duration::from_secs(self.timeout))),
            self.target()?,
            key,
        ))
    }
}

fn key_from_env() -> Result<Option<ApiKey>, String> {
    match std::env::var("TD_API_KEY") {
        Ok(k) if !k.trim().is_empty() => ApiKey::new(&k).map(Some),
        _ => Ok(None),
    }
}

const NO_KEY: &str = "set TD_API_KEY to your TD API key (`<key id>/<secret>`, a master key is recommended); it is read from the environment so it never lands in shell history";

pub struct PushArgs {
    pub dry_run: bool,
    pub yes: bool,
    pub delete: bool,
    /// Show TD's raw answer in full (otherwise its first 600 characters).
    pub verbose: bool,
}

pub fn push(
    file: &str,
    text: &str,
    checked: &cps_core::Checked,
    at: &Where,
    args: &PushArgs,
    style: &Style,
) -> ExitCode {
    let body = match cps_td_api::upload_body(checked) {
        Ok(b) => b,
        Err(e) => {
            for d in checked
                .diagnostics
                .iter()
                .filter(|d| d.severity == cps_core::Severity::Error)
            {
                eprintln!("{}", render(file, text, &checked.line_index, d, style));
            }
            eprintln!("cps: not pushed: {e}");
            return ExitCode::from(1);
        }
    };
    let key = match key_from_env() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("cps: TD_API_KEY: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(key) = key else {
        if args.dry_run {
            // Without a key the plan is unknown, but the create request can still be shown.
            let client =
                match at.client(ApiKey::new("TD_API_KEY").expect("placeholder is a valid key")) {
                    Ok(c) => c,
                    Err(e) => return usage(&e),
                };
            println!("Without TD_API_KEY cps cannot look up whether “{}” exists; this is the create request:\n", body["name"].as_str().unwrap_or(""));
            return show_request(&client, &Plan::Create, &body);
        }
        return usage(NO_KEY);
    };
    let client = match at.client(key) {
        Ok(c) => c,
        Err(e) => return usage(&e),
    };
    let plan = match block_on(client.plan(&body)) {
        Ok(p) => p,
        Err(e) => return failed(&client, &e, file, text, checked, style, args.verbose),
    };
    let name = body["name"].as_str().unwrap_or("");
    match &plan {
        Plan::Create => println!("Plan: create the parent segment “{}”.", crate::human(name)),
        Plan::Update { existing, diff } => {
            println!(
                "Plan: update “{}” (id {}), which already exists.",
                crate::human(name),
                crate::human(&existing.id)
            );
            if diff.is_empty() {
                println!("  No differences: the update sends the same config again.");
            }
            for line in diff.lines() {
                println!("  {line}");
            }
            println!("  (An update replaces the attribute and behavior lists: a renamed entry is a removal plus an addition, and every entry gets a new server id.)");
        }
    }
    if args.dry_run {
        println!();
        return show_request(&client, &plan, &body);
    }
    if let Plan::Update { diff, .. } = &plan {
        let removals = diff.removals();
        if !removals.is_empty() && !args.delete {
            eprintln!(
                "cps: not pushed: the update would remove {}. Segment rules that use them stop working. Re-run with --delete to allow it.",
                removals.join(", ")
            );
            return ExitCode::from(1);
        }
    }
    if !args.yes && !confirm() {
        eprintln!("cps: not pushed (confirm with --yes, or answer y on a terminal)");
        return ExitCode::from(1);
    }
    match block_on(client.apply(&plan, &body, args.delete)) {
        Ok(outcome) => {
            print_notes(&client);
            let verb = match outcome.done {
                Done::Created => "created",
                Done::Updated => "updated",
            };
            // The name and id are TD's answer: escaped like every other text from the server.
            println!(
                "cps: {verb} “{}”, id {}",
                crate::human(&outcome.segment.name),
                crate::human(&outcome.segment.id)
            );
            if outcome.recovered {
                println!("     (the first answer was lost; cps found the segment by name instead of creating it again)");
            }
            if let Some(retried) = cps_td_api::retry_summary(&outcome.retries) {
                println!("     ({})", crate::human(&retried));
            }
            if let Some(link) = outcome.console {
                println!("     {}", crate::human(link));
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&client, &e, file, text, checked, style, args.verbose),
    }
}

/// The request the plan would send, as text and as curl, then what the dry run did send: the
/// plan may have read the segment list (and one segment) to decide between create and update.
fn show_request(
    client: &Client<Recording<NativeTransport>>,
    plan: &Plan,
    body: &serde_json::Value,
) -> ExitCode {
    let pretty = serde_json::to_string_pretty(body).unwrap_or_default();
    let request = match plan {
        Plan::Create => client.request(
            cps_td_api::endpoints::Call::CreateSegment,
            None,
            Some(pretty),
        ),
        Plan::Update { existing, .. } => client.request(
            cps_td_api::endpoints::Call::UpdateSegment,
            Some(&existing.id),
            Some(pretty),
        ),
    };
    match request {
        Ok(r) => {
            println!("{}", r.describe());
            println!(
                "As curl (save the body above as parent_segment.json):\n{}",
                r.to_curl("parent_segment.json")
            );
            println!("\n{}", dry_run_summary(&client.transport.sent()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cps: {}", crate::human_lines(&e.explain()));
            ExitCode::from(1)
        }
    }
}

fn confirm() -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    print!("Proceed? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}

fn print_notes<T: Transport>(client: &Client<T>) {
    // Notes quote TD (ids, names, titles): escaped like its answers.
    for n in client.take_notes() {
        eprintln!("cps: {}", crate::human(n));
    }
}

fn usage(e: &str) -> ExitCode {
    eprintln!("cps: {}", crate::human(e));
    ExitCode::from(2)
}

/// The error, explained; what TD's answer names is shown as diagnostics in the file, and the
/// answer itself last, as TD sent it (for the user and for TD support).
fn failed<T: Transport>(
    client: &Client<T>,
    e: &ApiError,
    file: &str,
    text: &str,
    checked: &cps_core::Checked,
    style: &Style,
    verbose: bool,
) -> ExitCode {
    print_notes(client);
    if let Some(config) = &checked.config {
        let mut located = cps_td_api::locate::locate(config, e);
        cps_core::sort_diagnostics(&mut located);
        for d in located {
            eprintln!("{}", render(file, text, &checked.line_index, &d, style));
        }
    }
    explain(e, verbose);
    ExitCode::from(1)
}

/// Shown unless `--verbose` asks for all of TD's raw answer.
const RAW_SHOWN: usize = 600;

fn explain(e: &ApiError, verbose: bool) {
    eprintln!(
        "cps: {}",
        crate::human_lines(&e.explain()).replace('\n', "\n     ")
    );
    let Some(reply) = e.reply() else { return };
    let raw = reply.raw.trim();
    if raw.is_empty() {
        return;
    }
    let who = if reply.from_proxy { "cps serve" } else { "TD" };
    let status = e
        .status()
        .map(|s| format!(", HTTP {s}"))
        .unwrap_or_default();
    let shown: String = raw.chars().take(RAW_SHOWN).collect();
    if verbose || shown.len() == raw.len() {
        eprintln!(
            "     {who}'s answer ({}{status}): {}",
            reply.shape.as_str(),
            crate::human_lines(raw)
        );
    } else {
        eprintln!(
            "     {who}'s answer ({}{status}): {}… (--verbose shows all of it)",
            reply.shape.as_str(),
            crate::human_lines(&shown)
        );
    }
}

/// `cps zero-copy`: the account's zero-copy configs, to pick a `federatedQueryConfigId`.
pub fn zero_copy(at: &Where) -> ExitCode {
    let key = match key_from_env() {
        Ok(Some(k)) => k,
        Ok(None) => return usage(NO_KEY),
        Err(e) => return usage(&format!("TD_API_KEY: {e}")),
    };
    let client = match at.client(key) {
        Ok(c) => c,
        Err(e) => return usage(&e),
    };
    match block_on(client.list_zero_copy_configs()) {
        Ok(list) => {
            print_notes(&client);
            if list.is_empty() {
                println!("No zero-copy configs: create one in the TD console (Integration Hub → Zero-Copy).");
            }
            println!("{:<8} {:<28} {:<11} DATABASE", "ID", "NAME", "TYPE");
            for c in list {
                println!(
                    "{:<8} {:<28} {:<11} {}",
                    crate::human(&c.id),
                    crate::human(&c.name),
                    crate::human(&c.kind),
                    crate::human(c.database.unwrap_or_default())
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            print_notes(&client);
            explain(&e, false);
            ExitCode::from(1)
        }
    }
}
