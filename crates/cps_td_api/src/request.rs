//! Requests as plain data: built here, sent by a [`crate::Transport`], shown in a dry run.

use crate::endpoints::Method;

/// A TD API key (`<key id>/<secret>`). Its `Debug` is masked and it has no `Display`, so it cannot
/// reach a log or an error message by accident; the only way out is [`ApiKey::expose`], called
/// where the header is written.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// The credentials after an `Authorization` value's `TD1 ` scheme, or `None` without it. HTTP's
/// scheme names are case-insensitive, so `td1 ` (a hand-written curl, a pasted header) is TD1 too.
pub fn without_scheme(authorization: &str) -> Option<&str> {
    authorization
        .get(..4)
        .filter(|scheme| scheme.eq_ignore_ascii_case("TD1 "))
        .map(|_| &authorization[4..])
}

impl ApiKey {
    /// Trims what copy-paste adds (spaces, newlines, a pasted `TD1 ` prefix).
    pub fn new(key: &str) -> Result<ApiKey, String> {
        let k = key.trim();
        let k = without_scheme(k).map_or(k, str::trim);
        if k.is_empty() {
            return Err("The API key is empty.".into());
        }
        if k.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(
                "The API key contains spaces or control characters: paste it again.".into(),
            );
        }
        // A key is printable ASCII (`<key id>/<secret>`); anything else cannot go into an HTTP
        // header, and would only fail later as a "network failure", retried. A typographic dash
        // or quote from a document or chat is the usual cause.
        if !k.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "The API key contains a character that is not plain ASCII (a typographic dash or quote from a document?): paste it again from the TD console.".into(),
            );
        }
        Ok(ApiKey(k.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `1234/••••` — the key id (not secret, it names the key) and nothing of the secret.
    pub fn masked(&self) -> String {
        match self.0.split_once('/') {
            Some((id, _)) if !id.is_empty() && id.len() < 12 => format!("{id}/••••"),
            _ => "••••".to_string(),
        }
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", self.masked())
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub url: String,
    /// Without the Authorization header: the transport adds it from `key`, so a request can be
    /// shown, logged or copied without the key.
    pub headers: Vec<(String, String)>,
    pub key: ApiKey,
    pub body: Option<String>,
}

impl Request {
    pub fn authorization(&self) -> String {
        format!("TD1 {}", self.key.expose())
    }

    /// The request as text for a dry run: method, URL, headers (key masked), body.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}\n", self.method.as_str(), self.url);
        s.push_str(&format!("Authorization: TD1 {}\n", self.key.masked()));
        for (k, v) in &self.headers {
            s.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(b) = &self.body {
            s.push('\n');
            s.push_str(b);
            if !b.ends_with('\n') {
                s.push('\n');
            }
        }
        s
    }

    /// A curl command that reads the key from `$TD_API_KEY` (never the key itself: a copied
    /// command lands in shell history and chat logs). The body is sent from a file the user saves
    /// next to it, as TD's docs do (`-d @parent_segment_config.json`).
    pub fn to_curl(&self, body_file: &str) -> String {
        let mut s = format!(
            "curl -sS -X {} {}",
            self.method.as_str(),
            shell_quote(&self.url)
        );
        s.push_str(" \\\n  -H \"Authorization: TD1 $TD_API_KEY\"");
        for (k, v) in &self.headers {
            s.push_str(&format!(" \\\n  -H {}", shell_quote(&format!("{k}: {v}"))));
        }
        if self.body.is_some() {
            s.push_str(&format!(" \\\n  --data-binary @{}", shell_quote(body_file)));
        }
        s
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%=+,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What came back, whatever the status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<u64>,
}

/// Why no response came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// No answer in time. The server may have acted.
    Timeout,
    /// The connection failed or broke (refused, reset, closed early, TLS). In a browser this is
    /// also what a CORS refusal looks like: fetch cannot tell them apart.
    Network(String),
    /// The response arrived but its body could not be read (cut short).
    Body(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_masked_and_never_printed() {
        let k = ApiKey::new("  TD1 1234/abcdefsecret\n").unwrap();
        assert_eq!(k.expose(), "1234/abcdefsecret");
        assert_eq!(k.masked(), "1234/••••");
        assert!(!format!("{k:?}").contains("abcdef"));
        assert!(ApiKey::new(" ").is_err());
        assert!(ApiKey::new("12/ab cd").is_err());
        assert_eq!(ApiKey::new("nosecretpart").unwrap().masked(), "••••");
        assert_eq!(ApiKey::new("td1 12/ab").unwrap().expose(), "12/ab");
        // A typographic dash (U+2010) cannot go into a header: refused here, without the key.
        let e = ApiKey::new("12/ab\u{2010}cd").unwrap_err();
        assert!(e.contains("ASCII") && !e.contains("ab"), "{e}");
        // A byte-order mark from a file is neither whitespace nor a control character.
        assert!(ApiKey::new("\u{feff}12/ab").is_err());
        let r = Request {
            method: Method::Post,
            url: "https://api-cas.treasuredata.com/composable_audiences".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            key: k,
            body: Some("{}".into()),
        };
        let d = r.describe();
        assert!(d.starts_with("POST https://api-cas"));
        assert!(d.contains("Authorization: TD1 1234/••••"));
        assert!(!d.contains("abcdef"));
        let c = r.to_curl("parent segment.json");
        assert!(c.contains("$TD_API_KEY") && !c.contains("abcdef"), "{c}");
        assert!(c.contains("--data-binary @'parent segment.json'"), "{c}");
    }
}
