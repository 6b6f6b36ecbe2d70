//! The open files: the page holds a project (an audience file and its segments, as `tdx cas
//! pull` lays them out) the way the CLI's `validate DIR` does, through the core's
//! [`cps_core::Project`]. One file is active: its text is the state's text (the editor's), its
//! check the one every panel shows; the others keep their last text here. Every check of the
//! active text checks the project again (each file alone, then linked), so a segment's G5–G8
//! follow edits of the audience and the other way round; `typing.rs` paces that like any check.
//!
//! Also here, as plain Rust: the file list's entries, the names a segment completes
//! (`leftValue.name`), the new-segment template, and the project's draft and share-link forms.

use cps_core::{Checked, FileKind, Options, Severity};
use std::rc::Rc;

/// At most this many files are open at once (a folder with more is cut, with a notice).
pub const MAX_FILES: usize = 200;
/// A share link carries the open files only while their encoded form is at most this long (the
/// link's fragment): longer links break in mail and chat. Past it the link carries the active
/// file, and the notice says so.
pub const MAX_SHARE_BYTES: usize = 64 * 1024;

/// One open file: its name in the project (a relative path) and its text. `id` tells the
/// editor which undo history is this file's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenFile {
    pub id: u32,
    pub name: Rc<str>,
    pub text: Rc<str>,
}

/// What the file list shows of one file, from the last check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: Option<FileKind>,
    pub errors: usize,
    pub warnings: usize,
    /// For a skipped file (a journey): the info saying so.
    pub skipped: Option<String>,
    /// For a segment: the parent's names it uses (its rule's `leftValue.name`s and its
    /// activation columns, `diagram::layout::fields_used`); what the diagram shows per field.
    pub uses: Vec<String>,
}

/// The open files and what the last check found in each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Files {
    /// The files; the active one's text is the state's, copied here at each check.
    pub files: Rc<Vec<OpenFile>>,
    pub active: usize,
    /// One entry per file, from the last check.
    pub entries: Rc<Vec<Entry>>,
    /// The audience's attribute, behavior and behavior column names (what a segment's
    /// `leftValue.name` may name), for completions in segment files.
    pub names: Rc<Vec<String>>,
    /// The audience file by the last check (the core's `Project::audience`: exactly one parent
    /// segment that is not an empty file).
    audience: Option<usize>,
}

