//! The page's domain state and everything it does that is not DOM: a `Reducible` with an
//! `Action` enum (the yew todomvc pattern), form edits as text edits, share links, templates.
//! All of it is plain Rust, unit-tested natively.
//!
//! The config text is the source of truth. Every other view (problems, form, diagram, outputs)
//! is derived from one `check` of that text, plus what the steps found for that same check
//! (`Action::Step`); form edits become text edits.

use cps_bridge::{base64url, Outcome, Source, ToStudio};
use cps_core::output::convert::{self, Target};
use cps_core::output::edit::{Edit, ListId};
use cps_core::{Checked, Diagnostic, Options, Span};
use std::rc::Rc;
use yew::Reducible;

pub struct Template {
    pub id: &'static str,
    pub label: &'static str,
    pub text: &'static str,
    /// The warehouse the template is for (the file alone cannot tell BigQuery from Databricks).
    pub warehouse: cps_core::Warehouse,
}

pub const TEMPLATES: &[Template] = &[
    Template {
        id: "snowflake",
        label: "Snowflake (tdx YAML)",
        text: include_str!("../../examples/snowflake.yaml"),
        warehouse: cps_core::Warehouse::Snowflake,
    },
    Template {
        id: "databricks",
        label: "Databricks (API JSON)",
        text: include_str!("../../examples/databricks.json"),
        warehouse: cps_core::Warehouse::Databricks,
    },
    Template {
        id: "bigquery",
        label: "BigQuery (tdx YAML)",
        text: include_str!("../../examples/bigquery.yaml"),
        warehouse: cps_core::Warehouse::Bigquery,
    },
];

/// Which panel the right-hand side shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Problems,
    Form,
    Diagram,
    Output,
    Settings,
    Snowflake,
    Upload,
}

/// Where the current text came from, so the editor knows whether to replace its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Typed in the editor: the editor already shows it.
    Editor,
    /// Anything else (form, template, file, share link): the editor must be told.
    Elsewhere,
}

/// What the views show: the one check of the text, plus the steps' findings for that same check
/// (catalog findings, TD's refusal) when there are any. Equal when it is the same check with the
/// same findings (pointer equality), so views re-render exactly when either changed.
///
/// It derefs to the check itself (config, settings, line index, and the text's own
/// diagnostics); what the user is shown as problems is [`Shared::diagnostics`].
#[derive(Clone)]
pub struct Shared {
    check: Rc<Checked>,
    /// The check's diagnostics with the findings merged in (sorted), when there are findings.
    merged: Option<Rc<Vec<Diagnostic>>>,
}

impl Shared {
    pub fn new(check: Checked) -> Shared {
        Shared {
            check: Rc::new(check),
            merged: None,
        }
    }

    /// Every problem shown: the text's own (less those a step withdrew) and the steps'.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.merged.as_deref().unwrap_or(&self.check.diagnostics)
    }

    /// Shown problems of one severity (the toolbar counts).
    pub fn count(&self, severity: cps_core::Severity) -> usize {
        cps_core::diagnostics::count(self.diagnostics(), severity)
    }

    /// The same check with `findings` shown.
    fn with_findings(&self, findings: &[StepFindings]) -> Shared {
        let merged = (!findings.is_empty()).then(|| {
            let withdrawn: std::collections::HashSet<&cps_bridge::Mark> =
                findings.iter().flat_map(|f| &f.withdrawn).collect();
            let mut all: Vec<Diagnostic> = self
                .check
                .diagnostics
                .iter()
                .filter(|d| withdrawn.is_empty() || !withdrawn.contains(&cps_bridge::Mark::of(d)))
                .cloned()
                .collect();
            all.extend(findings.iter().flat_map(|f| f.diagnostics.iter().cloned()));
            cps_core::sort_diagnostics(&mut all);
            Rc::new(all)
        });
        Shared {
            check: self.check.clone(),
            merged,
        }
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.check, &other.check)
            && match (&self.merged, &other.merged) {
                (None, None) => true,
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                _ => false,
            }
    }
}

impl std::ops::Deref for Shared {
    type Target = Checked;
    fn deref(&self) -> &Checked {
        &self.check
    }
}

/// One source's findings for the current check, already diagnostics of the current text.
#[derive(Clone, Debug, PartialEq)]
struct StepFindings {
    source: Source,
    diagnostics: Vec<Diagnostic>,
    withdrawn: Vec<cps_bridge::Mark>,
}

impl StepFindings {
    /// These findings (made for `old`) in `new`, an edit of it: those before the edited range
    /// as they were, those after it moved by the length change, those touching it dropped.
    /// Only the catalog's carry over (see `State::set_text`).
    fn carried(&self, old: &str, new: &str) -> Option<StepFindings> {
        if self.source != Source::Catalog {
            return None;
        }
        let (old_b, new_b) = (old.as_bytes(), new.as_bytes());
        let mut prefix = old_b.iter().zip(new_b).take_while(|(a, b)| a == b).count();
        while !old.is_char_boundary(prefix) {
            prefix -= 1;
        }
        let max_suffix = old.len().min(new.len()) - prefix;
        let mut suffix = old_b
            .iter()
            .rev()
            .zip(new_b.iter().rev())
            .take(max_suffix)
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(old.len() - suffix) {
            suffix -= 1;
        }
        let (edit_end, shift) = (old.len() - suffix, new.len() as i64 - old.len() as i64);
        let moved = |span: Span| -> Option<Span> {
            let (start, end) = (span.start as usize, span.end as usize);
            if end <= prefix && (end < prefix || start < end) {
                Some(span)
            } else if start >= edit_end && (start > edit_end || start < end) {
                let at = |b: usize| (b as i64 + shift) as usize;
                Some(Span::new(at(start), at(end)))
            } else {
                None
            }
        };
        let diagnostics: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .filter_map(|d| {
                let mut d = d.clone();
                d.span = moved(d.span)?;
                Some(d)
            })
            .collect();
        let withdrawn: Vec<cps_bridge::Mark> = self
            .withdrawn
            .iter()
            .filter_map(|m| {
                let span = moved(Span::new(m.start as usize, m.end as usize))?;
                Some(cps_bridge::Mark {
                    code: m.code.clone(),
                    start: span.start,
                    end: span.end,
                })
            })
            .collect();
        (!diagnostics.is_empty() || !withdrawn.is_empty()).then_some(StepFindings {
            source: self.source,
            diagnostics,
            withdrawn,
        })
    }
}

