//! `cps validate`: files, folders and projects. A folder is a project laid out as `tdx cas pull`
//! writes it (`cas/<audience>.yml`, `cas/<slug>.yml`, `cas/<Folder>/<slug>.yml`; the folder may
//! be the project root holding `cas/`, or `cas/` itself); files given together form a project
//! when one of them is a segment, or with `--parent`. The checking is `cps_core`'s
//! ([`cps_core::Project`]); this edge finds the files, reads them and prints.

use crate::{
    ci, display_name, human, name_of, plural, read_input, snowflake, ReportFormat as Format,
};
use cps_core::diagnostics::group::group;
use cps_core::diagnostics::render::{render_group, Style};
use cps_core::diagnostics::report::{self, FileReport, Report};
use cps_core::{ColumnUnit, FileKind, Options, Project, ProjectFile, Severity};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How deep a folder is searched: `cas/<Folder>/<Sub>/<slug>.yml` is a few levels, but a
/// segment's `folder:` path may nest further; the bound keeps a huge tree from running away
/// (symlinked folders are not followed). A folder past it is named on standard error, never
/// skipped silently.
const MAX_DEPTH: usize = 32;

/// At most this many files are read from one folder (a pulled project holds tens).
const MAX_FILES: usize = 10_000;

pub struct Args<'a> {
    pub paths: &'a [String],
    pub parent: Option<&'a str>,
    pub format: Format,
    pub color: bool,
    pub options: &'a Options,
    pub catalog: Option<&'a cps_snowflake::catalog::Catalog>,
}

/// One set of files checked together.
struct Group {
    /// `(shown name, path to read)`.
    files: Vec<(String, String)>,
    /// Whether the files are a project whatever they hold (a folder, or `--parent`).
    project: bool,
    /// The first file is the one given with `--parent`.
    parent_first: bool,
}

pub fn run(a: &Args) -> ExitCode {
    let groups = match groups(a.paths, a.parent) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("cps: {}", human(&e));
            return ExitCode::from(2);
        }
    };
    let style = Style { color: a.color };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut reports: Vec<FileReport> = Vec::new();
    let (mut errors, mut warnings, mut files_seen) = (0usize, 0usize, 0usize);
    let mut unreadable = false;
    for g in groups {
        let mut checked_files = Vec::new();
        for (name, path) in &g.files {
            files_seen += 1;
            let bytes = match read_input(path) {
                Ok(b) => b,
                Err(e) => {
                    unreadable = true;
                    eprintln!("cps: {}", human(&e));
                    reports.push(unreadable_report(name, e));
                    continue;
                }
            };
            let (text, checked) =
                snowflake::check_bytes(&bytes, name_of(path), a.options, a.catalog);
            checked_files.push(ProjectFile::new(name.clone(), text, checked));
        }
        if g.parent_first {
            if let Some(first) = checked_files.first_mut() {
                first.checked.expect_parent(
                    "`--parent` names the audience file (the parent segment) the segments are checked against",
                );
            }
        }
        let is_project = g.project
            || checked_files
                .iter()
                .any(|f| f.checked.kind == Some(FileKind::Segment));
        let project = if is_project {
            Project::link(checked_files)
        } else {
            // Parent segments given together are checked one by one, as before projects.
            Project {
                files: checked_files,
                audience: None,
            }
        };
        errors += project.count(Severity::Error);
        warnings += project.count(Severity::Warning);
        match a.format {
            Format::Human => human_output(&mut out, &project, &style),
            _ => reports.extend(report::project_reports(&project, ColumnUnit::Chars)),
        }
    }
    let any_error = errors > 0;
    match a.format {
        Format::Human => {
            if files_seen > 1 {
                let _ = writeln!(
                    out,
                    "{files_seen} files: {}, {}",
                    plural(errors, "error"),
                    plural(warnings, "warning")
                );
            }
        }
        Format::Json => {
            let report = Report {
                version: report::VERSION,
                files: reports,
            };
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        Format::Sarif => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&ci::sarif(&reports)).unwrap_or_default()
            );
        }
        Format::Github => {
            let _ = write!(out, "{}", ci::github(&reports));
            let _ = writeln!(
                out,
                "cps: {}: {}, {}",
                plural(files_seen, "file"),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn unreadable_report(name: &str, e: String) -> FileReport {
    FileReport {
        file: name.to_string(),
        format: None,
        kind: None,
        parent: None,
        settings: None,
        diagnostics: Vec::new(),
        error: Some(e),
    }
}

/// The groups the paths make: each folder is a project of its own; the files given are one
/// group; with `--parent`, everything is one project with the parent first.
fn groups(paths: &[String], parent: Option<&str>) -> Result<Vec<Group>, String> {
    let mut loose = Group {
        files: Vec::new(),
        project: parent.is_some(),
        parent_first: parent.is_some(),
    };
    if let Some(p) = parent {
        loose
            .files
            .push((display_name(p).to_string(), p.to_string()));
    }
    let mut out = Vec::new();
    for p in paths {
        if p != "-" && Path::new(p).is_dir() {
            let found = discover(Path::new(p))?;
            if parent.is_some() {
                loose.files.extend(found);
            } else {
                out.push(Group {
                    files: found,
                    project: true,
                    parent_first: false,
                });
            }
        } else {
            loose.files.push((display_name(p).to_string(), p.clone()));
        }
    }
    if !loose.files.is_empty() {
        out.insert(0, loose);
    }
    for g in &mut out {
        dedupe(&mut g.files);
    }
    Ok(out)
}

/// Drops a file given again (`--parent cas/a.yml cas/`, or a path twice): read twice, one
/// audience counts as two (`multiple-audiences`) and no segment is checked. The first mention
/// stays, so the `--parent` file stays first. Paths are compared resolved (`./cas/a.yml` is
/// `cas/a.yml`); one that cannot be resolved, or `-` (standard input), is kept as given.
fn dedupe(files: &mut Vec<(String, String)>) {
    let mut seen = std::collections::HashSet::new();
    files.retain(|(_, path)| {
        if path == "-" {
            return true;
        }
        match std::fs::canonicalize(path) {
            Ok(real) => seen.insert(real),
            Err(_) => true,
        }
    });
}

/// The project files of a folder, as `tdx cas pull` lays them out: `DIR/cas/` when it exists,
/// else `DIR` itself; every `*.yml`/`*.yaml` in it and its subfolders (hidden ones skipped,
/// symlinked folders not followed), sorted by path. Journeys are among them: the project skips
/// them with an info.
fn discover(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let cas = dir.join("cas");
    let root = if cas.is_dir() { cas } else { dir.to_path_buf() };
    let mut found = Vec::new();
    walk(&root, 0, &mut found)?;
    found.sort();
    if found.is_empty() {
        return Err(format!(
            "{} holds no .yml files; a project is the folder `tdx cas pull` writes (cas/<audience>.yml and the segments beside it)",
            root.display()
        ));
    }
    Ok(found
        .into_iter()
        .map(|p| {
            let s = p.to_string_lossy().into_owned();
            (s.clone(), s)
        })
        .collect())
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth + 1 < MAX_DEPTH {
                walk(&path, depth + 1, found)?;
            } else {
                eprintln!(
                    "cps: note: {} is nested more than {MAX_DEPTH} folders deep; not searched",
                    crate::human(path.display())
                );
            }
            continue;
        }
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
        // A symlink to a file is read like the file.
        if yaml && (kind.is_file() || path.is_file()) {
            if found.len() >= MAX_FILES {
                return Err(format!(
                    "{} holds more than {MAX_FILES} .yml files; point cps at the project folder",
                    dir.display()
                ));
            }
            found.push(path);
        }
    }
    Ok(())
}