/// A new file id: unique in the page's life, so an undo history kept by the editor never
/// returns for another file (`editor.rs`).
fn new_id() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Files {
    /// One unnamed file (a template, a draft of one file).
    pub fn single(text: Rc<str>) -> Files {
        Files::from_named(vec![(String::new(), text)], 0)
    }

    /// Files by name and text, `active` the one to edit.
    pub fn from_named(named: Vec<(String, Rc<str>)>, active: usize) -> Files {
        let files: Vec<OpenFile> = named
            .into_iter()
            .map(|(name, text)| OpenFile {
                id: new_id(),
                name: name.into(),
                text,
            })
            .collect();
        Files {
            active: active.min(files.len().saturating_sub(1)),
            files: Rc::new(files),
            ..Files::default()
        }
    }

    pub fn is_project(&self) -> bool {
        self.files.len() > 1
    }

    pub fn active_file(&self) -> Option<&OpenFile> {
        self.files.get(self.active)
    }

    /// The active file's kind, from the last check.
    pub fn active_kind(&self) -> Option<FileKind> {
        self.entries.get(self.active).and_then(|e| e.kind)
    }

    /// The project's audience file, by the last check.
    pub fn audience(&self) -> Option<usize> {
        self.audience
    }

    /// The audience file's name without its folder (`customer360.yml`), as the file list shows it.
    pub fn audience_name(&self) -> Option<&str> {
        Some(short(&self.files.get(self.audience?)?.name))
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.files.iter().position(|f| &*f.name == name)
    }

    /// Checks `text` as the active file's text, with every other open file: the active file's
    /// check, and the entries and names of all.
    pub fn check(&mut self, text: Rc<str>, options: &Options) -> Checked {
        if let Some(f) = Rc::make_mut(&mut self.files).get_mut(self.active) {
            f.text = text.clone();
        }
        if !self.is_project() {
            let name = self
                .active_file()
                .map(|f| f.name.clone())
                .unwrap_or_default();
            let checked =
                cps_core::check_named(&text, (!name.is_empty()).then_some(&*name), options);
            self.entries = Rc::new(vec![entry(&checked)]);
            self.audience = (checked.kind == Some(FileKind::ParentSegment)
                && !checked
                    .diagnostics
                    .iter()
                    .any(|d| d.code == cps_core::Code::EmptyFile))
            .then_some(0);
            // An audience alone: its names make the first new segment.
            self.names = Rc::new(
                checked
                    .config
                    .as_ref()
                    .filter(|_| checked.kind == Some(FileKind::ParentSegment))
                    .map(field_names)
                    .unwrap_or_default(),
            );
            return checked;
        }
        let project = cps_core::Project::check(
            self.files
                .iter()
                .map(|f| (f.name.to_string(), f.text.to_string())),
            options,
        );
        self.entries = Rc::new(project.files.iter().map(|f| entry(&f.checked)).collect());
        self.audience = project.audience;
        self.names = Rc::new(
            project
                .audience
                .and_then(|a| project.files[a].checked.config.as_ref())
                .map(field_names)
                .unwrap_or_default(),
        );
        let active = self.active;
        project
            .files
            .into_iter()
            .nth(active)
            .map(|f| f.checked)
            .unwrap_or_else(|| cps_core::check(&text, options))
    }

    /// Makes `to` the active file, keeping `current` (the editor's text) as the old one's;
    /// returns the new active file's text.
    pub fn switch(&mut self, to: usize, current: Rc<str>) -> Option<Rc<str>> {
        let text = self.files.get(to)?.text.clone();
        let files = Rc::make_mut(&mut self.files);
        if let Some(f) = files.get_mut(self.active) {
            f.text = current;
        }
        self.active = to;
        Some(text)
    }

    /// Adds a file (a new segment) and makes it active; returns its text. `current` is the
    /// editor's text of the file active until now.
    pub fn add(&mut self, name: String, text: Rc<str>, current: Rc<str>) -> Rc<str> {
        let files = Rc::make_mut(&mut self.files);
        if let Some(f) = files.get_mut(self.active) {
            f.text = current;
        }
        // In a project every file has a name: messages and links name the audience.
        if let Some(f) = files.iter_mut().find(|f| f.name.is_empty()) {
            f.name = "untitled.yml".into();
        }
        let name = unique_name(files, &name);
        let at = list_position(files.iter().map(|f| &*f.name), &name);
        files.insert(
            at,
            OpenFile {
                id: new_id(),
                name: name.into(),
                text: text.clone(),
            },
        );
        self.active = at;
        text
    }

    /// Closes file `index` (not the last one); returns the text of the file active after.
    pub fn close(&mut self, index: usize, current: Rc<str>) -> Option<Rc<str>> {
        if self.files.len() < 2 || index >= self.files.len() {
            return None;
        }
        let files = Rc::make_mut(&mut self.files);
        if let Some(f) = files.get_mut(self.active) {
            f.text = current;
        }
        files.remove(index);
        if self.active > index || self.active >= files.len() {
            self.active = self.active.saturating_sub(1);
        }
        Some(files[self.active].text.clone())
    }

    /// The file list's order: the audience first, then segments grouped by folder, then the
    /// rest. Files are kept in [`list_position`] order, so no sort is needed (each sort's code
    /// costs the studio's wasm kilobytes).
    pub fn listed(&self) -> Vec<(String, Vec<usize>)> {
        let rank = |i: usize| match self.entries.get(i).and_then(|e| e.kind) {
            Some(FileKind::ParentSegment) => 0,
            Some(FileKind::Segment) => 1,
            _ => 2,
        };
        let mut groups: Vec<(usize, String, Vec<usize>)> = Vec::new();
        for r in 0..3 {
            for i in (0..self.files.len()).filter(|&i| rank(i) == r) {
                let group = if r == 1 {
                    folder(&self.files[i].name)
                } else {
                    ""
                };
                match groups.last_mut() {
                    Some((gr, g, members)) if *gr == r && g == group => members.push(i),
                    _ => groups.push((r, group.to_string(), vec![i])),
                }
            }
        }
        groups.into_iter().map(|(_, g, m)| (g, m)).collect()
    }

    /// The draft (and share) form: the names and texts and which is active, in postcard (as the
    /// bridge's messages), base64url: no JSON reader in the page for it.
    pub fn to_stored(&self) -> String {
        let files: Vec<Stored> = self
            .files
            .iter()
            .map(|f| Stored {
                name: f.name.to_string(),
                text: f.text.to_string(),
            })
            .collect();
        let bytes = postcard::to_allocvec(&StoredProject {
            active: self.active as u32,
            files,
        })
        .unwrap_or_default();
        cps_bridge::base64url::encode(&bytes)
    }

    /// Reads [`Files::to_stored`]'s form; `None` for anything else, an empty list, or more than
    /// [`MAX_FILES`] files.
    pub fn from_stored(stored: &str) -> Option<Files> {
        let bytes = cps_bridge::base64url::decode(stored)?;
        let p: StoredProject = postcard::from_bytes(&bytes).ok()?;
        if p.files.is_empty() || p.files.len() > MAX_FILES {
            return None;
        }
        let named = p
            .files
            .into_iter()
            .map(|f| (f.name, Rc::from(f.text.replace("\r\n", "\n"))))
            .collect();
        Some(Files::from_named(named, p.active as usize))
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    name: String,
    text: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredProject {
    active: u32,
    files: Vec<Stored>,
}

fn entry(checked: &Checked) -> Entry {
    Entry {
        kind: checked.kind,
        errors: checked.count(Severity::Error),
        warnings: checked.count(Severity::Warning),
        skipped: checked
            .diagnostics
            .iter()
            .find(|d| d.code == cps_core::Code::JourneySkipped)
            .map(|d| d.message.clone()),
        uses: checked
            .segment
            .as_ref()
            .map(crate::components::diagram::layout::fields_used)
            .unwrap_or_default(),
    }
}

/// Where `name` goes among `names` kept in the file list's order: by folder, then by name.
/// `cas/Marketing/vip.yml` → `vip.yml` (its folder is the group's heading).
pub fn short(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

pub fn list_position<'a>(names: impl Iterator<Item = &'a str>, name: &str) -> usize {
    let key = (folder(name), name);
    names.take_while(|n| (folder(n), *n) <= key).count()
}

/// A segment's folder as its path names it: `cas/Marketing/VIP/vip.yml` → `Marketing/VIP`.
pub fn folder(name: &str) -> &str {
    let name = name.strip_prefix("cas/").unwrap_or(name);
    name.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

/// What a segment's `leftValue.name` may name: the parent's attributes, behaviors and behavior
/// columns, each once, in file order (as rule G5 reads them).
fn field_names(c: &cps_core::Config) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |n: &Option<cps_core::config::model::Text>| {
        if let Some(n) = n {
            if !names.iter().any(|m| m == n.value.as_str()) {
                names.push(n.value.to_string());
            }
        }
    };
    for a in c.attributes.iter().flat_map(|l| &l.items) {
        add(&a.name);
    }
    for b in c.behaviors.iter().flat_map(|l| &l.items) {
        add(&b.name);
        for col in b.columns.iter().flat_map(|l| &l.items) {
            add(&col.name);
        }
    }
    names
}

/// `name` or, when an open file has it, `name` with `-2`, `-3`, … before its extension.
fn unique_name(files: &[OpenFile], name: &str) -> String {
    let taken = |n: &str| files.iter().any(|f| &*f.name == n);
    if !taken(name) {
        return name.to_string();
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "yml"));
    (2..)
        .map(|i| format!("{stem}-{i}.{ext}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

/// A new segment file's name and text: a valid composable segment (tdx YAML) whose one
/// condition uses the parent's first attribute (`IsNull` negated: "has a value", an operator
/// every field type takes), in the audience's folder.
pub fn new_segment(files: &Files) -> (String, String) {
    let first = files.names.first().map(String::as_str).unwrap_or("email");
    let dir = files
        .audience()
        .and_then(|a| {
            files.files[a]
                .name
                .rsplit_once('/')
                .map(|(d, _)| format!("{d}/"))
        })
        .unwrap_or_default();
    let text = format!(
        "type: composable_segment\nname: New segment\ndescription: Customers whose {first} is set\nrule:\n  type: And\n  conditions:\n    - type: Value\n      exclude: false\n      leftValue: {{ name: {} }}\n      operator: {{ type: IsNull, not: true }}\n",
        cps_core::output::convert::yaml_scalar(first)
    );
    (format!("{dir}new-segment.yml"), text)
}

/// Files read for opening together (a folder, several files, a drop).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Opened {
    /// Name and text, at most [`MAX_FILES`], in [`list_position`] order.
    pub files: Vec<(String, String)>,
    /// How many project files there were (more than `files` when cut).
    pub found: usize,
    /// Why files could not be read (too large, unreadable).
    pub refused: Vec<String>,
}

/// Opened files as the page's open files (in [`list_position`] order), the audience active (else the first
/// file); and what the status line says. `None` when nothing could be opened: the open files
/// stay.
pub fn opened(o: Opened) -> (Option<Files>, Option<String>) {
    let mut notes: Vec<String> = Vec::new();
    match (o.files.len(), o.found) {
        (0, _) => notes.push("No .yml or .yaml file was found there; nothing was opened.".into()),
        (n, found) if found > n => notes.push(format!(
            "Opened {n} of {found} files: the page holds at most {MAX_FILES} files and 32 MiB."
        )),
        (1, _) => {}
        (n, _) => notes.push(format!("Opened {n} files as one project.")),
    }
    notes.extend(o.refused);
    let notice = (!notes.is_empty()).then(|| notes.join(" "));
    let mut named = o.files;
    if named.is_empty() {
        return (None, notice);
    }
    named.truncate(MAX_FILES);
    let mut files = Files::from_named(
        named
            .into_iter()
            .map(|(n, t)| (n, Rc::from(t.replace("\r\n", "\n"))))
            .collect(),
        0,
    );
    let text = files.files[0].text.clone();
    files.check(text, &Options::default());
    files.active = files.audience().unwrap_or(0);
    (Some(files), notice)
}

/// A share link's fragment for several open files.
pub const SHARE_PREFIX: &str = "#project=";

/// The share fragment of the open files, the active one with `active_text` (the editor's
/// newest): `Err` with the encoded length when it is over [`MAX_SHARE_BYTES`].
pub fn share_fragment(files: &Files, active_text: &str) -> Result<String, usize> {
    let mut f = files.clone();
    if let Some(a) = Rc::make_mut(&mut f.files).get_mut(f.active) {
        a.text = active_text.into();
    }
    let stored = f.to_stored();
    if stored.len() > MAX_SHARE_BYTES {
        return Err(stored.len());
    }
    Ok(format!("{SHARE_PREFIX}{stored}"))
}

/// The open files a [`share_fragment`] carries.
pub fn from_fragment(fragment: &str) -> Option<Files> {
    Files::from_stored(fragment.strip_prefix(SHARE_PREFIX)?)
}

/// Only what a project folder holds: `*.yml` / `*.yaml` (as `cps validate DIR` reads), no file
/// in a hidden folder; the folder picked is left out of the name (`shop/cas/x.yml` →
/// `cas/x.yml`). `None` for a file to skip. Files picked one by one keep their name.
pub fn picked_name(relative: &str, name: &str) -> Option<String> {
    if relative.is_empty() {
        return Some(name.to_string());
    }
    let path = relative
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or(relative);
    let hidden = path.split('/').any(|part| part.starts_with('.'));
    let yaml = path.ends_with(".yml") || path.ends_with(".yaml");
    (yaml && !hidden).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIENCE: &str =
        include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/customer360.yml");
    const HIGH_VALUE: &str =
        include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/high-value.yml");
    const VIP: &str =
        include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/Marketing/VIP/vip.yml");
    const JOURNEY: &str =
        include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/winback.journey.yml");

    fn project(active: usize) -> Files {
        Files::from_named(
            vec![
                ("cas/customer360.yml".into(), AUDIENCE.into()),
                ("cas/high-value.yml".into(), HIGH_VALUE.into()),
                ("cas/winback.journey.yml".into(), JOURNEY.into()),
                ("cas/Marketing/VIP/vip.yml".into(), VIP.into()),
            ],
            active,
        )
    }

    #[test]
    fn a_project_is_checked_together_and_listed_audience_first() {
        // Files: 0 audience, 1 high-value, 2 the journey, 3 Marketing/VIP/vip.
        let mut f = project(1);
        let text = f.files[1].text.clone();
        let c = f.check(text, &Options::default());
        assert_eq!(c.kind, Some(FileKind::Segment));
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        assert_eq!(f.audience(), Some(0));
        assert_eq!(f.names[..3], ["email", "ltv", "signup_date"]);
        assert!(f.names.iter().any(|n| n == "purchases"));
        assert!(f.names.iter().any(|n| n == "purchased_at"));
        // What each segment uses, nested groups and activation columns included.
        assert_eq!(
            f.entries[1].uses,
            [
                "ltv",
                "purchased_at",
                "signup_date",
                "amount",
                "email",
                "region"
            ]
        );
        assert_eq!(
            f.entries[3].uses,
            // then its activations' columns
            ["is_member", "interests", "purchased_at", "email", "ltv"]
        );
        assert!(f.entries[0].uses.is_empty());
        assert!(f.entries[2]
            .skipped
            .as_deref()
            .unwrap()
            .starts_with("skipped"));
        let listed = f.listed();
        assert_eq!(listed[0], (String::new(), vec![0]));
        assert_eq!(listed[1], (String::new(), vec![1]));
        assert_eq!(listed[2], ("Marketing/VIP".to_string(), vec![3]));
        assert_eq!(listed[3], (String::new(), vec![2]));
        // Kept in that order: root files before folders, by name within.
        let names = ["cas/a.yml", "cas/z.yml", "cas/A/x.yml", "cas/B/a.yml"];
        assert_eq!(list_position(names.into_iter(), "cas/m.yml"), 1);
        assert_eq!(list_position(names.into_iter(), "cas/A/y.yml"), 3);
        assert_eq!(list_position(names.into_iter(), "cas/C/a.yml"), 4);
    }

    #[test]
    fn a_wrong_name_is_an_error_in_the_segment_pointing_into_the_audience() {
        let mut f = project(1);
        let c = f.check(
            HIGH_VALUE.replace("{ name: ltv }", "{ name: LTV }").into(),
            &Options::default(),
        );
        let d = c
            .diagnostics
            .iter()
            .find(|d| d.code.as_str() == "unknown-attribute")
            .expect("G5");
        assert!(d.message.contains("customer360.yml:18"), "{}", d.message);
        let related = &d.related[0];
        assert_eq!(related.file.as_deref(), Some("cas/customer360.yml"));
        assert_eq!(f.index_of("cas/customer360.yml"), Some(0));
        assert_eq!(&AUDIENCE[related.span.range()], "ltv");
        assert_eq!(f.entries[1].errors, 1);
        // Renaming the attribute in the audience moves the error.
        let mut g = project(0);
        let c = g.check(
            AUDIENCE.replace("name: ltv", "name: lifetime_value").into(),
            &Options::default(),
        );
        assert!(!c.has_errors());
        assert_eq!(g.entries[1].errors, 1);
    }

    #[test]
    fn switching_keeps_each_files_text() {
        let mut f = project(1);
        let edited: Rc<str> = "edited".into();
        let next = f.switch(0, edited.clone()).unwrap();
        assert_eq!(&*next, AUDIENCE);
        assert_eq!(f.active, 0);
        assert_eq!(f.files[1].text, edited);
        assert!(f.switch(9, next).is_none());
        let back = f.close(1, AUDIENCE.into()).unwrap();
        assert_eq!(&*back, AUDIENCE);
        assert_eq!(&*f.files[f.active].name, "cas/customer360.yml");
        // Closing the active file makes the one before it active.
        f.switch(2, back).unwrap();
        let text = f.close(2, "".into()).unwrap();
        assert_eq!((f.active, &*text), (1, JOURNEY));
        assert!(Files::single("x".into()).close(0, "x".into()).is_none());
    }

    #[test]
    fn the_new_segment_is_valid_against_its_parent() {
        let mut f = project(0);
        f.check(AUDIENCE.into(), &Options::default());
        let (name, text) = new_segment(&f);
        assert_eq!(name, "cas/new-segment.yml");
        assert!(text.contains("leftValue: { name: email }"));
        f.add(name, text.clone().into(), AUDIENCE.into());
        // In the list's order: after high-value.yml, before the folders.
        assert_eq!(f.active, 2);
        let c = f.check(text.into(), &Options::default());
        assert_eq!(c.kind, Some(FileKind::Segment));
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        // A second one gets a name of its own; its first attribute may be an array.
        let (name, _) = new_segment(&f);
        let current = f.files[f.active].text.clone();
        f.add(name, "x".into(), current);
        assert_eq!(&*f.files[f.active].name, "cas/new-segment-2.yml");
        let tags = AUDIENCE.replacen("name: email", "name: tags", 1).replacen(
            "type: string\n",
            "type: string_array\n",
            1,
        );
        let mut g = Files::from_named(
            vec![
                ("a.yml".into(), tags.into()),
                ("b.yml".into(), HIGH_VALUE.into()),
            ],
            0,
        );
        let text = g.files[0].text.clone();
        g.check(text, &Options::default());
        let (name, seg) = new_segment(&g);
        assert_eq!(name, "new-segment.yml");
        g.active = 1;
        let c = g.check(seg.into(), &Options::default());
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    }

    #[test]
    fn a_template_with_a_new_segment_is_a_project_with_names() {
        let mut f = Files::single(AUDIENCE.into());
        f.check(AUDIENCE.into(), &Options::default());
        let (name, text) = new_segment(&f);
        assert_eq!(name, "new-segment.yml");
        // The audience's first attribute, read from it alone.
        let renamed = AUDIENCE.replace("name: email", "name: mail");
        f.check(renamed.as_str().into(), &Options::default());
        assert!(new_segment(&f).1.contains("{ name: mail }"));
        f.check(AUDIENCE.into(), &Options::default());
        f.add(name, text.replace("email", "Email").into(), AUDIENCE.into());
        assert_eq!(&*f.files[0].name, "new-segment.yml");
        assert_eq!(&*f.files[1].name, "untitled.yml");
        let c = f.check(f.files[0].text.clone(), &Options::default());
        assert!(
            c.diagnostics[0].message.contains("(untitled.yml:11)"),
            "{}",
            c.diagnostics[0].message
        );
    }

    #[test]
    fn the_page_state_opens_switches_adds_and_closes_files() {
        use crate::state::{Action, State};
        use yew::Reducible;
        let s = Rc::new(State::new("name: x\n".into(), Options::default()));
        let opened = Opened {
            files: vec![
                ("cas/customer360.yml".into(), AUDIENCE.into()),
                (
                    "cas/high-value.yml".into(),
                    HIGH_VALUE.replace("{ name: ltv }", "{ name: LTV }"),
                ),
            ],
            found: 3,
            refused: vec!["big.yml is larger than cps reads (16 MiB).".into()],
        };
        let s = s.reduce(Action::Open(opened));
        assert_eq!(&*s.text, AUDIENCE, "the audience is opened first");
        assert_eq!(
            s.notice.as_deref(),
            Some("Opened 2 of 3 files: the page holds at most 200 files and 32 MiB. big.yml is larger than cps reads (16 MiB).")
        );
        let revision = s.revision;
        let s = s.reduce(Action::Switch(1));
        assert!(s.revision > revision, "the editor is told");
        assert_eq!(s.checked.count(Severity::Error), 1);
        assert_eq!(s.files.active_kind(), Some(FileKind::Segment));
        // Nothing opened: the open files stay.
        let s = s.reduce(Action::Open(Opened::default()));
        assert_eq!(s.files.files.len(), 2);
        assert!(s.notice.as_deref().unwrap().starts_with("No .yml"));
        let s = s.reduce(Action::NewSegment);
        assert_eq!(s.files.files.len(), 3);
        assert!(!s.checked.has_errors(), "{:?}", s.checked.diagnostics);
        let active = s.files.active;
        let s = s.reduce(Action::Close(active));
        assert_eq!(s.files.files.len(), 2);
    }

    #[test]
    fn drafts_and_share_forms_round_trip_and_are_bounded() {
        let f = project(1);
        let back = Files::from_stored(&f.to_stored()).unwrap();
        assert_eq!(back.active, 1);
        assert_eq!(back.files.len(), 4);
        assert_eq!(back.files[2].text, f.files[2].text);
        let empty = Files {
            files: Rc::default(),
            ..f.clone()
        };
        assert!(Files::from_stored(&empty.to_stored()).is_none());
        assert!(Files::from_stored("not-a-draft").is_none());
        assert!(Files::from_stored("").is_none());
        let fragment = share_fragment(&f, "edited").unwrap();
        let shared = from_fragment(&fragment).unwrap();
        assert_eq!(&*shared.files[1].text, "edited");
        assert_eq!(shared.files[2].text, f.files[2].text);
        assert!(from_fragment("#project=%%%").is_none());
        let big = Files::from_named(
            vec![
                ("a.yml".into(), "x".repeat(MAX_SHARE_BYTES).into()),
                ("b.yml".into(), "".into()),
            ],
            1,
        );
        assert!(share_fragment(&big, "").is_err());
    }

    #[test]
    fn a_picked_folder_keeps_project_files_only() {
        assert_eq!(picked_name("", "a.json").as_deref(), Some("a.json"));
        assert_eq!(
            picked_name("shop/cas/Marketing/vip.yml", "vip.yml").as_deref(),
            Some("cas/Marketing/vip.yml")
        );
        assert_eq!(picked_name("shop/.git/x.yml", "x.yml"), None);
        assert_eq!(picked_name("shop/README.md", "README.md"), None);
        assert_eq!(folder("cas/Marketing/VIP/vip.yml"), "Marketing/VIP");
        assert_eq!(folder("cas/vip.yml"), "");
    }
}