pub struct State {
    /// Shared, so that every view and callback holds the text without copying it per keystroke.
    pub text: Rc<str>,
    pub origin: Origin,
    /// Bumped whenever the text changes from outside the editor.
    pub revision: u64,
    pub options: Options,
    pub checked: Shared,
    pub tab: Tab,
    pub output: Target,
    /// A message for the status line (e.g. why a form edit was refused).
    pub notice: Option<String>,
    /// Bumped on every check: the revision the steps are told about, and that their findings
    /// name.
    pub checks: u64,
    /// The steps' findings for this check, by source.
    findings: Vec<StepFindings>,
    /// Bumped whenever the problems shown change (a check, or a step's findings): the editor is
    /// told after each.
    pub shown: u64,
    /// Names the editor completes (a catalog's tables and columns), from the Snowflake step.
    pub completions: Rc<Vec<String>>,
    /// What the steps reported for the guided path's stages only they see, newest per stage
    /// (see `path.rs`).
    pub progress: Rc<Vec<Reported>>,
    /// How the last upload ended, for the guided path.
    pub upload: Option<Rc<cps_bridge::UploadResult>>,
    /// The open files (`project.rs`): `text` is the active one's.
    pub files: crate::project::Files,
}

/// A stage's word from the steps, with the connection ids the config named when it came: a
/// connection confirmed for one id says nothing about another.
#[derive(Clone, Debug, PartialEq)]
pub struct Reported {
    pub progress: cps_bridge::Progress,
    pub ids: Vec<String>,
}

