//! The one diagnostic model that every front-end shows: a stable code, a severity, a one-line
//! message, the narrowest byte range, a logical path, a help text with the fix, and optional
//! related ranges ("first defined here"), in the same file or, in a project, in another one. The
//! codes are one registry ([`codes`]); a human frame ([`render`]) and the versioned JSON shape
//! ([`report`]) are built from them at the edges. Repeated findings of one kind are grouped for
//! people ([`group`]); help texts name settings by one phrase each ([`settings`]).

pub mod codes;
pub mod group;
pub mod render;
pub mod report;
pub mod settings;

pub use codes::{Code, CodeDoc};

use crate::syntax::span::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the upload: the server would refuse the config or build a broken segment.
    Error,
    /// Does not block: likely a mistake, or a point where TD's sources disagree.
    Warning,
    /// Something cps does on the user's behalf (for example, dropping server-only fields).
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub span: Span,
    pub message: String,
    /// Another file of the project, named as the project names it (a segment's `leftValue.name`
    /// points at the parent's attributes in `customer360.yml`); `None` for the diagnostic's own
    /// file. Positions are made at the edges, as for the diagnostic's range, from that file's
    /// text.
    pub file: Option<String>,
}

impl Related {
    /// A related place in the diagnostic's own file.
    pub fn here(span: Span, message: impl Into<String>) -> Related {
        Related {
            span,
            message: message.into(),
            file: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Logical location in the file's own key names, e.g. `behaviors[1].columnMapping[0].cdwColumn`.
    pub path: String,
    pub help: Option<String>,
    /// Related places, in this file or (in a project) another one.
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            span,
            path: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related::here(span, message));
        self
    }

    /// A related place in another file of the project.
    pub fn related_in(
        mut self,
        file: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: Some(file.into()),
        });
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// How many of `diagnostics` have `severity`.
pub fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}
