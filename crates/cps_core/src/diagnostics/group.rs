//! Repeated findings of one kind, together: a config written in lower case gets one
//! `identifier-case` warning per name, and a list of thirteen alike rows buries the one error
//! that matters. Front-ends show a group once, with its count and every place underneath (the
//! page's Problems panel, the CLI's human output); the editor still marks every place, and the
//! JSON report stays one entry per place, so tools see each place as before.

use super::{Code, Diagnostic, Severity};

/// The diagnostics of one code and severity, in the order they were given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    pub code: Code,
    pub severity: Severity,
    /// At least one.
    pub places: Vec<&'a Diagnostic>,
}

impl<'a> Group<'a> {
    pub fn first(&self) -> &'a Diagnostic {
        self.places[0]
    }

    /// Whether it is one place (shown as the diagnostic itself).
    pub fn single(&self) -> bool {
        self.places.len() == 1
    }

    /// The help every place shares, when they share one (said once, above the places).
    pub fn shared_help(&self) -> Option<&'a str> {
        let first = self.first().help.as_deref()?;
        self.places
            .iter()
            .all(|d| d.help.as_deref() == Some(first))
            .then_some(first)
    }
}

/// `diagnostics` grouped by code and severity; groups come in the order of their first place, so
/// a list sorted by position stays sorted by where each kind first occurs.
///
/// A linear search of the groups so far: there are at most as many as codes (about a hundred),
/// and a map would cost the page's wasm a hash table of its own.
pub fn group(diagnostics: &[Diagnostic]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for d in diagnostics {
        match groups
            .iter_mut()
            .find(|g| g.code == d.code && g.severity == d.severity)
        {
            Some(g) => g.places.push(d),
            None => groups.push(Group {
                code: d.code,
                severity: d.severity,
                places: vec![d],
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    fn d(code: Code, at: usize, help: &str) -> Diagnostic {
        Diagnostic::new(code, format!("at {at}"), Span::new(at, at + 1)).help(help)
    }

    #[test]
    fn groups_by_kind_in_order_of_first_place() {
        let all = vec![
            d(Code::IdentifierCase, 1, "a"),
            d(Code::InvalidTimezone, 2, "tz"),
            d(Code::IdentifierCase, 3, "b"),
            d(Code::IdentifierCase, 4, "c"),
            // Same code, lowered severity: a kind of its own.
            d(Code::InvalidTimezone, 5, "tz").severity(Severity::Warning),
        ];
        let groups = group(&all);
        let shape: Vec<(&str, Severity, Vec<u32>)> = groups
            .iter()
            .map(|g| {
                (
                    g.code.as_str(),
                    g.severity,
                    g.places.iter().map(|p| p.span.start).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("identifier-case", Severity::Warning, vec![1, 3, 4]),
                ("invalid-timezone", Severity::Error, vec![2]),
                ("invalid-timezone", Severity::Warning, vec![5]),
            ]
        );
        assert!(!groups[0].single() && groups[1].single());
        assert_eq!(groups[0].shared_help(), None, "each place has its own fix");
        assert_eq!(groups[1].shared_help(), Some("tz"));
        // Every diagnostic is in exactly one group.
        assert_eq!(
            groups.iter().map(|g| g.places.len()).sum::<usize>(),
            all.len()
        );
        assert!(group(&[]).is_empty());
    }
}
