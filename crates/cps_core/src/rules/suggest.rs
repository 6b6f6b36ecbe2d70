//! "Did you mean" for keys and enum values: the closest candidate by edit distance, or one that
//! differs only in case, `_` or `-`.

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'c>(input: &str, candidates: &[&'c str]) -> Option<&'c str> {
    // Hostile input can be huge; a typo of a short key is never long.
    if input.len() > 128 {
        return None;
    }
    let norm = normalize(input);
    if let Some(c) = candidates.iter().find(|c| normalize(c) == norm) {
        return Some(c);
    }
    let limit = (input.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (distance(&fold(input), &fold(c)), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Case folded for comparison: ASCII letters only. Unicode's full lowercase mapping would link
/// its 11.7 KB table into every wasm module (about 5.5 KB gzipped with `to_lowercase`'s code,
/// BENCHMARKS.md); the names compared here are keys, enum values and column names, and a
/// non-ASCII name that differs only in case is still one edit per letter away, so still found.
fn fold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        let keys = ["timeColumn", "tableKey", "masterKey", "columnMapping"];
        assert_eq!(did_you_mean("timeColum", &keys), Some("timeColumn"));
        assert_eq!(did_you_mean("time_column", &keys), Some("timeColumn"));
        assert_eq!(did_you_mean("tabelKey", &keys), Some("tableKey"));
        assert_eq!(did_you_mean("colour", &keys), None);
        assert_eq!(distance("abc", "acb"), 1);
        // Non-ASCII letters are not case-folded, but a one-letter case slip is still a typo.
        assert_eq!(
            did_you_mean("Ümsatz", &["ümsatz", "umsatz2"]),
            Some("ümsatz")
        );
    }
}
