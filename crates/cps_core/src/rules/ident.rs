//! Snowflake identifiers: syntax, and the name Snowflake will actually resolve (spec §6, S22).
//! Unquoted identifiers start with a letter or `_`, continue with letters, digits, `_` or `$`,
//! and are stored and resolved in upper case; double-quoted identifiers keep their case, may hold
//! any character, and write a quote as `""`. Either kind is at most 255 characters.

pub const MAX_LEN: usize = 255;

use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident<'a> {
    pub quoted: bool,
    /// The name Snowflake resolves: upper-cased when unquoted, the inner text when quoted.
    /// Borrowed when that is the text itself (the common case: no allocation per name).
    pub resolved: Cow<'a, str>,
}

/// Parses a name as written in a config value.
pub fn parse(raw: &str) -> Result<Ident<'_>, String> {
    if raw.is_empty() {
        return Err("the name is empty".into());
    }
    if let Some(inner) = raw.strip_prefix('"') {
        let Some(inner) = inner.strip_suffix('"') else {
            return Err("a quoted name must end with `\"`".into());
        };
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '"' && chars.next() != Some('"') {
                return Err("a `\"` inside a quoted name must be doubled: `\"\"`".into());
            }
        }
        let resolved: Cow<str> = if inner.contains('"') {
            Cow::Owned(inner.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(inner)
        };
        if resolved.is_empty() {
            return Err("the quoted name is empty".into());
        }
        if resolved.chars().count() > MAX_LEN {
            return Err(format!("the name is longer than {MAX_LEN} characters"));
        }
        return Ok(Ident {
            quoted: true,
            resolved,
        });
    }
    let mut chars = raw.chars();
    let first = chars.next().unwrap_or(' ');
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(format!(
            "an unquoted name must start with a letter or `_`, not `{first}`"
        ));
    }
    if let Some(bad) = raw
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '$'))
    {
        let what = match bad {
            ' ' => "a space".to_string(),
            '.' => "`.`".to_string(),
            c => format!("`{c}`"),
        };
        return Err(format!(
            "an unquoted name holds only letters, digits, `_` and `$`, not {what}"
        ));
    }
    if raw.len() > MAX_LEN {
        return Err(format!("the name is longer than {MAX_LEN} characters"));
    }
    let resolved = if raw.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(raw.to_ascii_uppercase())
    } else {
        Cow::Borrowed(raw)
    };
    Ok(Ident {
        quoted: false,
        resolved,
    })
}

/// The quoted form of a name, for "write it as …" help texts.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The name a value resolves to, or the value itself when it does not parse (so comparisons
/// between two broken names still work).
pub fn resolve(raw: &str) -> Cow<'_, str> {
    parse(raw).map(|i| i.resolved).unwrap_or(Cow::Borrowed(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_folds_to_upper_case() {
        assert_eq!(parse("customers").unwrap().resolved, "CUSTOMERS");
        assert_eq!(parse("_a$1").unwrap().resolved, "_A$1");
        assert!(!parse("Customers").unwrap().quoted);
    }

    #[test]
    fn quoted_keeps_case_and_unescapes() {
        let i = parse("\"Customers\"").unwrap();
        assert!(i.quoted);
        assert_eq!(i.resolved, "Customers");
        assert_eq!(parse("\"a\"\"b\"").unwrap().resolved, "a\"b");
        assert_eq!(parse("\"order items\"").unwrap().resolved, "order items");
    }

    #[test]
    fn rejects_what_snowflake_rejects() {
        for bad in [
            "",
            "1abc",
            "order-items",
            "my table",
            "db.schema",
            "\"open",
            "\"a\"b\"",
            "\"\"",
            "é",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&"a".repeat(256)).is_err());
        assert!(parse(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn quote_escapes() {
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
