//! A project: a set of named texts checked together, such as the folder `tdx cas pull` writes
//! (`cas/<audience>.yml`, `cas/<slug>.yml`, `cas/<Folder>/<slug>.yml`, spec §9.4). Each file is
//! first checked alone ([`crate::check_named`], or a front-end's own check built on it); then
//! [`Project::link`] applies what needs several files:
//!
//! - G9: a project holds one audience (parent segment) file; two or more are one error naming
//!   them all, and then no segment is checked against either.
//! - Journeys (`*.journey.yml`) are skipped with an info, as `tdx cas validate` skips them.
//! - Every segment is checked against the audience (`rules::segment::against`: G5–G8), with
//!   related places in the audience file ([`crate::diagnostics::RelatedElsewhere`]); without one,
//!   a segment gets a `no-parent` warning.
//!
//! Files are found by the front-ends (the CLI walks a folder; the page holds open files); the
//! core sees names and texts only. Names are the project's own (relative paths for the CLI);
//! related places in another file name it exactly so, and messages show its last component.

use crate::config::kind::FileKind;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::rules::segment::{self, Parent};
use crate::{check_named, sort_diagnostics, Checked, Options};

/// One file of a project, as checked.
#[derive(Debug)]
pub struct ProjectFile {
    /// The project's name for the file (a relative path, or whatever the caller uses); related
    /// places in other files name it exactly so.
    pub name: String,
    /// The text the diagnostics' ranges point into.
    pub text: String,
    pub checked: Checked,
    /// For a segment checked against the project's audience file: that file's index.
    pub parent: Option<usize>,
}

impl ProjectFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>, checked: Checked) -> ProjectFile {
        ProjectFile {
            name: name.into(),
            text: text.into(),
            checked,
            parent: None,
        }
    }
}

/// Files checked together, in the order given.
#[derive(Debug)]
pub struct Project {
    pub files: Vec<ProjectFile>,
    /// The one audience (parent segment) file, when the project has exactly one.
    pub audience: Option<usize>,
}

impl Project {
    /// Checks each `(name, text)` alone ([`check_named`]: the name says what a journey is), then
    /// links them.
    pub fn check<N: Into<String>, T: Into<String>>(
        files: impl IntoIterator<Item = (N, T)>,
        options: &Options,
    ) -> Project {
        let files = files
            .into_iter()
            .map(|(name, text)| {
                let (name, text) = (name.into(), text.into());
                let checked = check_named(&text, Some(&name), options);
                ProjectFile::new(name, text, checked)
            })
            .collect();
        Project::link(files)
    }

    /// Applies the rules across files to files checked alone (see the module's documentation).
    pub fn link(mut files: Vec<ProjectFile>) -> Project {
        for f in &mut files {
            if f.checked.kind == Some(FileKind::Journey) {
                for d in &mut f.checked.diagnostics {
                    if d.code == Code::JourneyFile {
                        *d = journey_skipped(d);
                    }
                }
            }
        }
        // An empty (or comment-only) file is read as a parent segment with one `empty-file`
        // error; it is no second audience: a stray file must not stop every segment's check.
        let audiences: Vec<usize> = (0..files.len())
            .filter(|&i| {
                let c = &files[i].checked;
                c.kind == Some(FileKind::ParentSegment)
                    && !c.diagnostics.iter().any(|d| d.code == Code::EmptyFile)
            })
            .collect();
        if audiences.len() > 1 {
            let d = multiple_audiences(&files, &audiences);
            let second = &mut files[audiences[1]].checked;
            second.diagnostics.push(d);
            sort_diagnostics(&mut second.diagnostics);
        }
        let audience = (audiences.len() == 1).then(|| audiences[0]);
        let unreadable: Vec<&str> = files
            .iter()
            .filter(|f| f.checked.kind.is_none())
            .map(|f| f.name.as_str())
            .collect();
        let mut found: Vec<(usize, Vec<Diagnostic>)> = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let Some(seg) = f.checked.segment.as_ref() else {
                continue;
            };
            let mut out = Vec::new();
            match audience {
                Some(a) => {
                    if let Some(config) = files[a].checked.config.as_ref() {
                        let parent = Parent {
                            file: &files[a].name,
                            config,
                            line_index: &files[a].checked.line_index,
                        };
                        segment::against(seg, &parent, &mut out);
                    }
                }
                // Two audiences: their one error says why segments were not checked.
                None if audiences.len() > 1 => {}
                None => out.push(no_parent(seg.root_span, &unreadable)),
            }
            found.push((i, out));
        }
        for (i, out) in found {
            let f = &mut files[i];
            f.parent = audience;
            f.checked.diagnostics.extend(out);
            sort_diagnostics(&mut f.checked.diagnostics);
        }
        Project { files, audience }
    }

    pub fn has_errors(&self) -> bool {
        self.files.iter().any(|f| f.checked.has_errors())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.files.iter().map(|f| f.checked.count(severity)).sum()
    }

    /// A file by its name in the project.
    pub fn file(&self, name: &str) -> Option<&ProjectFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

fn journey_skipped(d: &Diagnostic) -> Diagnostic {
    let why = d
        .message
        .split_once(": ")
        .map(|(_, why)| why)
        .unwrap_or("a journey");
    Diagnostic::new(
        Code::JourneySkipped,
        format!("skipped: a journey ({why})"),
        d.span,
    )
    .help("`tdx cas validate` and `tdx cas push` skip journeys too (S32); check one with `tdx journey validate`")
}

fn multiple_audiences(files: &[crate::project::ProjectFile], audiences: &[usize]) -> Diagnostic {
    let names: Vec<String> = audiences
        .iter()
        .map(|&i| format!("`{}`", files[i].name))
        .collect();
    let count = if audiences.len() == 2 {
        "two".to_string()
    } else {
        audiences.len().to_string()
    };
    let here = &files[audiences[1]].checked;
    let span = here
        .config
        .as_ref()
        .and_then(|c| c.name.as_ref().map(|n| n.span).or(Some(c.root_span)))
        .unwrap_or_default();
    let mut d = Diagnostic::new(
        Code::MultipleAudiences,
        format!(
            "{count} audience files in one project: {}; a push target holds one",
            names.join(", ")
        ),
        span,
    )
    .path("name")
    .help("keep one audience file per folder: tdx pushes a folder as one audience with its segments (S11). Move the other audience, with its segments, to a folder of its own; until then cps checks no segment against either");
    for &i in audiences.iter().filter(|&&i| i != audiences[1]) {
        let other = &files[i];
        let span = other
            .checked
            .config
            .as_ref()
            .and_then(|c| c.name.as_ref().map(|n| n.span).or(Some(c.root_span)))
            .unwrap_or_default();
        d = d.related_in(other.name.clone(), span, "another audience file");
    }
    d
}

fn no_parent(span: crate::Span, unreadable: &[&str]) -> Diagnostic {
    let message = match unreadable {
        [] => "checked without its parent segment: no audience file in this project".to_string(),
        [one] => format!(
            "checked without its parent segment: no readable audience file in this project (`{one}` could not be read)"
        ),
        more => format!(
            "checked without its parent segment: no readable audience file in this project ({} files could not be read)",
            more.len()
        ),
    };
    Diagnostic::new(Code::NoParent, message, span).help(
        "the names the rule uses are checked against the parent (rule G5): validate the folder `tdx cas pull` wrote (`cas/<audience>.yml` with its segments), or give the parent: `cps validate --parent cas/<audience>.yml SEGMENT`",
    )
}
