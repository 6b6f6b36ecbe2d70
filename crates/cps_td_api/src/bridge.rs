//! The contract between the studio (`web/`) and its Upload step (`web/upload/`), two wasm
//! modules that share no memory and talk through DOM events on one host element. Here, in the
//! crate both depend on, so the two sides cannot drift apart.
//!
//! - studio → Upload: [`CONFIG_EVENT`], detail = [`ConfigEvent`] as JSON;
//! - Upload → studio: [`SET_CONNECTION_EVENT`] (detail: the zero-copy config id to put in every
//!   entry) and [`SERVER_REFUSED_EVENT`] (detail: [`refused_detail`], TD's status and message;
//!   the studio points it at the config with [`crate::locate`]).
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

/// The detail of [`SERVER_REFUSED_EVENT`]: the status, a newline, TD's message. (Plain text, so
/// the studio needs no JSON reader for it.)
pub fn refused_detail(status: u16, message: &str) -> String {
    format!("{status}\n{message}")
}

/// The refusal the Upload step reported, rebuilt as the error it was (for [`crate::locate`]).
pub fn refused_from_detail(detail: &str) -> Option<crate::ApiError> {
    let (status, message) = detail.split_once('\n')?;
    Some(crate::ApiError::from_status(
        status.parse().ok()?,
        message.to_string(),
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
        let r = refused_from_detail(&refused_detail(400, "Name has already been taken")).unwrap();
        assert!(matches!(r, crate::ApiError::NameTaken { .. }));
        assert_eq!(r.server_text(), Some("Name has already been taken"));
        assert!(refused_from_detail("nonsense").is_none());
    }
}
