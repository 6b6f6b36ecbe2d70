//! The contract between the studio (`web/`) and its Upload step (`web/upload/`), two wasm
//! modules that share no memory and talk through DOM events on one host element. Here, in the
//! crate both depend on, so the two sides cannot drift apart.
//!
//! - studio → Upload: [`CONFIG_EVENT`], detail = [`ConfigEvent`] as JSON;
//! - Upload → studio: [`SET_CONNECTION_EVENT`] (detail: the zero-copy config id to put in every
//!   entry) and [`SERVER_REFUSED_EVENT`] (detail: [`refused_detail`], the `server-refused`
//!   diagnostics the step located with [`crate::locate`] in the text it uploaded; the studio shows
//!   them while its text is still that one).
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

/// The detail of [`SERVER_REFUSED_EVENT`]: where TD's refusal points in the text the Upload step
/// uploaded, already located there (the step has the full core and TD's answer; the studio, whose
/// first load must stay small, only shows the marks). Plain text, so the studio needs no JSON
/// reader: a stamp of that text on the first line, then one line per diagnostic, `start TAB end
/// TAB path TAB message` (byte offsets; tabs and newlines inside a value become spaces).
pub fn refused_detail(text: &str, located: &[cps_core::Diagnostic]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = format!("{:x}", text_stamp(text));
    for d in located {
        out.push_str(&format!(
            "\n{}\t{}\t{}\t{}",
            d.span.start,
            d.span.end,
            clean(&d.path),
            clean(&d.message)
        ));
    }
    out
}

/// The marks of [`refused_detail`] as `server-refused` diagnostics for `text`, or `None` when
/// they were made for another text (the user edited it during the upload: its ranges would
/// point at the wrong places) or are not marks at all.
pub fn refused_from_detail(detail: &str, text: &str) -> Option<Vec<cps_core::Diagnostic>> {
    let mut lines = detail.split('\n');
    if u64::from_str_radix(lines.next()?, 16).ok()? != text_stamp(text) {
        return None;
    }
    lines
        .map(|line| {
            let f: Vec<&str> = line.splitn(4, '\t').collect();
            let [start, end, path, message] = f[..] else {
                return None;
            };
            let (start, end): (usize, usize) = (start.parse().ok()?, end.parse().ok()?);
            let inside = start <= end && end <= text.len();
            if !(inside && text.is_char_boundary(start) && text.is_char_boundary(end)) {
                return None;
            }
            let span = cps_core::Span::new(start, end);
            Some(
                cps_core::Diagnostic::new(cps_core::Code::ServerRefused, message, span)
                    .path(path)
                    .help(SERVER_REFUSED_HELP),
            )
        })
        .collect()
}

/// The help of every `server-refused` mark. Fixed: the full advice is shown with the error itself
/// (the Upload panel, the CLI's last lines), and the studio's first load stays without it.
pub const SERVER_REFUSED_HELP: &str =
    "TD's message names this part of the config: fix it here and upload again.";

/// FNV-1a of the text: enough to tell whether the studio still holds the text the marks were
/// made for (not a security measure: both sides are this page).
pub fn text_stamp(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
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
        // TD's refusal, located by the step, shown by the studio on the same text only.
        let text = "name: Retail\ntimezone: UTC\nmaster: {connection: '1', schema: S, table: T, key_column: ID}\nattributes: []\n";
        let config = cps_core::check(text, &cps_core::Options::default())
            .config
            .unwrap();
        let error = crate::ApiError::from_response(&crate::Response {
            status: 422,
            body: r#"{"errors":[{"detail":"too\tlong","source":{"pointer":"/name"}},{"detail":"bad","source":{"pointer":"/master/schema"}}]}"#.into(),
            retry_after: None,
        });
        let located = crate::locate::locate(&config, &error);
        assert_eq!(located.len(), 2);
        let back = refused_from_detail(&refused_detail(text, &located), text).unwrap();
        assert_eq!(back.len(), 2);
        for (a, b) in located.iter().zip(&back) {
            assert_eq!((a.code, a.span, &a.path), (b.code, b.span, &b.path));
            assert_eq!(b.message, a.message.replace('\t', " "));
            assert_eq!(a.help.as_deref(), Some(SERVER_REFUSED_HELP));
        }
        // Made for another text: dropped. Not marks, or out of range: dropped.
        assert!(refused_from_detail(&refused_detail(text, &located), "name: Other\n").is_none());
        assert!(refused_from_detail("nonsense", text).is_none());
        let stamp = format!("{:x}", text_stamp(text));
        assert!(refused_from_detail(&format!("{stamp}\n0\t999\tp\tm"), text).is_none());
        assert_eq!(refused_from_detail(&stamp, text), Some(vec![]));
    }
}
