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

/// How cps reads TD's answers and what its dry runs and curl commands send (spec §9.3).
const FOOTER: &str = "\n## Errors: TD's three shapes, read and pointed at the file\n\n\
TD publishes three error bodies (spec §9.3, S31); cps reads each, and the older `message`/`error`/`text`\n\
fields, and keeps the body as received (`cps push` prints it, `--verbose` in full; the page shows it under\n\
\"TD's answer as received\"). Fixtures: `crates/cps_td_api/tests/replies/`.\n\n\
| Shape | Example | Problems |\n|---|---|---|\n\
| `{code, message}` (400, 401, 403, 404, other 4XX) | `{\"code\":\"BAD_REQUEST\",\"message\":\"Column not found: 'LTV'\"}` | one |\n\
| `{status, error, details}` (5XX) | `{\"status\":503,\"error\":\"Service Unavailable\",\"details\":\"…\"}` | one |\n\
| JSON:API `errors[]` | `{\"errors\":[{\"code\",\"status\":\"422\",\"detail\",\"source\":{\"pointer\":\"/attributes/0/type\"},\"meta\":{\"validationCode\":\"CANNOT_BE_BLANK\"}}]}` | one per error |\n\n\
Each problem becomes a `server-refused` diagnostic where it points, with the path in the file's own key\n\
names (a tdx file's `behaviors[0].columns[1].column` for the API's `/behaviors/0/columnMapping/1/cdwColumn`):\n\n\
1. `source.pointer`, a JSON Pointer into the body cps sent. JSON:API's wrapper is taken off first: a leading\n\
   `/data`, then `attributes` when a field name (not an index) follows it. So `/data/attributes/name` is the\n\
   segment's `name`, `/data/attributes/attributes/0/type` and `/attributes/0/type` the first attribute's\n\
   `type`, `/attributes` alone the list, and `/data/attributes` alone (the whole resource) or\n\
   `/data/relationships/…` name no place. Keys match either dialect's spelling, without case or `_`; the flat\n\
   GET shape's `masterSchema`, `masterTable`, `masterKeyColumn`, `masterCatalog` are the master's fields.\n\
2. a field an `errors: {field: [...]}` object names, then field paths in TD's words (`attributes[0].type`);\n\
3. names TD quotes (`'URL'`, `\"URL\"`, `` `URL` ``), as whole values: exactly, else without case. Unquoted words\n\
   are never matched, nor names after \"Available\" (TD's suggestions).\n\n\
A 401 or 403 is never pointed at the config. A 403 names both causes: the key (a restricted key; a master key\n\
is recommended) or, since June 2026, CAS's policy-based permissions; TD's `permissionCode` (e.g.\n\
`SEGMENT_FOLDER_EDIT_REQUIRED`) names the missing permission. A redirect (3XX) is refused without reading its\n\
body, and cps's own words (a refused redirect, the proxy's own refusals marked `\"source\": \"cps serve\"`) are\n\
never located.\n\n\
## Dry runs and curl commands\n\n\
`cps push --dry-run` and the page's dry run show the request exactly as it would be sent (key masked) and say\n\
what was sent to get there: nothing without a key, or the reads that built the plan (\"read the existing\n\
segments to make the plan (GET …); wrote nothing\"). URLs are absolute on every route: through `cps serve` the\n\
page's own origin (`http://127.0.0.1:8080/td/us/cas/composable_audiences`). \"Copy as curl\" aims at TD's own\n\
host for the chosen region even on that route: the proxy only gets the browser past CORS, a terminal needs no\n\
proxy, and the command then works without the page, on another machine or in CI. Only the proxy's custom\n\
endpoint (`cps serve --td-endpoint`), which the page cannot see, is reached through the proxy (with its\n\
`X-Cps-Proxy` header, while `cps serve` runs).\n";

#[test]
fn host_table_is_current() {
    let expected = format!(
        "{HEADER}{}{FOOTER}",
        cps_td_api::endpoints::table_markdown()
    );
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
