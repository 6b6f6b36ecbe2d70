//! The messages between the studio and the steps module, both ways, as serde enums carried in
//! the `detail` of one DOM event per direction ([`crate::browser::send`]).
//!
//! - studio → step: [`ToStep`]: every check the step should know about ([`Revision`]);
//! - step → studio: [`ToStudio`]: findings the studio shows with its own, catalog names to
//!   complete, a connection id to put in every entry, and how an upload ended.
//!
//! Ranges cross as byte offsets into the text of the revision they were made for; the studio
//! drops findings made for any other revision, and converts to the editor's UTF-16 offsets once,
//! together with its own diagnostics. No message carries the TD API key or a private key.
//!
//! The encoding is postcard (serde's compact binary format, no_std-sized): the messages never
//! leave the page and both ends are built from this crate together, so a self-describing format
//! buys nothing, and decoding JSON cost the studio's first load 13.6 KB gzipped more than
//! postcard (measured: 370,575 vs 356,995 bytes for the studio's wasm). [`PROTOCOL`] tells a
//! steps module from another build (a stale cache) apart before any message is read.

use cps_core::{Code, Diagnostic, Severity, Span};
use serde::{Deserialize, Serialize};

/// A fingerprint of this file, so of every message's layout: the studio passes it when it mounts
/// a step, and a steps module built from another version of this file refuses to mount.
pub const PROTOCOL: u32 = fnv1a(include_str!("message.rs").as_bytes());

const fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// The name of the DOM event, and the encoding of its detail.
pub trait Message: Serialize + for<'de> Deserialize<'de> {
    const EVENT: &'static str;

    fn encode(&self) -> Vec<u8> {
        // Strings, numbers, sequences and enums with a known length: cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    fn decode(bytes: &[u8]) -> Result<Self, String> {
        postcard::from_bytes(bytes).map_err(|e| e.to_string())
    }
}

/// Studio → step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToStep {
    /// A check of the studio's text: the first when the step mounts, then each one made while
    /// the step is shown (or follows the studio, see [`ToStudio::Follow`]).
    Revision(Revision),
}

impl Message for ToStep {
    const EVENT: &'static str = "cps:to-step";
}

/// Step → studio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToStudio {
    /// A step's findings for one revision. They replace that source's earlier findings and are
    /// shown (editor, problems, toolbar counts) while the studio is at that revision.
    Findings(Findings),
    /// Names the editor offers as completions (tables and columns from a catalog); empty turns
    /// completion off.
    Completions(Vec<String>),
    /// `true`: send every revision, also while the step is hidden (its findings depend on the
    /// text, e.g. a catalog is loaded); `false`: only while it is shown (the default).
    Follow(bool),
    /// A zero-copy config id to put into every entry that names a connection.
    SetConnection(String),
    /// How an upload of a revision ended.
    Upload(UploadResult),
    /// Where the user stands in a stage of the guided path that only the steps see (a key pair
    /// made, TD reached, a catalog or the data checks' results loaded). Replaces that stage's
    /// earlier word; the studio derives the other stages from its own check.
    Progress(Progress),
}

/// The stages of the guided path the steps report ([`ToStudio::Progress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    KeyPair,
    Connection,
    Catalog,
    Data,
}

/// How far a stage is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    NotStarted,
    Attention,
    Done,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub stage: Stage,
    pub standing: Standing,
    /// A few words for the path ("generated", "2 findings").
    pub status: String,
}

impl Message for ToStudio {
    const EVENT: &'static str = "cps:to-studio";
}

/// One check of the studio's text, as a step needs it.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Revision {
    /// The studio's check counter: findings, plans and uploads name the revision they are for.
    pub revision: u64,
    /// The text as the user wrote it, and the settings it was checked with
    /// (`cps_core::config::options::options_to_string`): a step that needs the config model (grants,
    /// catalog, check pack, or locating TD's refusal) decodes it from these.
    pub text: String,
    pub options: String,
    /// The upload body, for the step that uploads (`None` for the others: the studio makes it
    /// only for a step that needs it).
    #[serde(default)]
    pub body: Option<Body>,
}

