//! The diagnostics reference (`docs/diagnostics.md`), generated from the code registry so that
//! the documentation cannot drift from what cps reports. A test (`tests/generated.rs`) fails when
//! the file is stale. Test support, not library code: nothing at run time needs the page.

use cps_core::config::options::TypeProfile;
use cps_core::Code;

pub fn diagnostics_markdown() -> String {
    let mut out = String::from(
        "# Diagnostics reference\n\n\
         Generated from `crates/cps_core/src/diagnostics/codes.rs` (`CPS_BLESS=1 cargo test -p cps_core --test generated` \
         rewrites it). Every diagnostic has a stable code, a severity, a one-line message, the narrowest \
         range, a logical path (`behaviors[1].columnMapping[0].cdwColumn`) and a help text with the fix.\n\n\
         Severities: **error** blocks the upload (the server would refuse it, or the segment would be \
         broken); **warning** does not (likely a mistake, or a point where TD's sources disagree); \
         **info** says what cps does for you.\n\n\
         ## Settings where TD's sources disagree\n\n\
         | setting | CLI flag | default | values |\n|---|---|---|---|\n",
    );
    let profiles: Vec<String> = TypeProfile::ALL
        .iter()
        .map(|p| format!("`{}`: {} — {}", p.as_str(), p.types().join(", "), p.label()))
        .collect();
    out.push_str(&format!(
        "| warehouse | `--warehouse` | inferred: `connectionId`/`catalog` entries mean databricks (BigQuery checks alike; with `--catalog`, the export's type names such as INT64 settle bigquery), else snowflake | snowflake, databricks, bigquery |\n\
         | type profile | `--types` | `published` (`current`, its name before Dec 2026, reads as it) | {} |\n\
         | identifier case | `--identifier-case` | `exact` | `exact` (current backend: names match case-sensitively, unquoted names resolve to upper case), `lowercase` (legacy api-cas host) |\n\n\
         The settings a check used are printed with every result (human output: the summary line; JSON: `settings`).\n\n\
         Source tags (S5, S31, …) refer to the source index of the domain spec (`td-cas.md`); \"vs\" marks sources that disagree.\n\n\
         ## Codes\n\n| code | severity | what |\n|---|---|---|\n",
        profiles.join("; ")
    ));
    for c in Code::ALL {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            c.as_str(),
            c.severity().as_str(),
            c.doc().summary
        ));
    }
    for c in Code::ALL {
        let d = c.doc();
        out.push_str(&format!(
            "\n### {}\n\n{} ({})\n\n**Why:** {}\n\n**Example:** {}\n\n**Sources:** {}\n",
            c.as_str(),
            d.summary,
            c.severity().as_str(),
            d.why,
            d.example,
            d.sources
        ));
    }
    out
}
