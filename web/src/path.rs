//! The guided path: the whole job as stages — key pair, zero-copy connection, config, checks
//! (file, catalog, data), upload — each not started, needing attention or done, derived here from
//! what the page knows: the studio's own check for the config and the file check, the steps'
//! words (`ToStudio::Progress`) for what only they see, and the last upload's result. Pure, so
//! every state is unit-tested natively; `components/path.rs` draws it.

use crate::state::{connection_ids, State, Tab};
use cps_bridge::{Outcome, Stage, Standing};
use cps_core::diagnostics::group::group;
use cps_core::{Code, FileKind, Severity};

/// Where a stage's click leads: a tab, and the section in it (a `data-testid`) when the tab
/// holds several stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub tab: Tab,
    pub section: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Stable: the page's `data-step`.
    pub id: &'static str,
    pub label: &'static str,
    pub standing: Standing,
    /// A few words: what is done, or what needs attention.
    pub status: String,
    pub place: Place,
    /// One of the checks (drawn inside "Checks").
    pub check: bool,
}

fn step(
    id: &'static str,
    label: &'static str,
    (standing, status): (Standing, String),
    tab: Tab,
    section: Option<&'static str>,
) -> Step {
    Step {
        id,
        label,
        standing,
        status,
        place: Place { tab, section },
        check: false,
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

const NOT_STARTED: Standing = Standing::NotStarted;

/// The stages in order.
pub fn steps(s: &State) -> Vec<Step> {
    let reported = |stage: Stage| s.progress.iter().find(|r| r.progress.stage == stage);
    let word = |stage: Stage| {
        reported(stage)
            .map(|r| (r.progress.standing, r.progress.status.clone()))
            .unwrap_or((NOT_STARTED, "not started".into()))
    };
    let c = &s.checked;
    let reads = c.config.is_some() && c.kind.is_none_or(|k| k == FileKind::ParentSegment);

    // The connection: an error about it needs attention; otherwise the steps' word counts while
    // the config names the ids it was given for.
    let connection_codes = [
        Code::MissingConnection,
        Code::ConnectionNotNumeric,
        Code::WrongConnectionKey,
        Code::BothConnectionKeys,
    ];
    let ids = connection_ids(c);
    let connection = if c
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && connection_codes.contains(&d.code))
    {
        (Standing::Attention, "fix the connection id".into())
    } else {
        match reported(Stage::Connection) {
            Some(r) if r.ids == ids => (r.progress.standing, r.progress.status.clone()),
            _ if ids.is_empty() => (NOT_STARTED, "not started".into()),
            // The template's id, or one typed by hand: TD has not confirmed it.
            _ => (NOT_STARTED, format!("id {} not confirmed", ids.join(", "))),
        }
    };

    // A segment open in a project is not what is uploaded: the stage speaks of its parent (the
    // audience file) instead of calling the segment a wrong config.
    let segment_open = c.kind == Some(FileKind::Segment) && s.files.is_project();
    let audience = s
        .files
        .audience()
        .and_then(|i| Some((s.files.audience_name()?, s.files.entries.get(i)?.errors)));
    let config = if segment_open {
        match audience {
            Some((name, 0)) => (Standing::Done, format!("parent: {name}")),
            Some((name, n)) => (
                Standing::Attention,
                format!("parent {name}: {}", plural(n, "error")),
            ),
            None => (
                Standing::Attention,
                "a segment: open its audience file too".into(),
            ),
        }
    } else if s.text.trim().is_empty() {
        (NOT_STARTED, "empty".into())
    } else if reads {
        (
            Standing::Done,
            format!("reads as {}", c.format_name().unwrap_or("a config")),
        )
    } else if c.config.is_none() && c.kind.is_none() {
        (Standing::Attention, "not read: syntax error".into())
    } else {
        (
            Standing::Attention,
            format!(
                "a {}, not a parent segment",
                c.kind.map(|k| k.describe()).unwrap_or("file")
            ),
        )
    };

    // The file's own check (the catalog's and TD's findings are their stages').
    let errors = cps_core::diagnostics::count(&c.diagnostics, Severity::Error);
    let warnings = cps_core::diagnostics::count(&c.diagnostics, Severity::Warning);
    let file = if errors > 0 {
        (Standing::Attention, plural(errors, "error"))
    } else if !reads {
        (NOT_STARTED, "no config yet".into())
    } else if warnings > 0 {
        (
            Standing::Done,
            format!("no errors, {}", plural(warnings, "warning")),
        )
    } else {
        (Standing::Done, "no problems".into())
    };

    let upload = match s.upload.as_deref() {
        Some(u) if u.revision != s.checks => (NOT_STARTED, "changed since the upload".into()),
        Some(u) => match &u.outcome {
            Outcome::Created { .. } => (Standing::Done, "created in TD".into()),
            Outcome::Updated { .. } => (Standing::Done, "updated in TD".into()),
            Outcome::Failed { .. } => (Standing::Attention, "TD refused it".into()),
        },
        None => (NOT_STARTED, "not started".into()),
    };

    let mut all = vec![
        step(
            "keypair",
            "Key pair",
            word(Stage::KeyPair),
            Tab::Snowflake,
            Some("sf-keypair"),
        ),
        step(
            "connection",
            "Zero-copy connection",
            connection,
            Tab::Snowflake,
            Some("sf-zerocopy"),
        ),
        step("config", "Config", config, Tab::Form, None),
        step("file", "File", file, Tab::Problems, None),
        step(
            "catalog",
            "Catalog",
            word(Stage::Catalog),
            Tab::Snowflake,
            Some("sf-catalog"),
        ),
        step(
            "data",
            "Data",
            word(Stage::Data),
            Tab::Snowflake,
            Some("sf-checkpack"),
        ),
        step("upload", "Upload", upload, Tab::Upload, None),
    ];
    for s in &mut all[3..6] {
        s.check = true;
    }
    all
}

/// Whether the config can be uploaded now, said plainly: no errors (the file's, the catalog's,
/// TD's), with the warnings summarised by kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Readiness {
    pub ready: bool,
    pub text: String,
}

