//! Help texts that name a setting name it by one phrase ([`Setting::phrase`]), so each front-end
//! can point at it its own way: the page links the phrase to the setting, the CLI's human output
//! adds the flag after it ([`with_flags`]). A help text never writes the flag itself: the page has
//! no flags.

use std::borrow::Cow;

/// The settings a help text can name (see `config::options`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Warehouse,
    Types,
    IdentifierCase,
}

impl Setting {
    pub const ALL: [Setting; 3] = [Setting::Warehouse, Setting::Types, Setting::IdentifierCase];

    /// How help texts name it.
    pub fn phrase(self) -> &'static str {
        match self {
            Setting::Warehouse => "warehouse setting",
            Setting::Types => "type profile setting",
            Setting::IdentifierCase => "identifier case setting",
        }
    }

    /// The CLI's flag for it.
    pub fn flag(self) -> &'static str {
        match self {
            Setting::Warehouse => "--warehouse",
            Setting::Types => "--types",
            Setting::IdentifierCase => "--identifier-case",
        }
    }

    /// A stable id (the page's element ids and test ids).
    pub fn id(self) -> &'static str {
        match self {
            Setting::Warehouse => "warehouse",
            Setting::Types => "types",
            Setting::IdentifierCase => "case",
        }
    }
}

/// Where `text` names settings: byte ranges of each phrase, in order.
pub fn mentions(text: &str) -> Vec<(std::ops::Range<usize>, Setting)> {
    let mut found: Vec<(std::ops::Range<usize>, Setting)> = Setting::ALL
        .iter()
        .flat_map(|&s| {
            text.match_indices(s.phrase())
                .map(move |(at, p)| (at..at + p.len(), s))
        })
        .collect();
    crate::sort::sort_by_key(&mut found, |(r, _)| r.start);
    found
}

/// `text` with each named setting followed by its flag: "the type profile setting (--types)".
pub fn with_flags(text: &str) -> Cow<'_, str> {
    let found = mentions(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16 * found.len());
    let mut at = 0;
    for (r, s) in found {
        out.push_str(&text[at..r.end]);
        out.push_str(" (");
        out.push_str(s.flag());
        out.push(')');
        at = r.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_found_and_get_their_flags() {
        let help =
            "write `A` under the identifier case setting, or change the type profile setting";
        let found = mentions(help);
        assert_eq!(
            found.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
            [Setting::IdentifierCase, Setting::Types]
        );
        assert_eq!(&help[found[1].0.clone()], "type profile setting");
        assert_eq!(
            with_flags(help),
            "write `A` under the identifier case setting (--identifier-case), or change the type profile setting (--types)"
        );
        assert!(matches!(with_flags("no setting here"), Cow::Borrowed(_)));
    }
}