/// The connection ids the config's entries name, each once, in order.
pub fn connection_ids(checked: &Checked) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for c in checked.config.iter() {
        for (_, _, t) in c.table_refs() {
            if let Some(id) = t.conn.id() {
                let id = id.value.to_string();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids
}

impl State {
    /// One text, unnamed (the tests' start).
    #[cfg(test)]
    pub fn new(text: String, options: Options) -> State {
        let text: Rc<str> = Rc::from(text.replace("\r\n", "\n"));
        State::with_files(crate::project::Files::single(text), options)
    }

    /// The open files (a restored or shared project), the active one in the editor.
    pub fn with_files(mut files: crate::project::Files, options: Options) -> State {
        let text = files
            .active_file()
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let checked = Shared::new(files.check(text.clone(), &options));
        State {
            text,
            origin: Origin::Elsewhere,
            revision: 0,
            options,
            checked,
            tab: Tab::Problems,
            output: Target::ApiJson,
            notice: None,
            checks: 0,
            findings: Vec::new(),
            shown: 0,
            completions: Rc::default(),
            progress: Rc::default(),
            upload: None,
            files,
        }
    }

    /// Records a stage's word from the steps (the newest per stage).
    fn report(&mut self, progress: cps_bridge::Progress) {
        let ids = connection_ids(&self.checked);
        let mut all: Vec<Reported> = self
            .progress
            .iter()
            .filter(|r| r.progress.stage != progress.stage)
            .cloned()
            .collect();
        all.push(Reported { progress, ids });
        self.progress = Rc::new(all);
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The editor's text changed.
    Edited(String),
    /// Replace the text (opened file, share link).
    Load(String),
    /// Load a template and set the warehouse it is for.
    Template(&'static str),
    SetOptions(Options),
    SetTab(Tab),
    SetOutput(Target),
    Form(FormEdit),
    Notice(Option<String>),
    /// A message from a step (`web/steps`, through `step_host.rs`).
    Step(ToStudio),
    /// Open these files in place of the open ones: a folder, or several files.
    Open(crate::project::Opened),
    /// Edit another open file.
    Switch(usize),
    /// Close an open file (not the last).
    Close(usize),
    /// Add a segment from the template, against the audience's first attribute.
    NewSegment,
    /// Open these files again (the draft a share link replaced).
    Restore(crate::project::Files),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = State {
            text: self.text.clone(),
            origin: self.origin,
            revision: self.revision,
            options: self.options,
            checked: self.checked.clone(),
            tab: self.tab,
            output: self.output,
            notice: None,
            checks: self.checks,
            findings: self.findings.clone(),
            shown: self.shown,
            completions: self.completions.clone(),
            progress: self.progress.clone(),
            upload: self.upload.clone(),
            files: self.files.clone(),
        };
        match action {
            Action::Edited(text) => {
                if *text == *self.text {
                    return self;
                }
                next.set_text(text, Origin::Editor);
            }
            Action::Load(text) => next.set_text(text, Origin::Elsewhere),
            Action::Template(id) => {
                if let Some(t) = TEMPLATES.iter().find(|t| t.id == id) {
                    next.options.warehouse = Some(t.warehouse);
                    next.set_text(t.text.to_string(), Origin::Elsewhere);
                }
            }
            Action::SetOptions(options) => {
                next.options = options;
                next.recheck();
            }
            Action::SetTab(tab) => next.tab = tab,
            Action::SetOutput(target) => next.output = target,
            Action::Notice(n) => next.notice = n,
            Action::Step(message) => {
                // A step's message is not the user's doing: what the status line says stays.
                next.notice = self.notice.clone();
                match message {
                    ToStudio::Findings(f) => {
                        let nothing_new = f.findings.is_empty()
                            && f.withdrawn.is_empty()
                            && !self.findings.iter().any(|s| s.source == f.source);
                        if f.revision != self.checks || nothing_new {
                            return self;
                        }
                        next.set_findings(f.source, &f.findings, f.withdrawn);
                    }
                    ToStudio::Completions(names) => next.completions = Rc::new(names),
                    ToStudio::SetConnection(id) => {
                        // The user took this id from TD's list or from the console: the path's
                        // connection stage is done while the config names it alone.
                        next.notice = None;
                        match apply(
                            &self.text,
                            &self.checked,
                            &FormEdit::SetConnection(id.clone()),
                        ) {
                            Ok(text) => {
                                next.set_text(text, Origin::Elsewhere);
                                if connection_ids(&next.checked) == [id.clone()] {
                                    next.report(cps_bridge::Progress {
                                        stage: cps_bridge::Stage::Connection,
                                        standing: cps_bridge::Standing::Done,
                                        status: format!("config {id}"),
                                    });
                                }
                            }
                            Err(why) => next.notice = Some(why),
                        }
                    }
                    ToStudio::Progress(p) => next.report(p),
                    ToStudio::Upload(result) => {
                        next.notice = Some(result.notice());
                        next.upload = Some(Rc::new(result.clone()));
                        // TD's refusal is marked while the studio holds the text it was for;
                        // a success clears an earlier refusal of the same text.
                        if result.revision == self.checks {
                            let marks = match &result.outcome {
                                Outcome::Failed { marks, .. } => &marks[..],
                                Outcome::Created { .. } | Outcome::Updated { .. } => &[],
                            };
                            next.set_findings(Source::Td, marks, Vec::new());
                        }
                    }
                    // The step host keeps this one.
                    ToStudio::Follow(_) => return self,
                }
            }
            Action::Open(opened) => {
                let (files, notice) = crate::project::opened(opened);
                next.notice = notice;
                if let Some(files) = files {
                    next.files = files;
                    let text = next.files.active_file().map(|f| f.text.to_string());
                    next.set_text(text.unwrap_or_default(), Origin::Elsewhere);
                }
            }
            Action::Switch(to) => match next.files.switch(to, self.text.clone()) {
                Some(text) if to != self.files.active => {
                    next.set_text(text.to_string(), Origin::Elsewhere)
                }
                _ => return self,
            },
            Action::Close(index) => match next.files.close(index, self.text.clone()) {
                Some(text) => next.set_text(text.to_string(), Origin::Elsewhere),
                None => return self,
            },
            Action::Restore(files) => {
                next.files = files;
                let text = next.files.active_file().map(|f| f.text.to_string());
                next.set_text(text.unwrap_or_default(), Origin::Elsewhere);
            }
            Action::NewSegment => {
                let (name, text) = crate::project::new_segment(&self.files);
                let text = next.files.add(name, text.into(), self.text.clone());
                next.set_text(text.to_string(), Origin::Elsewhere);
            }
            Action::Form(edit) => match apply(&self.text, &self.checked, &edit) {
                Ok(text) => next.set_text(text, Origin::Elsewhere),
                Err(why) => next.notice = Some(why),
            },
        }
        Rc::new(next)
    }
}

impl State {
    fn set_text(&mut self, text: String, origin: Origin) {
        // The editor keeps `\n` line breaks only (CodeMirror normalises them), and diagnostics
        // are positioned on the editor's text, so text from elsewhere is normalised the same way.
        let text = if origin == Origin::Elsewhere && text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text
        };
        let old = std::mem::replace(&mut self.text, Rc::from(text));
        // A keystroke keeps the catalog's findings outside the edited range, moved with the
        // text, until the step answers for the new text (after the studio's paint): no
        // underline or count flickers away and back on every key. TD's refusal was for the
        // uploaded text only, and text from elsewhere replaces too much to carry anything.
        let carried: Vec<StepFindings> = match origin {
            Origin::Editor => self
                .findings
                .iter()
                .filter_map(|f| f.carried(&old, &self.text))
                .collect(),
            Origin::Elsewhere => Vec::new(),
        };
        self.recheck();
        if !carried.is_empty() {
            self.findings = carried;
            self.checked = self.checked.with_findings(&self.findings);
        }
        self.origin = origin;
        if origin == Origin::Elsewhere {
            self.revision += 1;
        }
    }

    /// The one check of this text and settings. The steps' findings were for the previous one.
    fn recheck(&mut self) {
        self.checked = Shared::new(self.files.check(self.text.clone(), &self.options));
        self.checks += 1;
        self.findings.clear();
        self.shown += 1;
    }

    /// Replaces `source`'s findings (made for the current check, so for this text).
    fn set_findings(
        &mut self,
        source: Source,
        findings: &[cps_bridge::Finding],
        withdrawn: Vec<cps_bridge::Mark>,
    ) {
        self.findings.retain(|f| f.source != source);
        let diagnostics: Vec<Diagnostic> = findings
            .iter()
            .filter_map(|f| f.to_diagnostic(&self.text))
            .collect();
        if !diagnostics.is_empty() || !withdrawn.is_empty() {
            self.findings.push(StepFindings {
                source,
                diagnostics,
                withdrawn,
            });
        }
        self.checked = self.checked.with_findings(&self.findings);
        self.shown += 1;
    }
}

/// An edit made in the form view.
#[derive(Clone, Debug, PartialEq)]
pub enum FormEdit {
    /// Replace one existing value (its span in the text) with `value`. Keeps everything else of
    /// the file, comments and layout included.
    SetValue {
        span: Span,
        value: String,
    },
    AddAttribute,
    RemoveAttribute(usize),
    MoveAttribute {
        from: usize,
        up: bool,
    },
    AddBehavior,
    RemoveBehavior(usize),
    MoveBehavior {
        from: usize,
        up: bool,
    },
    AddColumn {
        behavior: usize,
    },
    RemoveColumn {
        behavior: usize,
        column: usize,
    },
    MoveColumn {
        behavior: usize,
        from: usize,
        up: bool,
    },
    /// Sets the connection id (`federatedQueryConfigId`, `connectionId` or tdx `connection`) of
    /// every entry that has one: a parent segment uses one connection.
    SetConnection(String),
    /// Removes the entry whose value is at `span`, key and all (a text edit, see `keyedit`).
    RemoveValue {
        span: Span,
    },
    /// Adds `key: value` right after the entry whose value is at `after` (a text edit).
    AddValue {
        after: Span,
        key: &'static str,
        value: String,
    },
}

/// Applies a form edit to the text. Every edit is a splice: a value replaces its span; adding,
/// removing or reordering entries changes only those entries' text (`cps_core::output::edit`), so
/// comments and layout stay, and errors elsewhere in the file do not stop it. A refusal says
/// which part of the text could not be read.
pub fn apply(text: &str, checked: &Checked, edit: &FormEdit) -> Result<String, String> {
    let structural = match *edit {
        FormEdit::SetValue { span, ref value } => return set_value(text, checked, span, value),
        FormEdit::SetConnection(ref id) => return set_connection(text, checked, id),
        FormEdit::RemoveValue { span } => {
            return crate::keyedit::remove_entry(text, span).ok_or_else(|| {
                "This entry cannot be removed from the form; edit it in the editor.".into()
            })
        }
        FormEdit::AddValue {
            after,
            key,
            ref value,
        } => {
            let json = checked.syntax == Some(cps_core::Syntax::Json);
            let literal = if json {
                serde_json::to_string(value).unwrap_or_default()
            } else {
                convert::yaml_scalar(value)
            };
            return crate::keyedit::insert_after(text, after, key, &literal, json).ok_or_else(
                || format!("`{key}` cannot be added from the form here; add it in the editor."),
            );
        }
        FormEdit::AddAttribute => Edit::Add(ListId::Attributes),
        FormEdit::RemoveAttribute(index) => Edit::Remove {
            list: ListId::Attributes,
            index,
        },
        FormEdit::MoveAttribute { from, up } => Edit::Move {
            list: ListId::Attributes,
            from,
            up,
        },
        FormEdit::AddBehavior => Edit::Add(ListId::Behaviors),
        FormEdit::RemoveBehavior(index) => Edit::Remove {
            list: ListId::Behaviors,
            index,
        },
        FormEdit::MoveBehavior { from, up } => Edit::Move {
            list: ListId::Behaviors,
            from,
            up,
        },
        FormEdit::AddColumn { behavior } => Edit::Add(ListId::Columns { behavior }),
        FormEdit::RemoveColumn { behavior, column } => Edit::Remove {
            list: ListId::Columns { behavior },
            index: column,
        },
        FormEdit::MoveColumn { behavior, from, up } => Edit::Move {
            list: ListId::Columns { behavior },
            from,
            up,
        },
    };
    cps_core::output::edit::apply(text, checked, structural).map_err(|refused| refused.message)
}

fn set_connection(text: &str, checked: &Checked, id: &str) -> Result<String, String> {
    let mut spans: Vec<Span> = checked
        .config
        .iter()
        .flat_map(|c| {
            c.table_refs()
                .filter_map(|(_, _, t)| t.conn.id().map(|x| x.span))
        })
        .collect();
    if spans.is_empty() {
        return Err("The config has no connection id to set: add `federatedQueryConfigId` (tdx: `connection`) to the master first.".into());
    }
    // From the end, so the earlier ranges stay valid.
    cps_core::sort::sort_by_key(&mut spans, |s| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for span in spans {
        out = set_value(&out, checked, span, id)?;
    }
    Ok(out)
}

fn set_value(text: &str, checked: &Checked, span: Span, value: &str) -> Result<String, String> {
    let range = span.range();
    if range.end > text.len()
        || !text.is_char_boundary(range.start)
        || !text.is_char_boundary(range.end)
    {
        return Err("The text changed under the form; try again.".into());
    }
    let literal = match checked.syntax {
        Some(cps_core::Syntax::Json) => serde_json::to_string(value).unwrap_or_default(),
        _ => convert::yaml_scalar(value),
    };
    let mut out = String::with_capacity(text.len() + literal.len());
    out.push_str(&text[..range.start]);
    out.push_str(&literal);
    out.push_str(&text[range.end..]);
    Ok(out)
}

// ---- share links ----------------------------------------------------------------------------

/// The URL fragment that carries a config: `#config=<base64url of the UTF-8 text>`. A fragment
/// never reaches any server, so the config stays in the browser.
pub const SHARE_PREFIX: &str = "#config=";

pub fn share_fragment(text: &str) -> String {
    format!("{SHARE_PREFIX}{}", base64url::encode(text.as_bytes()))
}

/// The config carried by a fragment, if it is a share fragment.
pub fn from_fragment(fragment: &str) -> Option<String> {
    let data = fragment.strip_prefix(SHARE_PREFIX)?;
    String::from_utf8(base64url::decode(data)?).ok()
}

// ---- positions for the editor ---------------------------------------------------------------

/// One diagnostic as the editor bridge takes it (`web/editor/src/editor.js`).
#[derive(serde::Serialize)]
struct EditorDiagnostic {
    from: u32,
    to: u32,
    severity: &'static str,
    message: String,
    source: &'static str,
}

/// Diagnostics as the editor bridge takes them: a JSON array of `{from, to, severity, message,
/// source}` in UTF-16 offsets, all converted in one pass over the text.
pub fn editor_diagnostics(text: &str, diagnostics: &[Diagnostic]) -> String {
    let offsets: Vec<u32> = diagnostics
        .iter()
        .flat_map(|d| [d.span.start, d.span.end])
        .collect();
    let utf16 = cps_bridge::utf16::utf16_offsets(text, &offsets);
    let items: Vec<EditorDiagnostic> = diagnostics
        .iter()
        .zip(utf16.chunks_exact(2))
        .map(|(d, at)| {
            let mut message = format!("{} [{}]", d.message, d.code.as_str());
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            EditorDiagnostic {
                from: at[0],
                to: at[1],
                severity: d.severity.as_str(),
                message,
                source: "cps",
            }
        })
        .collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(text: &str) -> Rc<State> {
        Rc::new(State::new(text.to_string(), Options::default()))
    }

    const SNOWFLAKE: &str = include_str!("../../examples/snowflake.yaml");

    #[test]
    fn templates_are_valid() {
        for t in TEMPLATES {
            let s = state("").reduce(Action::Template(t.id));
            assert_eq!(&*s.text, t.text);
            assert_eq!(s.options.warehouse, Some(t.warehouse));
            assert!(
                !s.checked.has_errors(),
                "template {}: {:?}",
                t.id,
                s.checked.diagnostics
            );
        }
    }

    #[test]
    fn editing_rechecks_and_remembers_the_origin() {
        let s = state(SNOWFLAKE);
        assert_eq!(s.checked.count(cps_core::Severity::Error), 0);
        let broken = SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo");
        let s = s.reduce(Action::Edited(broken));
        assert_eq!(s.origin, Origin::Editor);
        assert_eq!(s.revision, 0, "the editor already shows its own text");
        assert_eq!(s.checked.diagnostics[0].code.as_str(), "invalid-timezone");
        let s = s.reduce(Action::Load(SNOWFLAKE.to_string()));
        assert_eq!(s.origin, Origin::Elsewhere);
        assert_eq!(s.revision, 1);
        assert!(!s.checked.has_errors());
    }

    #[test]
    fn settings_recheck_the_same_text() {
        let s = state(SNOWFLAKE);
        let options = Options {
            warehouse: Some(cps_core::Warehouse::Bigquery),
            ..Options::default()
        };
        let s = s.reduce(Action::SetOptions(options));
        assert!(s
            .checked
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "missing-catalog"));
    }

    #[test]
    fn value_edits_replace_only_the_value() {
        let s = state(SNOWFLAKE);
        let tz = s.checked.config.as_ref().unwrap().timezone.clone().unwrap();
        let s = s.reduce(Action::Form(FormEdit::SetValue {
            span: tz.span,
            value: "Europe/Berlin".into(),
        }));
        assert_eq!(&*s.text, SNOWFLAKE.replace("Asia/Tokyo", "Europe/Berlin"));
        assert_eq!(s.origin, Origin::Elsewhere);
        // Values that YAML would misread are quoted.
        let name = s.checked.config.as_ref().unwrap().name.clone().unwrap();
        let s = s.reduce(Action::Form(FormEdit::SetValue {
            span: name.span,
            value: "yes: no".into(),
        }));
        assert!(s.text.contains("name: 'yes: no'\n"), "{}", s.text);
        assert_eq!(
            s.checked
                .config
                .as_ref()
                .unwrap()
                .name
                .as_ref()
                .unwrap()
                .value,
            "yes: no"
        );
    }

    #[test]
    fn value_edits_in_json_write_json_strings() {
        let json = include_str!("../../examples/databricks.json");
        let s = state(json);
        let name = s.checked.config.as_ref().unwrap().name.clone().unwrap();
        let s = s.reduce(Action::Form(FormEdit::SetValue {
            span: name.span,
            value: "Say \"hi\"".into(),
        }));
        assert!(s.text.contains(r#""name": "Say \"hi\"""#), "{}", s.text);
        assert!(!s.checked.has_errors());
    }

    #[test]
    fn structural_edits_splice_the_text_with_join_keys_prefilled() {
        let s = state(SNOWFLAKE);
        let s = s.reduce(Action::Form(FormEdit::AddAttribute));
        assert_eq!(s.checked.format_name(), Some("tdx-yaml"));
        // The file's comments and its `join: { … }` style stay; the new entry follows them.
        assert!(
            s.text.starts_with(SNOWFLAKE.lines().next().unwrap()),
            "{}",
            s.text
        );
        assert!(
            s.text.contains(
                "    column: LTV\n    type: number\n  - name: attribute_1\n    connection: '167'\n"
            ),
            "{}",
            s.text
        );
        assert!(s
            .text
            .contains("    join: { table_key: CDP_CUSTOMER_ID, master_key: CDP_CUSTOMER_ID }\n    column: ATTRIBUTE_1\n"));
        let c = s.checked.config.as_ref().unwrap();
        let attrs = &c.attributes.as_ref().unwrap().items;
        assert_eq!(attrs.len(), 4);
        let new = attrs.last().unwrap();
        assert_eq!(new.name.as_ref().unwrap().value, "attribute_1");
        assert_eq!(new.table_key.as_ref().unwrap().value, "CDP_CUSTOMER_ID");
        assert_eq!(new.master_key.as_ref().unwrap().value, "CDP_CUSTOMER_ID");
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
        let s = s.reduce(Action::Form(FormEdit::MoveAttribute { from: 3, up: true }));
        let names: Vec<String> = s
            .checked
            .config
            .as_ref()
            .unwrap()
            .attributes
            .as_ref()
            .unwrap()
            .items
            .iter()
            .map(|a| a.name.as_ref().unwrap().value.to_string())
            .collect();
        assert_eq!(
            names,
            ["email", "membership_tier", "attribute_1", "lifetime_value"]
        );
        let s = s.reduce(Action::Form(FormEdit::RemoveAttribute(2)));
        assert_eq!(
            s.checked
                .config
                .as_ref()
                .unwrap()
                .attributes
                .as_ref()
                .unwrap()
                .items
                .len(),
            3
        );
        let s = s.reduce(Action::Form(FormEdit::AddBehavior));
        let s = s.reduce(Action::Form(FormEdit::AddColumn { behavior: 2 }));
        let b = &s
            .checked
            .config
            .as_ref()
            .unwrap()
            .behaviors
            .as_ref()
            .unwrap()
            .items[2];
        assert_eq!(b.columns.as_ref().unwrap().items.len(), 2);
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
        let json = include_str!("../../examples/databricks.json");
        let s = state(json).reduce(Action::Form(FormEdit::AddBehavior));
        assert_eq!(s.checked.format_name(), Some("api-json"));
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
        // Everything before the new entry is the file as it was.
        let cut = json.rfind("    }\n  ]").unwrap();
        assert_eq!(&s.text[..cut], &json[..cut]);
    }

    #[test]
    fn structural_edits_work_beside_errors_and_undo_is_the_old_text() {
        // An error elsewhere no longer blocks adding, removing or reordering: the error stays
        // where it was, nothing else changes.
        let broken = SNOWFLAKE.replace("    type: number\n", "    type: nmber\n");
        let s = state(&broken).reduce(Action::Form(FormEdit::MoveAttribute { from: 2, up: true }));
        assert!(s.notice.is_none(), "{:?}", s.notice);
        assert!(s.text.contains("    type: nmber\n"));
        assert_eq!(s.checked.count(cps_core::Severity::Error), 1);
        // Moving back gives the text back byte for byte.
        let s = s.reduce(Action::Form(FormEdit::MoveAttribute { from: 1, up: false }));
        assert_eq!(&*s.text, broken);
    }

    #[test]
    fn structural_edits_refuse_text_that_does_not_read_and_say_where() {
        let broken = SNOWFLAKE.replace(
            "  - name: membership_tier\n",
            "  - name: membership_tier: x\n",
        );
        let s = state(&broken).reduce(Action::Form(FormEdit::AddAttribute));
        assert_eq!(&*s.text, broken);
        let notice = s.notice.as_ref().unwrap();
        assert!(
            notice.contains("does not read as YAML (line 20"),
            "{notice}"
        );
    }

    /// A catalog finding on the master's key column, for the check `s` is at.
    fn catalog_finding(s: &State) -> cps_bridge::Finding {
        let at = s.text.find("CDP_CUSTOMER_ID").unwrap();
        cps_bridge::Finding {
            code: "catalog-unknown-column".into(),
            severity: cps_bridge::Level::Error,
            start: at as u32,
            end: (at + "CDP_CUSTOMER_ID".len()) as u32,
            path: "master.key_column".into(),
            message: "no column CDP_CUSTOMER_ID in PUBLIC.CUSTOMERS".into(),
            help: None,
        }
    }

    /// Reduces the action `make` builds from the state it is applied to.
    fn then(s: Rc<State>, make: impl FnOnce(&State) -> Action) -> Rc<State> {
        let action = make(&s);
        s.reduce(action)
    }

    fn findings(s: &State, source: Source, f: Vec<cps_bridge::Finding>) -> Action {
        Action::Step(ToStudio::Findings(cps_bridge::Findings {
            source,
            revision: s.checks,
            findings: f,
            withdrawn: Vec::new(),
        }))
    }

    #[test]
    fn step_findings_are_shown_and_counted_for_their_check_only() {
        let s = state(SNOWFLAKE);
        let (checks, shown) = (s.checks, s.shown);
        let f = catalog_finding(&s);
        let s = then(s, |s| findings(s, Source::Catalog, vec![f.clone()]));
        assert_eq!(s.checks, checks, "findings are not a check");
        assert!(s.shown > shown, "the editor is told");
        assert_eq!(s.checked.count(cps_core::Severity::Error), 1);
        assert_eq!(
            s.checked.diagnostics()[0].code.as_str(),
            "catalog-unknown-column"
        );
        // The text's own check is untouched.
        assert!(!s.checked.has_errors());
        // A new source adds; the same source replaces.
        let td = cps_bridge::Finding {
            code: "server-refused".into(),
            ..f.clone()
        };
        let s = then(s, |s| findings(s, Source::Td, vec![td]));
        assert_eq!(s.checked.count(cps_core::Severity::Error), 2);
        let s = then(s, |s| findings(s, Source::Catalog, vec![]));
        assert_eq!(s.checked.count(cps_core::Severity::Error), 1);
        // Findings for another check (the text changed meanwhile) are dropped.
        let stale = findings(&s, Source::Catalog, vec![f.clone()]);
        let s = s.reduce(Action::Edited(SNOWFLAKE.replace("Retail", "Shop")));
        assert_eq!(
            s.checked.count(cps_core::Severity::Error),
            0,
            "an edit clears them"
        );
        let before = s.shown;
        let s = s.reduce(stale);
        assert_eq!(
            (s.checked.count(cps_core::Severity::Error), s.shown),
            (0, before)
        );
        // Findings that do not fit the text are dropped one by one.
        let wild = cps_bridge::Finding {
            start: 0,
            end: 1_000_000,
            ..f
        };
        let s = then(s, |s| findings(s, Source::Catalog, vec![wild]));
        assert_eq!(s.checked.diagnostics().len(), s.checked.diagnostics.len());
    }

    #[test]
    fn a_keystroke_carries_catalog_findings_outside_the_edit_until_the_step_answers() {
        let s = state(SNOWFLAKE);
        let f = catalog_finding(&s);
        let td = cps_bridge::Finding {
            code: "server-refused".into(),
            ..f.clone()
        };
        let s = then(s, |s| findings(s, Source::Catalog, vec![f.clone()]));
        let s = then(s, |s| findings(s, Source::Td, vec![td]));
        assert_eq!(s.checked.count(cps_core::Severity::Error), 2);
        // A comment typed above: the catalog's finding moves with its text, TD's mark goes.
        let typed = format!("# new\n{SNOWFLAKE}");
        let s = s.reduce(Action::Edited(typed.clone()));
        let shown = s.checked.diagnostics();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert_eq!(shown[0].code.as_str(), "catalog-unknown-column");
        let span = shown[0].span.range();
        assert_eq!(&typed[span], "CDP_CUSTOMER_ID");
        // Typed below it: it stays where it was.
        let below = format!("{typed}# end\n");
        let s = s.reduce(Action::Edited(below.clone()));
        assert_eq!(
            &below[s.checked.diagnostics()[0].span.range()],
            "CDP_CUSTOMER_ID"
        );
        // Typed inside it: it goes (the step answers for the new text).
        let inside = below.replacen("CDP_CUSTOMER_ID", "CDP_CUSTOMERS_ID", 1);
        let s = s.reduce(Action::Edited(inside));
        assert_eq!(s.checked.diagnostics().len(), s.checked.diagnostics.len());
        // The step's answer replaces what was carried.
        let s = state(SNOWFLAKE);
        let s = then(s, |s| findings(s, Source::Catalog, vec![f.clone()]));
        let s = s.reduce(Action::Edited(format!("{SNOWFLAKE}# end\n")));
        let s = then(s, |s| findings(s, Source::Catalog, vec![]));
        assert!(s.checked.diagnostics().is_empty());
        // Text from elsewhere (a form edit, a file) carries nothing.
        let s = then(s, |s| {
            findings(s, Source::Catalog, vec![catalog_finding(s)])
        });
        let s = s.reduce(Action::Load(SNOWFLAKE.to_string()));
        assert!(s.checked.diagnostics().is_empty());
    }

    #[test]
    fn carrying_respects_characters_and_empty_ranges() {
        let f = |start: usize, end: usize| {
            Diagnostic::new(
                cps_core::Code::CatalogUnknownColumn,
                "m",
                Span::new(start, end),
            )
        };
        let old = "a: 顧客\nb: x\n";
        let found = StepFindings {
            source: Source::Catalog,
            diagnostics: vec![f(3, 9), f(13, 14), f(9, 9), f(10, 10)],
            withdrawn: Vec::new(),
        };
        // The second character of 顧客 changes (its first byte is common): the range over it
        // goes, and so does the empty one at the edit's edge; those after it stay in place (the
        // length did not change).
        let new = "a: 顧問\nb: x\n";
        let c = found.carried(old, new).unwrap();
        let spans: Vec<Span> = c.diagnostics.iter().map(|d| d.span).collect();
        assert_eq!(spans, [Span::new(13, 14), Span::new(10, 10)]);
        assert_eq!(&new[13..14], "x");
        // Longer by a character: they move.
        let new = "a: 顧問です\nb: x\n";
        let c = found.carried(old, new).unwrap();
        assert_eq!(&new[c.diagnostics[0].span.range()], "x");
        // TD's refusal never carries.
        let td = StepFindings {
            source: Source::Td,
            ..found
        };
        assert!(td.carried(old, new).is_none());
    }

    #[test]
    fn a_step_can_withdraw_a_diagnostic_it_settles() {
        // An unquoted lower-case name: an identifier-case warning the catalog can settle.
        let s = state(&SNOWFLAKE.replace("table: ORDERS", "table: orders"));
        let warning = s
            .checked
            .diagnostics
            .iter()
            .find(|d| d.code.as_str() == "identifier-case")
            .cloned()
            .expect("identifier-case warning");
        let s = then(s, |s| {
            Action::Step(ToStudio::Findings(cps_bridge::Findings {
                source: Source::Catalog,
                revision: s.checks,
                findings: vec![],
                withdrawn: vec![cps_bridge::Mark::of(&warning)],
            }))
        });
        assert!(!s.checked.diagnostics().contains(&warning));
        assert!(s.checked.diagnostics.contains(&warning));
    }

    #[test]
    fn upload_results_reach_the_status_line_and_refusals_are_marked() {
        let s = state(SNOWFLAKE);
        let mark = cps_bridge::Finding {
            code: "server-refused".into(),
            ..catalog_finding(&s)
        };
        let failed = |s: &State| {
            Action::Step(ToStudio::Upload(cps_bridge::UploadResult {
                revision: s.checks,
                outcome: Outcome::Failed {
                    title: "400: TD refused the config.".into(),
                    marks: vec![mark.clone()],
                },
            }))
        };
        let s = then(s, failed);
        assert!(s.notice.as_ref().unwrap().starts_with("Upload failed: 400"));
        assert_eq!(s.checked.diagnostics()[0].code.as_str(), "server-refused");
        // Messages from the steps keep the status line.
        let s = s.reduce(Action::Step(ToStudio::Completions(
            vec!["CUSTOMERS".into()],
        )));
        assert!(s.notice.is_some());
        assert_eq!(*s.completions, ["CUSTOMERS"]);
        // A later success of the same text clears the marks.
        let s = then(s, |s| {
            Action::Step(ToStudio::Upload(cps_bridge::UploadResult {
                revision: s.checks,
                outcome: Outcome::Created {
                    name: "Retail Customers (Snowflake)".into(),
                    id: "1001".into(),
                },
            }))
        });
        assert_eq!(
            s.notice.as_deref(),
            Some("Uploaded: created “Retail Customers (Snowflake)” in TD (id 1001).")
        );
        assert!(s.checked.diagnostics().is_empty());
        // A refusal of an older text is reported but not marked in this one.
        let old = failed(&s);
        let s = s.reduce(Action::Edited(SNOWFLAKE.replace("Retail", "Shop")));
        let s = s.reduce(old);
        assert!(s.notice.is_some());
        assert!(s.checked.diagnostics().is_empty());
    }

    #[test]
    fn a_picked_connection_goes_into_every_entry() {
        let s = state(SNOWFLAKE).reduce(Action::Step(ToStudio::SetConnection("4242".into())));
        assert_eq!(s.text.matches("'4242'").count(), 6, "{}", s.text);
        assert_eq!(s.origin, Origin::Elsewhere);
    }

    #[test]
    fn the_type_can_be_left_to_td_and_set_again() {
        // "(inferred by TD)": the `type` entry goes, the rest of the text stays.
        let s = state(SNOWFLAKE);
        let t = s
            .checked
            .config
            .as_ref()
            .unwrap()
            .attributes
            .as_ref()
            .unwrap()
            .items[0]
            .type_
            .clone()
            .unwrap();
        let s = s.reduce(Action::Form(FormEdit::RemoveValue { span: t.span }));
        assert_eq!(
            &*s.text,
            SNOWFLAKE.replacen(
                "    column: EMAIL\n    type: string\n",
                "    column: EMAIL\n",
                1
            )
        );
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
        let a = &s
            .checked
            .config
            .as_ref()
            .unwrap()
            .attributes
            .as_ref()
            .unwrap()
            .items[0];
        assert!(a.type_.is_none());
        assert!(s
            .checked
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "type-inferred"));
        // Choosing a type adds it back after the name.
        let name = a.name.clone().unwrap();
        let s = s.reduce(Action::Form(FormEdit::AddValue {
            after: name.span,
            key: "type",
            value: "date".into(),
        }));
        assert!(
            s.text.contains("  - name: email\n    type: date\n"),
            "{}",
            s.text
        );
        // In a flow mapping (a behavior column) and in JSON.
        let col = s
            .checked
            .config
            .as_ref()
            .unwrap()
            .behaviors
            .as_ref()
            .unwrap()
            .items[0]
            .columns
            .as_ref()
            .unwrap()
            .items[0]
            .type_
            .clone()
            .unwrap();
        let s = s.reduce(Action::Form(FormEdit::RemoveValue { span: col.span }));
        assert!(
            s.text.contains("- { name: td_url, column: TD_URL }"),
            "{}",
            s.text
        );
        let json = include_str!("../../examples/databricks.json");
        let s = state(json);
        let t = s
            .checked
            .config
            .as_ref()
            .unwrap()
            .attributes
            .as_ref()
            .unwrap()
            .items[0]
            .type_
            .clone()
            .unwrap();
        let s = s.reduce(Action::Form(FormEdit::RemoveValue { span: t.span }));
        assert!(
            s.text.contains("\"column\": \"country\"\n    }"),
            "{}",
            s.text
        );
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
    }

    #[test]
    fn a_get_response_is_edited_in_its_own_shape() {
        // The flat GET shape stays what it is: the new entry goes into its list, in its layout.
        let get = include_str!("../../crates/cps_core/tests/fixtures/valid/get-response.json");
        let s = state(get).reduce(Action::Form(FormEdit::AddAttribute));
        assert!(s.notice.is_none(), "{:?}", s.notice);
        assert_eq!(s.checked.format_name(), Some("get-json"));
        assert!(
            s.text.contains("\"masterTable\": \"CUSTOMERS\""),
            "{}",
            s.text
        );
        assert!(
            s.text.contains("    {\n      \"name\": \"attribute_1\",\n      \"federatedQueryConfigId\": \"167\",\n"),
            "{}",
            s.text
        );
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
        let s = s.reduce(Action::Form(FormEdit::MoveBehavior { from: 0, up: false }));
        assert!(s.notice.is_none(), "{:?}", s.notice);
    }

    #[test]
    fn share_fragments_round_trip() {
        for text in ["", "a", "ab", "abc", "name: 顧客 😀\n", SNOWFLAKE] {
            let f = share_fragment(text);
            assert!(f
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"#=-_".contains(&b)));
            assert_eq!(from_fragment(&f).as_deref(), Some(text));
        }
        assert_eq!(from_fragment("#other"), None);
        assert_eq!(from_fragment("#config=%%%"), None);
    }

    #[test]
    fn editor_positions_are_utf16() {
        let text = "name: 顧客😀\ntimezone: Tokyo\n";
        let c = cps_core::check(text, &Options::default());
        let v: serde_json::Value =
            serde_json::from_str(&editor_diagnostics(text, &c.diagnostics)).unwrap();
        let tz = v
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains("invalid-timezone"))
            .unwrap();
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let from = tz["from"].as_u64().unwrap() as usize;
        let to = tz["to"].as_u64().unwrap() as usize;
        assert_eq!(String::from_utf16(&utf16[from..to]).unwrap(), "Tokyo");
    }
}

// ---- settings persistence -------------------------------------------------------------------

/// Settings as stored: `warehouse=auto;types=current;case=exact`.
pub use cps_core::config::options::{options_from_string, options_to_string};

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn settings_round_trip() {
        let o = Options {
            warehouse: Some(cps_core::Warehouse::Bigquery),
            types: cps_core::TypeProfile::LegacyApiCas,
            identifier_case: cps_core::IdentifierCase::Lowercase,
        };
        assert_eq!(options_from_string(&options_to_string(&o)), o);
        assert_eq!(options_from_string("garbage"), Options::default());
        assert_eq!(
            options_from_string(&options_to_string(&Options::default())),
            Options::default()
        );
    }
}
