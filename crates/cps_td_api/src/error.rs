//! Typed, explained errors. The statuses and their meanings follow TD's CDP API docs (spec §4.3);
//! the body is read in whichever of TD's three published error shapes it came (spec §9.3:
//! `{code, message}`, `{status, error, details}`, JSON:API `errors[]`), or from the older
//! `message`/`error`/`text` fields, and kept as received ([`Reply::raw`]).

use crate::request::{Response, TransportError};
use serde_json::{Map, Value};

/// At most this much of an answer's body is kept as its raw text (an HTML error page from a load
/// balancer can be large; TD's JSON errors are far smaller).
pub const RAW_MAX: usize = 8 * 1024;

/// At most this many problems are read from one answer (each is located in the config; a real
/// refusal lists a handful). The raw text keeps the rest in view.
pub const MAX_PROBLEMS: usize = 100;

/// Which shape TD's error body had.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// `{code, message}`: TD's REST errors (400, 401, 403, 404, other 4XX).
    CodeMessage,
    /// `{status, error, details}`: TD's 5XX errors.
    StatusError,
    /// JSON:API: `{errors: [{code, status, detail, source: {pointer}, meta: {…Code}}]}`.
    JsonApi,
    /// Other JSON with `message`, `error`, `text` or `errors` (TD's v3 API, older CAS answers).
    Other,
    /// Not JSON, or JSON without any of those fields: the body's first line.
    #[default]
    Text,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::CodeMessage => "{code, message}",
            Shape::StatusError => "{status, error, details}",
            Shape::JsonApi => "JSON:API errors",
            Shape::Other => "JSON",
            Shape::Text => "text",
        }
    }
}

/// One problem TD reported. A JSON:API answer can hold several; the other shapes hold one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    /// TD's code for it (`code`), when it gave one.
    pub code: Option<String>,
    /// TD's words (`detail`, `message`, `details`…).
    pub message: String,
    /// JSON:API `source.pointer`, as TD wrote it: a JSON Pointer into the body cps sent.
    pub pointer: Option<String>,
    /// JSON:API `source.parameter`: a query parameter, never part of the config.
    pub parameter: Option<String>,
    /// A field the answer's structure names (the key of an `errors: {field: [...]}` object).
    pub field: Option<String>,
    /// `meta.validationCode`, `meta.parameterCode` or `meta.permissionCode`: (which, value).
    pub meta: Option<(&'static str, String)>,
}

impl Problem {
    /// TD's words with its codes and pointer: `Type is blank [CANNOT_BE_BLANK] at /attributes/0/type`.
    pub fn describe(&self) -> String {
        let mut s = self.message.clone();
        let codes: Vec<String> = self
            .code
            .iter()
            .cloned()
            .chain(self.meta.iter().map(|(k, v)| format!("{k} {v}")))
            .collect();
        if !codes.is_empty() {
            s.push_str(&format!(" [{}]", codes.join(", ")));
        }
        if let Some(p) = self.pointer.as_ref().or(self.field.as_ref()) {
            s.push_str(&format!(" at {p}"));
        }
        if let Some(p) = &self.parameter {
            s.push_str(&format!(" (parameter {p})"));
        }
        s
    }

