//! The contract between the studio (`web/`) and its Upload step (`web/upload/`), two wasm
//! modules that share no memory and talk through DOM events on one host element. Here, in the
//! crate both depend on, so the two sides cannot drift apart.
//!
//! - studio → Upload: [`CONFIG_EVENT`], detail = [`ConfigEvent`] as JSON;
//! - Upload → studio: [`SET_CONNECTION_EVENT`] (detail: the zero-copy config id to put in every
//!   entry) and [`SERVER_REFUSED_EVENT`] (detail: [`refused_detail`], TD's status and problems;
//!   the studio points them at the config with [`crate::locate`]).
//!
//! No event carries the API key.

/// The config as the studio last checked it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ConfigEvent {
    /// The exact API body (pretty JSON), when the config has no errors.
    pub body: Option<String>,
    /// Why there is no body.
    pub blocked: Option<String>,
    /// The studio's check counter: a plan is for the check it was made from.
    pub revision: u64,
    /// The text as the user wrote it, and the settings it was checked with (the studio's
    /// settings string), for steps that check it further (the Snowflake step's catalog).
    pub text: String,
    pub options: String,
}

impl ConfigEvent {
    pub fn to_json(&self) -> String {
        // Written by hand (strings escaped by serde_json): the studio sends one per check, and
        // building a `Value` for it would cost the studio's wasm more code than this.
        let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let optional = |s: &Option<String>| s.as_deref().map_or("null".to_string(), string);
        format!(
            r#"{{"body":{},"blocked":{},"revision":{},"text":{},"options":{}}}"#,
            optional(&self.body),
            optional(&self.blocked),
            self.revision,
            string(&self.text),
            string(&self.options)
        )
    }

    pub fn from_json(s: &str) -> ConfigEvent {
        let v: serde_json::Value = serde_json::from_str(s).unwrap_or_default();
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        ConfigEvent {
            body: text("body"),
            blocked: text("blocked"),
            revision: v.get("revision").and_then(|r| r.as_u64()).unwrap_or(0),
            text: text("text").unwrap_or_default(),
            options: text("options").unwrap_or_default(),
        }
    }
}

pub const CONFIG_EVENT: &str = "cps:config";
pub const SET_CONNECTION_EVENT: &str = "cps:set-connection";
pub const SERVER_REFUSED_EVENT: &str = "cps:server-refused";

/// The detail of [`SERVER_REFUSED_EVENT`]: TD's answer, read, for the studio to point at the
/// config. Plain text, so the studio needs no JSON reader: the status on the first line, then
/// one line per problem, `pointer TAB field TAB meta-kind TAB meta-value TAB code TAB message`
/// (tabs and newlines inside a value become spaces). `None` when TD said nothing the studio
/// could use: errors of cps's own, the proxy's own refusals, answers without words.
pub fn refused_detail(error: &crate::ApiError) -> Option<String> {
    let status = error.status()?;
    let reply = error
        .reply()
        .filter(|r| !r.from_proxy && !r.problems.is_empty())?;
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = status.to_string();
    for p in &reply.problems {
        let (kind, value) = p.meta.as_ref().map_or(("", ""), |(k, v)| (*k, v.as_str()));
        let fields = [
            p.pointer.as_deref().unwrap_or(""),
            p.field.as_deref().unwrap_or(""),
            kind,
            value,
            p.code.as_deref().unwrap_or(""),
            &p.message,
        ];
        out.push('\n');
        out.push_str(&fields.map(clean).join("\t"));
    }
    Some(out)
}

/// The refusal the Upload step reported, rebuilt as the error it was (for [`crate::locate`]).
pub fn refused_from_detail(detail: &str) -> Option<crate::ApiError> {
    use crate::error::{Problem, Reply, Shape};
    let mut lines = detail.split('\n');
    let status: u16 = lines.next()?.parse().ok()?;
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let problems = lines
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(6, '\t').collect();
            let [pointer, field, kind, value, code, message] = f[..] else {
                return None;
            };
            let kind = ["validationCode", "parameterCode", "permissionCode"]
                .into_iter()
                .find(|k| *k == kind);
            Some(Problem {
                code: text(code),
                message: message.to_string(),
                pointer: text(pointer),
                parameter: None,
                field: text(field),
                meta: kind.map(|k| (k, value.to_string())),
            })
        })
        .collect();
    Some(crate::ApiError::from_reply(
        status,
        Reply::from_problems(Shape::Other, problems),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let e = ConfigEvent {
            body: Some("{}".into()),
            blocked: None,
            revision: 7,
            text: "name: x\n".into(),
            options: "warehouse=auto".into(),
        };
        assert_eq!(ConfigEvent::from_json(&e.to_json()), e);
        let taken = crate::ApiError::from_status(400, "Name has already been taken".into());
        let r = refused_from_detail(&refused_detail(&taken).unwrap()).unwrap();
        assert!(matches!(r, crate::ApiError::NameTaken { .. }));
        assert_eq!(r.server_text(), Some("Name has already been taken"));
        assert!(refused_from_detail("nonsense").is_none());
        // Every field of every problem survives the trip; tabs and newlines become spaces.
        let several = crate::ApiError::from_response(&crate::Response {
            status: 422,
            body: r#"{"errors":[{"code":"invalid","detail":"a\tb\nc","source":{"pointer":"/attributes/0/type"},"meta":{"validationCode":"CANNOT_BE_BLANK"}},{"detail":"d"}]}"#.into(),
            retry_after: None,
        });
        let back = refused_from_detail(&refused_detail(&several).unwrap()).unwrap();
        let (a, b) = (several.reply().unwrap(), back.reply().unwrap());
        assert_eq!(b.problems.len(), 2);
        assert_eq!(b.problems[0].message, "a b c");
        assert_eq!(
            (
                &b.problems[0].pointer,
                &b.problems[0].meta,
                &b.problems[0].code
            ),
            (
                &a.problems[0].pointer,
                &a.problems[0].meta,
                &a.problems[0].code
            )
        );
        assert_eq!(back.status(), Some(422));
        // cps's own errors are not TD's refusals.
        assert!(refused_detail(&crate::ApiError::Redirect { status: 301 }).is_none());
    }
}
