//! Typed, explained errors. The statuses and their meanings follow TD's CDP API docs (spec §4.3);
//! the body shape is undocumented for CAS, so the server's words are read from `message`,
//! `error` or `text`, whichever is there.

use crate::request::{Response, TransportError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No HTTP response: the network failed, or (in a browser) the call was blocked (CORS).
    Network {
        detail: String,
        browser: bool,
    },
    Timeout,
    /// The body could not be read or was not the JSON expected.
    BadResponse {
        status: u16,
        detail: String,
    },
    Unauthorized {
        message: String,
    },
    Forbidden {
        message: String,
    },
    NotFound {
        message: String,
    },
    /// The name is already used by another parent segment (409, or TD's "already taken").
    NameTaken {
        message: String,
    },
    /// 400 and other refusals of the request itself; `message` is the server's.
    Rejected {
        status: u16,
        message: String,
    },
    RateLimited {
        retry_after: Option<u64>,
    },
    Server {
        status: u16,
        message: String,
    },
    /// Not a call that failed: the target cannot do it (e.g. no CAS host for the region).
    Unsupported {
        detail: String,
    },
    /// Not sent: the update would remove these entries and the user has not confirmed it.
    NeedsConfirmation {
        removals: Vec<String>,
    },
}

impl ApiError {
    /// Classifies a response that is not a success.
    pub fn from_response(r: &Response) -> ApiError {
        let mut e = ApiError::from_status(r.status, server_message(&r.body));
        if let ApiError::RateLimited { retry_after } = &mut e {
            *retry_after = r.retry_after;
        }
        e
    }

    /// Classifies a status and the server's message.
    pub fn from_status(status: u16, message: String) -> ApiError {
        match status {
            401 => ApiError::Unauthorized { message },
            403 => ApiError::Forbidden { message },
            404 => ApiError::NotFound { message },
            409 => ApiError::NameTaken { message },
            429 => ApiError::RateLimited { retry_after: None },
            s if (400..500).contains(&s) => {
                let lower = message.to_ascii_lowercase();
                if lower.contains("already") && (lower.contains("taken") || lower.contains("exist"))
                {
                    ApiError::NameTaken { message }
                } else {
                    ApiError::Rejected { status: s, message }
                }
            }
            s if s >= 500 => ApiError::Server { status: s, message },
            // Redirects are never followed (the key must not travel to another host): the
            // region or base URL is wrong, and trying again would not help.
            s if (300..400).contains(&s) => ApiError::Rejected {
                status: s,
                message: "TD answered with a redirect, which cps does not follow: check the region or base URL".into(),
            },
            s => ApiError::BadResponse {
                status: s,
                detail: format!("unexpected status {s}"),
            },
        }
    }

    pub fn from_transport(e: &TransportError, browser: bool) -> ApiError {
        match e {
            TransportError::Timeout => ApiError::Timeout,
            TransportError::Network(d) => ApiError::Network {
                detail: d.clone(),
                browser,
            },
            TransportError::Body(d) => ApiError::BadResponse {
                status: 0,
                detail: d.clone(),
            },
        }
    }

    /// The server may have done what was asked even though we did not hear it succeed. A create
    /// after such a failure must look before it tries again.
    pub fn ambiguous(&self) -> bool {
        matches!(
            self,
            ApiError::Network { .. }
                | ApiError::Timeout
                | ApiError::BadResponse { .. }
                | ApiError::Server { .. }
        )
    }

    /// Worth trying again (for a call that is safe to repeat).
    pub fn transient(&self) -> bool {
        self.ambiguous() || matches!(self, ApiError::RateLimited { .. })
    }

