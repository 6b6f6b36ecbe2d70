//! cps_snowflake: Snowflake's side of cps, on top of the config pipeline of `cps_core`.
//!
//! - [`keys`]: RSA keys for key-pair auth, read in stages (armor → scan → decode → analyse →
//!   report): what a pasted key is, copy-paste damage repaired, PKCS#1 → PKCS#8, the public key
//!   and its `SHA256:` fingerprint, pairs, encrypted PKCS#8 keys opened with a passphrase.
//! - [`account`]: account identifiers as TD's zero-copy form asks for them.
//! - [`sql`]: SQL text: names quoted as needed, the one `ALTER USER` builder, grants, the catalog
//!   query for each warehouse.
//! - [`export`]: tabular exports (CSV/TSV through `csv-core`, JSON through serde), bounded.
//! - [`catalog`]: a catalog export read and checked against a config ([`check_with_catalog`]).
//! - [`pack`]: the check pack (one query measuring the data rules) and the reader of its results.
//!
//! Pure like the core: no I/O, no clocks, no randomness (keys are generated where the user is:
//! the CLI's `rsa` crate, the browser's WebCrypto); hostile input gives diagnostics or an `Err`
//! with a message, never a panic. Every name read from a key or an export and shown back is
//! capped and has its control characters escaped ([`shown`]).
//!
//! ```
//! let pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
//! let report = cps_snowflake::keys::inspect_key(pem);
//! assert!(report.has_errors());
//! assert_eq!(report.fingerprint, None);
//! ```

pub mod account;
pub mod catalog;
pub mod export;
pub mod keys;
pub mod pack;
pub mod sql;

use cps_core::{Checked, Options, Source};

/// [`cps_core::check`], plus the checks against a catalog export ([`catalog::check`]) when one is given:
/// names, types and time columns as the warehouse has them. Without a catalog it is [`cps_core::check`].
/// Diagnostics are sorted as [`cps_core::check`] sorts them (the sort is stable, so among equal positions
/// the file's own diagnostics come first either way).
///
/// The core's `check` cannot call this (the core knows nothing of catalogs), so the studio's
/// wasm, with its size budget, never carries the catalog code.
pub fn check_with_catalog(
    text: &str,
    options: &Options,
    catalog: Option<&catalog::Catalog>,
) -> Checked {
    check_with_catalog_named(text, None, options, catalog)
}

/// [`check_with_catalog`] of a named file (see [`cps_core::check_named`]). When the warehouse is not
/// given and the file shows only "Databricks or BigQuery", the export's own type names settle
/// which one ([`catalog::Catalog::warehouse`]): BigQuery's INT64 time columns are then fine.
pub fn check_with_catalog_named(
    text: &str,
    name: Option<&str>,
    options: &Options,
    catalog: Option<&catalog::Catalog>,
) -> Checked {
    let mut checked = cps_core::check_named(text, name, options);
    let Some(catalog) = catalog else {
        return checked;
    };
    if options.warehouse.is_none() && checked.settings.warehouse.uses_catalog() {
        if let Some(w) = catalog.warehouse().filter(|w| w.uses_catalog()) {
            if w != checked.settings.warehouse {
                let settled = Options {
                    warehouse: Some(w),
                    ..*options
                };
                checked = cps_core::check_named(text, name, &settled);
                checked.settings.warehouse_source = Source::Catalog;
            }
        }
    }
    if let Some(config) = &checked.config {
        catalog::check(config, &checked.settings, catalog, &mut checked.diagnostics);
        cps_core::sort_diagnostics(&mut checked.diagnostics);
    }
    checked
}

/// Snowflake identifiers are at most this many characters (quoted or not); a longer name read
/// from an export is refused, not echoed.
pub const MAX_NAME_CHARS: usize = cps_core::rules::ident::MAX_LEN;

/// A value read from a key, an export or a user, made safe to show in a message: at most 80
/// characters (then `…`), control characters and bidirectional overrides escaped (`\u{1b}`), so
/// a name cannot carry terminal escape sequences or make a message megabytes long.
pub fn shown(s: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        cps_core::diagnostics::render::push_escaped(&mut out, c);
    }
    out
}