impl Revision {
    pub fn options(&self) -> cps_core::Options {
        cps_core::config::options::options_from_string(&self.options)
    }
}

/// The exact API body (pretty JSON), or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    Ready(String),
    Blocked(String),
}

/// Where findings come from. Each source's findings replace only its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The Snowflake step's checks against a catalog export.
    Catalog,
    /// TD's refusal of an upload, pointed at the config (`server-refused`).
    Td,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    pub source: Source,
    pub revision: u64,
    pub findings: Vec<Finding>,
    /// Diagnostics of the studio's own check that this source settles (the catalog resolves the
    /// name an `identifier-case` warning doubts), hidden while these findings are shown.
    #[serde(default)]
    pub withdrawn: Vec<Mark>,
}

/// A diagnostic as it crosses: the code's name, the byte range in the revision's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Level,
    pub start: u32,
    pub end: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Which diagnostic: its code and range.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mark {
    pub code: String,
    pub start: u32,
    pub end: u32,
}

impl Mark {
    pub fn of(d: &Diagnostic) -> Mark {
        Mark {
            code: d.code.as_str().to_string(),
            start: d.span.start,
            end: d.span.end,
        }
    }

    pub fn matches(&self, d: &Diagnostic) -> bool {
        self.start == d.span.start && self.end == d.span.end && self.code == d.code.as_str()
    }
}

/// `cps_core::Severity`, which is not `Deserialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl From<Severity> for Level {
    fn from(s: Severity) -> Level {
        match s {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info => Level::Info,
        }
    }
}

impl From<Level> for Severity {
    fn from(l: Level) -> Severity {
        match l {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }
    }
}

impl Finding {
    /// Related ranges do not cross: every view of the studio shows the primary range only.
    pub fn of(d: &Diagnostic) -> Finding {
        Finding {
            code: d.code.as_str().to_string(),
            severity: d.severity.into(),
            start: d.span.start,
            end: d.span.end,
            path: d.path.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
        }
    }

    /// The diagnostic in `text` (the text of the revision it was made for), or `None` when it
    /// names no known code or its range is not a range of `text` on character boundaries.
    pub fn to_diagnostic(&self, text: &str) -> Option<Diagnostic> {
        let code = Code::from_name(&self.code)?;
        let (start, end) = (self.start as usize, self.end as usize);
        let inside = start <= end && end <= text.len();
        if !(inside && text.is_char_boundary(start) && text.is_char_boundary(end)) {
            return None;
        }
        let mut d = Diagnostic::new(code, self.message.clone(), Span::new(start, end))
            .path(self.path.clone())
            .severity(self.severity.into());
        d.help = self.help.clone();
        Some(d)
    }
}

/// How an upload ended, for the studio's status line. TD's refusal pointed at the config comes
/// with it (`marks`, shown as [`Source::Td`] findings); the full explanation stays in the step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadResult {
    /// The revision whose body was uploaded.
    pub revision: u64,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created {
        name: String,
        id: String,
    },
    Updated {
        name: String,
        id: String,
    },
    Failed {
        /// The error's one-line title (`ApiError::title`).
        title: String,
        marks: Vec<Finding>,
    },
}

