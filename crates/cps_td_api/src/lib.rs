//! cps_td_api: Treasure Data's API as cps uses it (spec `../shared/spec/td-cas.md` §2, §4, §7).
//!
//! - [`endpoints`]: every host and path, with its evidence, in one table.
//! - [`request`]: requests as data (shown in dry runs, copied as curl) and the masked API key.
//! - [`error`]: typed, explained errors; [`locate`] points TD's messages at the config.
//! - [`record`]: a transport that remembers what it sent, for an honest dry run.
//! - [`client`]: the calls over a [`Transport`], retries for what is safe to repeat, and the
//!   create that checks by name before it ever tries again; [`diff`]: what an update changes.
//! - `native` (feature `native`, the CLI and `cps serve`) and `browser` (feature `browser`, the
//!   page) implement the transport.
//!
//! Without features the crate does no I/O: the transports are the only edges.

pub mod client;
pub mod diff;
pub mod endpoints;
pub mod error;
pub mod locate;
pub mod record;
pub mod request;

#[cfg(feature = "browser")]
pub mod browser;
#[cfg(feature = "native")]
pub mod native;

pub use client::{
    retry_summary, Client, Done, Outcome, Plan, Retry, RetryPolicy, Segment, Transport,
    ZeroCopyConfig,
};
pub use diff::Diff;
pub use endpoints::{region, Region, Target, REGIONS};
pub use error::{ApiError, Problem, Reply};
pub use request::{ApiKey, Request, Response, TransportError};

/// The body to upload for a checked config: the exact API JSON, or why there is none.
pub fn upload_body(checked: &cps_core::Checked) -> Result<serde_json::Value, String> {
    let errors = checked.count(cps_core::Severity::Error);
    if errors > 0 {
        return Err(format!(
            "The config has {errors} error{}: fix {} before uploading.",
            if errors == 1 { "" } else { "s" },
            if errors == 1 { "it" } else { "them" }
        ));
    }
    let config = checked
        .config
        .as_ref()
        .ok_or_else(|| "The text is not a config.".to_string())?;
    Ok(cps_core::output::convert::api_value(
        config,
        &checked.settings,
    ))
}
