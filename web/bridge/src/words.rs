//! Words shown on the page: cps's messages and help texts mark names and values with backticks
//! (`` `Tokyo` is not an IANA time zone name ``), which a terminal shows as they are. The page
//! draws those parts as code instead of showing the backticks; this splits a text into its plain
//! and code parts and draws them, the same in both modules.

use yew::{html, Html};

/// `text` as the page shows it: each `` `name` `` as code, its backticks not drawn (they stay in
/// the text, hidden by `code.name .tick` in style.css, so the words read and copy as the CLI
/// prints them).
pub fn html(text: &str) -> Html {
    html! { <>{ for code_spans(text).into_iter().map(|(code, part)| if code {
        html! { <code class="name"><span class="tick">{"`"}</span>{part.to_string()}<span class="tick">{"`"}</span></code> }
    } else {
        html! { {part.to_string()} }
    }) }</> }
}

/// The parts of `text` in order: `(true, name)` for each pair of backticks' content, `(false,
/// words)` for the rest. An unpaired backtick stays in the words; an empty pair (` `` `) too.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let rest = text;
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(open) = rest[at..].find('`').map(|i| at + i) {
        let Some(close) = rest[open + 1..].find('`').map(|i| open + 1 + i) else {
            break;
        };
        if close == open + 1 {
            // "``": no name inside, keep it as written.
            at = close + 1;
            continue;
        }
        if open > plain_from {
            out.push((false, &rest[plain_from..open]));
        }
        out.push((true, &rest[open + 1..close]));
        plain_from = close + 1;
        at = plain_from;
    }
    if plain_from < rest.len() {
        out.push((false, &rest[plain_from..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::code_spans;

    #[test]
    fn names_in_backticks_are_code_the_rest_words() {
        assert_eq!(
            code_spans("`Tokyo` is not an IANA time zone name"),
            vec![(true, "Tokyo"), (false, " is not an IANA time zone name")]
        );
        assert_eq!(
            code_spans("did you mean `Asia/Tokyo`?"),
            vec![(false, "did you mean "), (true, "Asia/Tokyo"), (false, "?")]
        );
        assert_eq!(
            code_spans("write `PUBLIC`, or \"public\" if `x`"),
            vec![
                (false, "write "),
                (true, "PUBLIC"),
                (false, ", or \"public\" if "),
                (true, "x")
            ]
        );
    }

    #[test]
    fn unpaired_and_empty_backticks_stay_as_written() {
        assert_eq!(code_spans("no code"), vec![(false, "no code")]);
        assert_eq!(code_spans(""), Vec::<(bool, &str)>::new());
        assert_eq!(code_spans("a ` alone"), vec![(false, "a ` alone")]);
        assert_eq!(
            code_spans("`a` and ` one"),
            vec![(true, "a"), (false, " and ` one")]
        );
        assert_eq!(
            code_spans("an `` empty pair"),
            vec![(false, "an `` empty pair")]
        );
    }
}