    /// The code a diagnostic shows next to TD's words: the most specific one TD gave.
    /// A bare number (`"code": 400`) repeats the status and is left out.
    pub fn short_code(&self) -> Option<&str> {
        self.meta
            .as_ref()
            .map(|(_, v)| v.as_str())
            .or(self.code.as_deref())
            .filter(|c| !c.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// The body of an answer that was not a success, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub shape: Shape,
    pub problems: Vec<Problem>,
    /// The body as received (at most [`RAW_MAX`] bytes), for the user and for TD support.
    pub raw: String,
    /// The answer is `cps serve`'s own (its proxy's refusals say `"source": "cps serve"`), not
    /// TD's: nothing in it names a part of the config.
    pub from_proxy: bool,
    summary: String,
}

impl Reply {
    /// Reads an error body in any of TD's shapes. Never fails: what is not JSON is text.
    pub fn parse(body: &str) -> Reply {
        let raw = truncate_bytes(body, RAW_MAX);
        let parsed = serde_json::from_str::<Value>(body).ok();
        let (shape, problems, from_proxy) = match &parsed {
            Some(Value::Object(o)) => {
                let from_proxy = o.get("source").and_then(Value::as_str) == Some("cps serve");
                let (shape, mut problems) = read_object(o);
                problems.truncate(MAX_PROBLEMS);
                (shape, problems, from_proxy)
            }
            _ => (Shape::Text, Vec::new(), false),
        };
        let mut reply = Reply {
            shape,
            problems,
            raw,
            from_proxy,
            summary: String::new(),
        };
        if reply.problems.is_empty() {
            let line = truncate(body.lines().next().unwrap_or("").trim(), 200);
            reply.shape = Shape::Text;
            if !line.is_empty() {
                reply.problems.push(Problem {
                    message: line,
                    ..Problem::default()
                });
            }
        }
        reply.summarize();
        reply
    }

    /// A reply of TD's words alone (tests, and errors rebuilt from the page's event).
    pub fn from_problems(shape: Shape, problems: Vec<Problem>) -> Reply {
        let mut r = Reply {
            shape,
            problems,
            ..Reply::default()
        };
        r.summarize();
        r
    }

    fn summarize(&mut self) {
        let mut parts: Vec<&str> = Vec::new();
        for p in &self.problems {
            if !p.message.is_empty() && !parts.contains(&p.message.as_str()) {
                parts.push(&p.message);
            }
        }
        self.summary = truncate(&parts.join("; "), 500);
    }

    /// TD's messages in one line (empty when it said nothing).
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// `meta.permissionCode` of the first problem that has one.
    pub fn permission_code(&self) -> Option<&str> {
        self.meta_code("permissionCode")
    }

    pub fn meta_code(&self, which: &str) -> Option<&str> {
        self.problems.iter().find_map(|p| match &p.meta {
            Some((k, v)) if *k == which => Some(v.as_str()),
            _ => None,
        })
    }
}

/// A string, or a number written as one (codes and statuses come as either).
fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Any value as text: strings as they are, lists joined, objects as compact JSON.
fn text_of(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_string(),
        Value::Array(a) => a
            .iter()
            .filter_map(|x| text_of(Some(x)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    (!s.is_empty()).then(|| truncate(&s, 1000))
}

fn read_object(o: &Map<String, Value>) -> (Shape, Vec<Problem>) {
    // JSON:API: a list of error objects.
    if let Some(Value::Array(errors)) = o.get("errors") {
        if errors.iter().any(Value::is_object) {
            let problems = errors
                .iter()
                .filter_map(Value::as_object)
                .map(json_api_error)
                .collect();
            return (Shape::JsonApi, problems);
        }
    }
    // `{status, error, details}` (5XX).
    if scalar(o.get("status")).is_some() && o.contains_key("error") {
        let message = [text_of(o.get("error")), text_of(o.get("details"))]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — ");
        let problems = (!message.is_empty())
            .then(|| Problem {
                message,
                ..Problem::default()
            })
            .into_iter()
            .collect();
        return (Shape::StatusError, problems);
    }
    // `{code, message}`.
    if let (Some(code), Some(message)) = (scalar(o.get("code")), text_of(o.get("message"))) {
        let problem = Problem {
            code: Some(code),
            message,
            ..Problem::default()
        };
        return (Shape::CodeMessage, vec![problem]);
    }
    // Older shapes: `message`, `text` and `error` (TD's v3 API has `error` and `text`), joined
    // when they say different things; then `errors` as strings or as `{field: [messages]}`.
    let mut joined: Vec<String> = Vec::new();
    for k in ["message", "text", "error"] {
        if let Some(s) = text_of(o.get(k)) {
            if !joined.iter().any(|j| j.contains(&s)) {
                joined.push(s);
            }
        }
    }
    let mut problems: Vec<Problem> = Vec::new();
    if !joined.is_empty() {
        problems.push(Problem {
            message: joined.join(" — "),
            ..Problem::default()
        });
    }
    match o.get("errors") {
        Some(Value::Array(items)) => problems.extend(items.iter().filter_map(|x| {
            text_of(Some(x)).map(|message| Problem {
                message,
                ..Problem::default()
            })
        })),
        Some(Value::Object(fields)) => {
            problems.extend(fields.iter().filter_map(|(field, v)| {
                text_of(Some(v)).map(|m| Problem {
                    // Rails' wording: "name has already been taken".
                    message: format!("{field} {m}"),
                    field: Some(field.clone()),
                    ..Problem::default()
                })
            }))
        }
        Some(other) => problems.extend(text_of(Some(other)).map(|message| Problem {
            message,
            ..Problem::default()
        })),
        None => {}
    }
    (Shape::Other, problems)
}

fn json_api_error(e: &Map<String, Value>) -> Problem {
    let source = e.get("source").and_then(Value::as_object);
    let from_source = |k: &str| source.and_then(|s| scalar(s.get(k)));
    let meta = e.get("meta").and_then(Value::as_object).and_then(|m| {
        ["validationCode", "parameterCode", "permissionCode"]
            .into_iter()
            .find_map(|k| scalar(m.get(k)).map(|v| (k, v)))
    });
    Problem {
        code: scalar(e.get("code")),
        message: text_of(e.get("detail"))
            .or_else(|| text_of(e.get("title")))
            .or_else(|| text_of(e.get("message")))
            .unwrap_or_default(),
        pointer: from_source("pointer"),
        parameter: from_source("parameter"),
        field: None,
        meta,
    }
}

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
        reply: Reply,
    },
    /// 403: the key's type or permissions, or (since June 2026) CAS's policy-based permissions.
    Forbidden {
        reply: Reply,
    },
    NotFound {
        reply: Reply,
    },
    /// The name is already used by another parent segment (409, or TD's "already taken").
    NameTaken {
        reply: Reply,
    },
    /// 400 and other refusals of the request itself; `reply` holds TD's words.
    Rejected {
        status: u16,
        reply: Reply,
    },
    /// A 3XX: never followed (the key must not travel to another host). The words are cps's
    /// own, so they never point at the config.
    Redirect {
        status: u16,
    },
    RateLimited {
        retry_after: Option<u64>,
    },
    Server {
        status: u16,
        reply: Reply,
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
        // A redirect's body is not TD's word about the request (and is not read).
        let reply = if (300..400).contains(&r.status) {
            Reply::default()
        } else {
            Reply::parse(&r.body)
        };
        let mut e = ApiError::from_reply(r.status, reply);
        if let ApiError::RateLimited { retry_after } = &mut e {
            *retry_after = r.retry_after;
        }
        e
    }

    /// Classifies a status and a plain message (as if TD had answered `{"message": …}`).
    pub fn from_status(status: u16, message: String) -> ApiError {
        let problems = (!message.is_empty())
            .then(|| Problem {
                message,
                ..Problem::default()
            })
            .into_iter()
            .collect();
        ApiError::from_reply(status, Reply::from_problems(Shape::Other, problems))
    }

    /// Classifies a status and TD's answer.
    pub fn from_reply(status: u16, reply: Reply) -> ApiError {
        match status {
            401 => ApiError::Unauthorized { reply },
            403 => ApiError::Forbidden { reply },
            404 => ApiError::NotFound { reply },
            409 => ApiError::NameTaken { reply },
            429 => ApiError::RateLimited { retry_after: None },
            s if (400..500).contains(&s) => {
                if name_taken(&reply) {
                    ApiError::NameTaken { reply }
                } else {
                    ApiError::Rejected { status: s, reply }
                }
            }
            s if s >= 500 => ApiError::Server { status: s, reply },
            // The region or base URL is wrong, and trying again would not help.
            s if (300..400).contains(&s) => ApiError::Redirect { status: s },
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
            ApiError::Rejected { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::Redirect { status } => Some(*status),
            ApiError::BadResponse { status, .. } if *status > 0 => Some(*status),
            _ => None,
        }
    }

    /// What the server answered, read, when it answered with words. Errors of cps's own (a
    /// refused redirect, an unsupported target, a removal not confirmed) have none.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            ApiError::Unauthorized { reply }
            | ApiError::Forbidden { reply }
            | ApiError::NotFound { reply }
            | ApiError::NameTaken { reply }
            | ApiError::Rejected { reply, .. }
            | ApiError::Server { reply, .. } => Some(reply),
            _ => None,
        }
    }

    /// The server's own words in one line, when it gave any.
    pub fn server_text(&self) -> Option<&str> {
        self.reply().map(Reply::summary).filter(|m| !m.is_empty())
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
            // Status 0: the body broke off (or never came) after the head was read.
            ApiError::BadResponse { status: 0, .. } => "TD's answer could not be read".into(),
            ApiError::BadResponse { status, .. } => {
                format!("TD's answer could not be read (status {status})")
            }
            ApiError::Unauthorized { .. } => "401: TD refused the API key".into(),
            ApiError::Forbidden { .. } => {
                "403: permission denied (the API key, or a CAS permission policy)".into()
            }
            ApiError::NotFound { .. } => "404: not found".into(),
            ApiError::NameTaken { .. } => "The name is already taken".into(),
            ApiError::Rejected { status, .. } => format!("{status}: TD refused the request"),
            ApiError::Redirect { status } => {
                format!("{status}: TD answered with a redirect, which cps does not follow")
            }
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
            ApiError::Forbidden { reply } => forbidden_advice(reply.permission_code()),
            ApiError::NotFound { .. } => "The region or base URL may be wrong, or the segment was deleted.".into(),
            ApiError::NameTaken { .. } => "Another parent segment has this name: rename this one, or update the existing one (cps looks it up by name).".into(),
            ApiError::Rejected { .. } => "Fix the config where TD points (shown in the editor when cps can tell where) and try again.".into(),
            ApiError::Redirect { .. } => "The key must not travel to another host, so cps stops here. Check the region, or the base URL (`--endpoint`, `cps serve --td-endpoint`): use the host TD's documentation or support gives.".into(),
            ApiError::RateLimited { retry_after: Some(s) } => format!("Wait {s} s and try again."),
            ApiError::RateLimited { retry_after: None } => "Wait a minute and try again.".into(),
            ApiError::Server { .. } => "This is on TD's side. Try again later; if it persists, contact TD support with the time of the call and TD's answer.".into(),
            ApiError::Unsupported { .. } => "Choose another region, or a custom base URL.".into(),
            ApiError::NeedsConfirmation { .. } => "An update replaces the whole lists: segment rules that use a removed attribute or behavior stop working. Confirm the removal (the page's checkbox, or `cps push --delete`), or add the entries back.".into(),
        }
    }

