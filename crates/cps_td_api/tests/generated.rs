//! `docs/td-api.md` must match the host and path table it documents (`endpoints.rs`). Run with
//! `CPS_BLESS=1` to rewrite it after a deliberate change.

use std::path::Path;

const HEADER: &str = "# TD API: hosts, paths and their evidence\n\n\
Generated from `crates/cps_td_api/src/endpoints.rs` (`CPS_BLESS=1 cargo test -p cps_td_api --test generated`).\n\
Sources: `../shared/spec/td-cas.md` §2, §4 and §1 step 6. Only the create call and the US, Tokyo and EU01\n\
CAS hosts are in TD's documentation; every other row is marked with what it rests on, and a correction is a\n\
one-line change in that table. A TD skill lists `api-cas.us01`/`api-cas.jp01` hosts instead: if the documented\n\
host refuses, use `--endpoint` (CLI) or `cps serve --td-endpoint` (page) with the host TD support confirms.\n\n\
The page calls these hosts directly (\"Direct from the browser\") or through `cps serve`\n\
(`/td/<region>/<cas|api>/<path>`, forwarded only for the calls below and only from the page's own origin).\n\
Whether TD's API hosts allow browser calls (CORS) is not documented; when they do not, the page says so and\n\
offers `cps serve`.\n\n";

#[test]
fn host_table_is_current() {
    let expected = format!("{HEADER}{}", cps_td_api::endpoints::table_markdown());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/td-api.md");
    if std::env::var_os("CPS_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/td-api.md is stale: run `CPS_BLESS=1 cargo test -p cps_td_api --test generated`"
    );
}
