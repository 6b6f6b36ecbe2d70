//! Helpers shared by the CLI's test files.

use std::path::Path;

/// A fixture project of the core's corpus (`crates/cps_core/tests/projects/REL`).
pub fn project(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cps_core/tests/projects")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}
