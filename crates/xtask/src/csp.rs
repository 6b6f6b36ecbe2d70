//! Fills the page's Content-Security-Policy with the hash of Trunk's inline loader script, so
//! the policy can allow exactly that inline script and no other.

use sha2::{Digest, Sha256};
use std::path::Path;

const PLACEHOLDER: &str = "CPS_LOADER_HASH";

pub fn fill_loader_hash(index: &Path) -> Result<(), String> {
    let html = std::fs::read_to_string(index).map_err(|e| format!("{}: {e}", index.display()))?;
    let hashes: Vec<String> = inline_scripts(&html)
        .iter()
        .map(|body| format!("'sha256-{}'", base64(&Sha256::digest(body.as_bytes()))))
        .collect();
    if !html.contains(PLACEHOLDER) {
        return Err(format!("{}: no {PLACEHOLDER} in the CSP", index.display()));
    }
    let html = html.replace(PLACEHOLDER, &hashes.join(" "));
    std::fs::write(index, html).map_err(|e| e.to_string())?;
    eprintln!(
        "CSP: {} inline loader script(s) allowed by hash",
        hashes.len()
    );
    Ok(())
}

/// Bodies of `<script>` elements that have no `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<script src="a.js"></script><script type="module">init()</script>"#;
        assert_eq!(inline_scripts(html), vec!["init()"]);
        // echo -n 'init()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            base64(&Sha256::digest(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }
}