    /// Title, TD's words and advice, for a terminal or a status panel. One problem goes on the
    /// title's line; several get a line each, with their codes and pointers.
    pub fn explain(&self) -> String {
        let mut s = self.title();
        let problems = self.reply().map_or(&[][..], |r| &r.problems[..]);
        match problems {
            [] => s.push_str(".\n"),
            [one] => s.push_str(&format!(": {}.\n", one.describe())),
            many => {
                s.push_str(&format!(" ({} problems):\n", many.len()));
                for p in many {
                    s.push_str(&format!("- {}\n", p.describe()));
                }
            }
        }
        s.push_str(&self.advice());
        s
    }
}

/// A 403 has two causes since June 2026 (spec §9.3): the key, or CAS's policy-based permissions.
/// TD's `permissionCode` says which permission is missing; then a new key will not help.
fn forbidden_advice(permission_code: Option<&str>) -> String {
    match permission_code {
        Some(code) => {
            let meaning = match code {
                "SEGMENT_FOLDER_VIEW_REQUIRED" => " (view rights on the segment folder)",
                "SEGMENT_FOLDER_EDIT_REQUIRED" => " (edit rights on the segment folder)",
                _ => "",
            };
            format!("TD names the missing permission: {code}{meaning}. Since June 2026 CAS grants permissions through policies: ask a TD admin to give your user a policy with this permission. Another API key will not help unless it belongs to a user who has it.")
        }
        None => "Two possible causes: the API key (a restricted or write-only key; TD's guide recommends a master API key), or, since June 2026, CAS's policy-based permissions (your user needs a policy that allows managing parent segments: ask a TD admin). TD's message, if any, may say which.".into(),
    }
}