pub fn readiness(s: &State) -> Readiness {
    let c = &s.checked;
    if c.kind == Some(FileKind::Segment) && s.files.is_project() {
        // Upload sends the parent segment, from its own file.
        return Readiness {
            ready: false,
            text: match s.files.audience_name() {
                Some(name) => format!("A segment is open: upload the parent from {name}"),
                None => "A segment is open: open its audience file to upload".into(),
            },
        };
    }
    let shown = c.diagnostics();
    let errors = cps_core::diagnostics::count(shown, Severity::Error);
    let reads = c.config.is_some() && c.kind.is_none_or(|k| k == FileKind::ParentSegment);
    if !reads || errors > 0 {
        let why = if errors > 0 {
            plural(errors, "error")
        } else {
            "no parent segment config".into()
        };
        return Readiness {
            ready: false,
            text: format!("Not ready to upload: {why}"),
        };
    }
    let warnings: Vec<String> = group(shown)
        .iter()
        .filter(|g| g.severity == Severity::Warning)
        .map(|g| match g.places.len() {
            1 => g.code.as_str().to_string(),
            n => format!("{} ×{n}", g.code.as_str()),
        })
        .collect();
    let count = cps_core::diagnostics::count(shown, Severity::Warning);
    Readiness {
        ready: true,
        text: if count == 0 {
            "Ready to upload".into()
        } else {
            format!(
                "Ready to upload, with {} ({})",
                plural(count, "warning"),
                warnings.join(", ")
            )
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Action;
    use cps_bridge::{Progress, ToStudio, UploadResult};
    use std::rc::Rc;
    use yew::Reducible;

    const SNOWFLAKE: &str = include_str!("../../examples/snowflake.yaml");

    fn state(text: &str) -> Rc<State> {
        Rc::new(State::new(
            text.into(),
            cps_core::Options {
                warehouse: Some(cps_core::Warehouse::Snowflake),
                ..Default::default()
            },
        ))
    }

    fn standing(s: &State) -> Vec<(&'static str, Standing, String)> {
        steps(s)
            .into_iter()
            .map(|st| (st.id, st.standing, st.status))
            .collect()
    }

    fn of(s: &State, id: &str) -> (Standing, String) {
        let st = steps(s).into_iter().find(|st| st.id == id).unwrap();
        (st.standing, st.status)
    }

    fn progress(stage: Stage, standing: Standing, status: &str) -> Action {
        Action::Step(ToStudio::Progress(Progress {
            stage,
            standing,
            status: status.into(),
        }))
    }

    #[test]
    fn a_fresh_template_is_a_config_that_checks_and_nothing_else_yet() {
        let s = state(SNOWFLAKE);
        let ns = |st: &str| st.to_string();
        assert_eq!(
            standing(&s),
            vec![
                ("keypair", NOT_STARTED, ns("not started")),
                ("connection", NOT_STARTED, ns("id 167 not confirmed")),
                ("config", Standing::Done, ns("reads as tdx-yaml")),
                ("file", Standing::Done, ns("no problems")),
                ("catalog", NOT_STARTED, ns("not started")),
                ("data", NOT_STARTED, ns("not started")),
                ("upload", NOT_STARTED, ns("not started")),
            ]
        );
        assert_eq!(
            readiness(&s),
            Readiness {
                ready: true,
                text: "Ready to upload".into()
            }
        );
        // Every stage leads somewhere; the checks are the three in the middle.
        let checks: Vec<&str> = steps(&s).iter().filter(|s| s.check).map(|s| s.id).collect();
        assert_eq!(checks, ["file", "catalog", "data"]);
    }

    #[test]
    fn errors_need_attention_and_block_the_upload_warnings_are_summarised() {
        let s = state(&SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo"));
        assert_eq!(of(&s, "file"), (Standing::Attention, "1 error".into()));
        assert_eq!(of(&s, "config").0, Standing::Done);
        assert_eq!(readiness(&s).text, "Not ready to upload: 1 error");
        // Lower-case names: many warnings of one kind, said once with the count.
        let lower = SNOWFLAKE
            .replace("table: CUSTOMERS", "table: customers")
            .replace("key_column: CDP_CUSTOMER_ID", "key_column: cdp_customer_id");
        let s = state(&lower);
        let r = readiness(&s);
        assert!(r.ready);
        assert!(
            r.text.starts_with("Ready to upload, with ") && r.text.contains("identifier-case ×"),
            "{}",
            r.text
        );
        assert!(of(&s, "file").1.starts_with("no errors, "));
        // Not read at all.
        let s = state("name: [unclosed");
        assert_eq!(
            of(&s, "config"),
            (Standing::Attention, "not read: syntax error".into())
        );
        assert!(!readiness(&s).ready);
        assert_eq!(of(&state("   "), "config"), (NOT_STARTED, "empty".into()));
    }

    #[test]
    fn the_steps_words_fill_their_stages() {
        let s = state(SNOWFLAKE)
            .reduce(progress(Stage::KeyPair, Standing::Done, "generated"))
            .reduce(progress(Stage::Catalog, Standing::Attention, "2 findings"))
            .reduce(progress(Stage::Data, Standing::Done, "no findings"));
        assert_eq!(of(&s, "keypair"), (Standing::Done, "generated".into()));
        assert_eq!(
            of(&s, "catalog"),
            (Standing::Attention, "2 findings".into())
        );
        assert_eq!(of(&s, "data"), (Standing::Done, "no findings".into()));
        // A newer word replaces the older one.
        let s = s.reduce(progress(
            Stage::KeyPair,
            Standing::Attention,
            "fingerprint differs",
        ));
        assert_eq!(of(&s, "keypair").0, Standing::Attention);
    }

    #[test]
    fn a_connection_is_done_for_the_id_it_was_confirmed_for() {
        // Picked from TD's list: the id goes into every entry and the stage is done.
        let s = state(SNOWFLAKE).reduce(Action::Step(ToStudio::SetConnection("4242".into())));
        assert_eq!(of(&s, "connection"), (Standing::Done, "config 4242".into()));
        // Another id typed by hand: no longer confirmed.
        let other = s.text.replace("'4242'", "'99'");
        let s = s.reduce(Action::Load(other));
        assert_eq!(
            of(&s, "connection"),
            (NOT_STARTED, "id 99 not confirmed".into())
        );
        // An error about the connection needs attention whatever was said.
        let s = s.reduce(Action::Load(
            SNOWFLAKE.replace("connection: '167'", "connection: abc"),
        ));
        assert_eq!(of(&s, "connection").0, Standing::Attention);
    }

    #[test]
    fn a_segment_open_in_a_project_points_to_its_parent() {
        const AUDIENCE: &str =
            include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/customer360.yml");
        const HIGH_VALUE: &str =
            include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/high-value.yml");
        let s = state(SNOWFLAKE).reduce(Action::Open(crate::project::Opened {
            files: vec![
                ("cas/customer360.yml".into(), AUDIENCE.into()),
                (
                    "cas/high-value.yml".into(),
                    HIGH_VALUE.replace("{ name: ltv }", "{ name: LTV }"),
                ),
            ],
            found: 2,
            refused: Vec::new(),
        }));
        assert_eq!(of(&s, "config").0, Standing::Done, "the audience is active");
        let s = s.reduce(Action::Switch(1));
        // Not "a composable segment, not a parent segment": the parent is named, and it is fine.
        assert_eq!(
            of(&s, "config"),
            (Standing::Done, "parent: customer360.yml".into())
        );
        // The segment's own error is still its file's.
        assert_eq!(of(&s, "file"), (Standing::Attention, "1 error".into()));
        assert_eq!(
            readiness(&s),
            Readiness {
                ready: false,
                text: "A segment is open: upload the parent from customer360.yml".into()
            }
        );
    }

    #[test]
    fn the_upload_is_done_for_the_text_uploaded() {
        let s = state(SNOWFLAKE);
        let checks = s.checks;
        let s = s.reduce(Action::Step(ToStudio::Upload(UploadResult {
            revision: checks,
            outcome: Outcome::Created {
                name: "Retail".into(),
                id: "1".into(),
            },
        })));
        assert_eq!(of(&s, "upload"), (Standing::Done, "created in TD".into()));
        let s = s.reduce(Action::Edited(format!("# edited\n{SNOWFLAKE}")));
        assert_eq!(
            of(&s, "upload"),
            (NOT_STARTED, "changed since the upload".into())
        );
        let checks = s.checks;
        let s = s.reduce(Action::Step(ToStudio::Upload(UploadResult {
            revision: checks,
            outcome: Outcome::Failed {
                title: "400".into(),
                marks: Vec::new(),
            },
        })));
        assert_eq!(of(&s, "upload").0, Standing::Attention);
    }
}