fn human_output(out: &mut impl Write, project: &Project, style: &Style) {
    let lookup = |name: &str| {
        project
            .file(name)
            .map(|f| (f.text.as_str(), &f.checked.line_index))
    };
    for f in &project.files {
        // Findings of one kind are one entry with every place listed (`--format json` keeps
        // one entry per place).
        for g in group(&f.checked.diagnostics) {
            let _ = writeln!(
                out,
                "{}",
                render_group(&f.name, &f.text, &f.checked.line_index, &g, style, &lookup)
            );
        }
        let parent = f.parent.map(|p| project.files[p].name.as_str());
        let _ = writeln!(out, "{}", summary(&f.name, &f.checked, parent));
    }
}

/// One line per file: the counts, the detected format and the settings the check used, so that
/// every default is visible; for a segment, the parent it was checked against.
pub fn summary(name: &str, c: &cps_core::Checked, parent: Option<&str>) -> String {
    let name = human(name);
    let counts = format!(
        "{}, {}",
        plural(c.count(Severity::Error), "error"),
        plural(c.count(Severity::Warning), "warning")
    );
    match c.kind {
        Some(FileKind::Segment) => {
            let against = match parent {
                Some(p) => format!("checked against {}", human(p)),
                None => "not checked against a parent".to_string(),
            };
            return format!("{name}: {counts} (a composable segment; {against})");
        }
        Some(FileKind::Journey)
            if c.diagnostics
                .iter()
                .any(|d| d.code == cps_core::Code::JourneySkipped) =>
        {
            return format!("{name}: {counts} (a journey: skipped)");
        }
        Some(kind) if kind != FileKind::ParentSegment => {
            return format!(
                "{name}: {counts} (a {}, not a parent segment)",
                kind.describe()
            );
        }
        _ => {}
    }
    let format = c.format_name().unwrap_or("unreadable");
    if c.config.is_none() {
        return format!("{name}: {counts} ({format})");
    }
    let s = &c.settings;
    let source = match s.warehouse_source {
        cps_core::Source::Option => "given",
        cps_core::Source::Inferred => "inferred from the file",
        cps_core::Source::Catalog => "from the catalog export's type names",
        cps_core::Source::Default => "default",
    };
    format!(
        "{name}: {counts} ({format}; warehouse {} ({source}); types {}; identifier case {})",
        s.warehouse.as_str(),
        s.types.as_str(),
        s.identifier_case.as_str()
    )
}