/// TD's answer says the segment's name is taken: a uniqueness error on the top-level `name` (by
/// pointer or field, or with none), or the words "already taken"/"already exists".
fn name_taken(reply: &Reply) -> bool {
    reply.problems.iter().any(|p| {
        let lower = p.message.to_ascii_lowercase();
        let words =
            lower.contains("already") && (lower.contains("taken") || lower.contains("exist"));
        let unique = matches!(&p.meta, Some((_, v)) if v == "VIOLATES_UNIQUENESS_CONSTRAINT");
        let about_name = match (&p.pointer, &p.field) {
            (Some(pointer), _) => crate::locate::pointer_path(pointer) == ["name"],
            (None, Some(field)) => field == "name",
            (None, None) => true,
        };
        (words || unique) && about_name
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// At most `max` bytes, cut at a character boundary.
fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
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
            ApiError::Unauthorized { reply } if reply.summary() == "Invalid API key — Unauthorized"
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
        // A redirect is cps's refusal: no words of TD's, nothing retried.
        let e = ApiError::from_response(&resp(301, r#"{"message":"Moved to URL"}"#));
        assert_eq!(e, ApiError::Redirect { status: 301 });
        assert!(e.reply().is_none() && !e.transient() && e.status() == Some(301));
        // A body cut short has no status of its own: none is made up.
        let cut = ApiError::from_transport(&TransportError::Body("reset".into()), false);
        assert_eq!(cut.title(), "TD's answer could not be read");
        assert_eq!(cut.status(), None);
        let garbled = ApiError::BadResponse {
            status: 200,
            detail: "not JSON".into(),
        };
        assert_eq!(
            garbled.title(),
            "TD's answer could not be read (status 200)"
        );
    }

    #[test]
    fn messages_from_every_known_shape() {
        let summary = |b: &str| Reply::parse(b).summary().to_string();
        assert_eq!(summary(r#"{"text":"bad","error":"x"}"#), "bad — x");
        assert_eq!(summary(r#"{"errors":["a","b"]}"#), "a; b");
        assert_eq!(summary("plain\nsecond"), "plain");
        assert_eq!(summary(r#"{"message":"m","error":"m"}"#), "m");
        assert_eq!(summary(&"x".repeat(900)).chars().count(), 201);
        assert_eq!(summary(""), "");
        let r = Reply::parse(&"é".repeat(RAW_MAX));
        assert!(r.raw.len() <= RAW_MAX + "…".len());
        let many = serde_json::json!({"errors": vec![serde_json::json!({"detail": "x"}); 5000]});
        assert_eq!(Reply::parse(&many.to_string()).problems.len(), MAX_PROBLEMS);
        // Deeply nested details stay within serde_json's own depth limit: text, not a panic.
        let deep = format!(
            "{{\"status\":500,\"error\":\"e\",\"details\":{}1{}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert_eq!(Reply::parse(&deep).shape, Shape::Text);
    }

    #[test]
    fn a_403_names_both_causes_or_the_missing_permission() {
        let plain =
            ApiError::from_response(&resp(403, r#"{"code":"FORBIDDEN","message":"Forbidden"}"#));
        assert!(plain.advice().contains("master API key"));
        assert!(plain.advice().contains("policy"));
        let policy = ApiError::from_response(&resp(
            403,
            r#"{"errors":[{"status":"403","detail":"not allowed","meta":{"permissionCode":"SEGMENT_FOLDER_EDIT_REQUIRED"}}]}"#,
        ));
        assert!(policy
            .advice()
            .contains("SEGMENT_FOLDER_EDIT_REQUIRED (edit rights"));
        assert!(policy
            .explain()
            .contains("not allowed [permissionCode SEGMENT_FOLDER_EDIT_REQUIRED]"));
    }

    #[test]
    fn uniqueness_is_a_name_clash_only_on_the_name() {
        let body = |pointer: &str| {
            format!(
                r#"{{"errors":[{{"detail":"must be unique","source":{{"pointer":"{pointer}"}},"meta":{{"validationCode":"VIOLATES_UNIQUENESS_CONSTRAINT"}}}}]}}"#
            )
        };
        for (pointer, taken) in [
            ("/name", true),
            ("/data/attributes/name", true),
            ("/attributes/1/name", false),
            ("/data/attributes/attributes/1/name", false),
        ] {
            let e = ApiError::from_response(&resp(422, &body(pointer)));
            assert_eq!(matches!(e, ApiError::NameTaken { .. }), taken, "{pointer}");
        }
    }
}