    /// The HTTP status behind the error, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Forbidden { .. } => Some(403),
            ApiError::NotFound { .. } => Some(404),
            ApiError::NameTaken { .. } => Some(409),
            ApiError::RateLimited { .. } => Some(429),
            ApiError::Rejected { status, .. } | ApiError::Server { status, .. } => Some(*status),
            ApiError::BadResponse { status, .. } if *status > 0 => Some(*status),
            _ => None,
        }
    }

    /// The server's own words, when it gave any.
    pub fn server_text(&self) -> Option<&str> {
        match self {
            ApiError::Unauthorized { message }
            | ApiError::Forbidden { message }
            | ApiError::NotFound { message }
            | ApiError::NameTaken { message }
            | ApiError::Rejected { message, .. }
            | ApiError::Server { message, .. } => Some(message.as_str()).filter(|m| !m.is_empty()),
            _ => None,
        }
    }

    /// One line: what happened.
    pub fn title(&self) -> String {
        match self {
            ApiError::Network { browser: true, .. } => {
                "The browser could not reach TD (network failure, or the call was blocked by CORS)"
                    .into()
            }
            ApiError::Network { .. } => "Could not reach TD (network failure)".into(),
            ApiError::Timeout => "TD did not answer in time".into(),
            ApiError::BadResponse { status, .. } => {
                format!("TD's answer could not be read (status {status})")
            }
            ApiError::Unauthorized { .. } => "401: TD refused the API key".into(),
            ApiError::Forbidden { .. } => "403: the API key lacks permission".into(),
            ApiError::NotFound { .. } => "404: not found".into(),
            ApiError::NameTaken { .. } => "The name is already taken".into(),
            ApiError::Rejected { status, .. } => format!("{status}: TD refused the request"),
            ApiError::RateLimited { .. } => "429: too many requests".into(),
            ApiError::Server { status, .. } => format!("{status}: TD had an internal error"),
            ApiError::Unsupported { detail } => detail.clone(),
            ApiError::NeedsConfirmation { removals } => {
                format!("Not sent: the update would remove {}", removals.join(", "))
            }
        }
    }

    /// What to do about it.
    pub fn advice(&self) -> String {
        match self {
            ApiError::Network { browser: true, .. } => "TD's API hosts may not allow calls from web pages (CORS), and the browser does not say which it was. Run the page through `cps serve` (the README's run command) and choose \"Through cps serve\": it forwards the call from your machine. Or use the dry run's curl command.".into(),
            ApiError::Network { detail, .. } => format!("Check the network and the region or base URL. ({detail})"),
            ApiError::Timeout => "Try again later. A create that timed out is checked by name before any retry, so trying again never makes a duplicate.".into(),
            ApiError::BadResponse { detail, .. } => format!("The answer was cut short or was not JSON ({detail}). Try again; a create is checked by name first."),
            ApiError::Unauthorized { .. } => "Check the key: it is `<key id>/<secret>` from the TD console (My Settings → API Keys), for this region. A master key is recommended.".into(),
            ApiError::Forbidden { .. } => "Use a master API key, or ask an admin for permission to manage parent segments.".into(),
            ApiError::NotFound { .. } => "The region or base URL may be wrong, or the segment was deleted.".into(),
            ApiError::NameTaken { .. } => "Another parent segment has this name: rename this one, or update the existing one (cps looks it up by name).".into(),
            ApiError::Rejected { .. } => "Fix the config where TD points (shown in the editor when cps can tell where) and try again.".into(),
            ApiError::RateLimited { retry_after: Some(s) } => format!("Wait {s} s and try again."),
            ApiError::RateLimited { retry_after: None } => "Wait a minute and try again.".into(),
            ApiError::Server { .. } => "This is on TD's side. Try again later; if it persists, contact TD support with the time of the call.".into(),
            ApiError::Unsupported { .. } => "Choose another region, or a custom base URL.".into(),
            ApiError::NeedsConfirmation { .. } => "An update replaces the whole lists: segment rules that use a removed attribute or behavior stop working. Confirm the removal (the page's checkbox, or `cps push --delete`), or add the entries back.".into(),
        }
    }

    /// Title, server message and advice, for a terminal or a status panel.
    pub fn explain(&self) -> String {
        let mut s = self.title();
        if let Some(m) = self.server_text() {
            s.push_str(&format!(": {m}"));
        }
        s.push_str(".\n");
        s.push_str(&self.advice());
        s
    }
}

/// The server's message from a JSON error body (`message`, `error`, `text`, in that order; `error`
/// and `message` may both be there, as in TD's v3 errors, and are then joined), else the body's
/// first line.
pub fn server_message(body: &str) -> String {
    if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(body) {
        let field = |k: &str| {
            o.get(k).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(a) => Some(
                    a.iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                _ => None,
            })
        };
        let parts: Vec<String> = ["message", "text", "error", "errors"]
            .iter()
            .filter_map(|k| field(k))
            .filter(|s| !s.is_empty())
            .collect();
        let mut unique: Vec<String> = Vec::new();
        for p in parts {
            if !unique.iter().any(|u| u.contains(&p)) {
                unique.push(p);
            }
        }
        if !unique.is_empty() {
            return truncate(&unique.join(" — "), 500);
        }
    }
    truncate(body.lines().next().unwrap_or("").trim(), 200)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> Response {
        Response {
            status,
            body: body.into(),
            retry_after: None,
        }
    }

    #[test]
    fn statuses_become_kinds() {
        assert!(matches!(
            ApiError::from_response(&resp(401, r#"{"error":"Unauthorized","message":"Invalid API key"}"#)),
            ApiError::Unauthorized { message } if message == "Invalid API key — Unauthorized"
        ));
        assert!(matches!(
            ApiError::from_response(&resp(400, r#"{"message":"Name has already been taken"}"#)),
            ApiError::NameTaken { .. }
        ));
        assert!(matches!(
            ApiError::from_response(&resp(
                400,
                r#"{"message":"Type is not included in the list"}"#
            )),
            ApiError::Rejected { status: 400, .. }
        ));
        let e = ApiError::from_response(&resp(503, "<html>Service Unavailable</html>"));
        assert!(e.ambiguous() && e.transient());
        assert!(e.explain().contains("<html>Service Unavailable</html>"));
        let e = ApiError::from_response(&Response {
            status: 429,
            body: String::new(),
            retry_after: Some(3),
        });
        assert!(!e.ambiguous() && e.transient());
        assert!(e.advice().contains("3 s"));
        assert!(!ApiError::from_response(&resp(403, "")).transient());
    }

    #[test]
    fn messages_from_every_known_shape() {
        assert_eq!(server_message(r#"{"text":"bad","error":"x"}"#), "bad — x");
        assert_eq!(server_message(r#"{"errors":["a","b"]}"#), "a; b");
        assert_eq!(server_message("plain\nsecond"), "plain");
        assert_eq!(server_message(r#"{"message":"m","error":"m"}"#), "m");
        assert_eq!(server_message(&"x".repeat(900)).chars().count(), 201);
    }
}