impl UploadResult {
    /// The studio's status line for it.
    pub fn notice(&self) -> String {
        match &self.outcome {
            Outcome::Created { name, id } => format!("Uploaded: created “{name}” in TD (id {id})."),
            Outcome::Updated { name, id } => format!("Uploaded: updated “{name}” in TD (id {id})."),
            Outcome::Failed { title, marks } if marks.is_empty() => {
                format!("Upload failed: {title} (details in the Upload tab; the config is unchanged).")
            }
            Outcome::Failed { title, marks } => format!(
                "Upload failed: {title} TD's answer names {} place{} in the config, marked as server-refused.",
                marks.len(),
                if marks.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name: 顧客\ntimezone: Tokyo\n";

    fn diagnostic() -> Diagnostic {
        let at = TEXT.find("Tokyo").unwrap();
        Diagnostic::new(
            Code::InvalidTimezone,
            "not a time zone",
            Span::new(at, at + 5),
        )
        .path("timezone")
        .help("use an IANA name")
        .severity(Severity::Warning)
    }

    #[test]
    fn messages_round_trip() {
        let to_step = ToStep::Revision(Revision {
            revision: 7,
            text: TEXT.into(),
            options: "warehouse=auto;types=current;case=exact".into(),
            body: Some(Body::Blocked("The config has 1 error".into())),
        });
        assert_eq!(ToStep::decode(&to_step.encode()), Ok(to_step));
        let d = diagnostic();
        for m in [
            ToStudio::Findings(Findings {
                source: Source::Catalog,
                revision: 3,
                findings: vec![Finding::of(&d)],
                withdrawn: vec![Mark::of(&d)],
            }),
            ToStudio::Completions(vec!["CUSTOMERS".into(), "\"odd\tname\"".into()]),
            ToStudio::Follow(true),
            ToStudio::SetConnection("168".into()),
            ToStudio::Upload(UploadResult {
                revision: 4,
                outcome: Outcome::Failed {
                    title: "400: TD refused the config".into(),
                    marks: vec![Finding::of(&d)],
                },
            }),
            ToStudio::Progress(Progress {
                stage: Stage::Catalog,
                standing: Standing::Attention,
                status: "2 findings".into(),
            }),
            ToStudio::Upload(UploadResult {
                revision: 4,
                outcome: Outcome::Created {
                    name: "Retail".into(),
                    id: "1001".into(),
                },
            }),
        ] {
            let bytes = m.encode();
            assert_eq!(ToStudio::decode(&bytes), Ok(m.clone()));
            // A message cut short is refused, not guessed.
            assert!(
                ToStudio::decode(&bytes[..bytes.len() - 1]).is_err(),
                "{m:?}"
            );
        }
        assert!(ToStudio::decode(&[]).is_err());
        assert!(ToStudio::decode(&[99]).is_err(), "no such message");
    }

    #[test]
    fn findings_become_the_same_diagnostics_in_the_same_text_only() {
        let d = diagnostic();
        let back = Finding::of(&d).to_diagnostic(TEXT).unwrap();
        assert_eq!(back, d);
        assert!(Mark::of(&d).matches(&back));
        // Out of range, inside a character, reversed, or an unknown code: dropped.
        let f = |start, end, code: &str| Finding {
            code: code.into(),
            start,
            end,
            ..Finding::of(&d)
        };
        assert!(f(0, 999, "invalid-timezone").to_diagnostic(TEXT).is_none());
        assert!(f(7, 8, "invalid-timezone").to_diagnostic(TEXT).is_none());
        assert!(f(5, 2, "invalid-timezone").to_diagnostic(TEXT).is_none());
        assert!(f(0, 4, "no-such-code").to_diagnostic(TEXT).is_none());
        assert!(f(0, 4, "server-refused").to_diagnostic(TEXT).is_some());
    }

    #[test]
    fn upload_results_read_as_a_status_line() {
        let r = |outcome| {
            UploadResult {
                revision: 1,
                outcome,
            }
            .notice()
        };
        assert_eq!(
            r(Outcome::Created {
                name: "Retail".into(),
                id: "1001".into()
            }),
            "Uploaded: created “Retail” in TD (id 1001)."
        );
        let marks = vec![Finding::of(&diagnostic()); 2];
        assert!(r(Outcome::Failed {
            title: "TD refused the config.".into(),
            marks
        })
        .ends_with("names 2 places in the config, marked as server-refused."));
    }
}
