//! One stable sort for every caller, so a wasm module links one copy of it.
//!
//! `slice::sort_by` is generic over the element and the comparison: each call site got its own
//! copy of the standard library's driftsort (1.5–4 KB of wasm each; five sites cost the studio
//! 18 KB raw, `cargo xtask wasm-sizes`). Here the sort runs once, on indices with a
//! `dyn` comparison, and only the small step that moves the elements is generic. The result is
//! exactly `sort_by`'s: a stable sort of indices compared by their elements keeps equal elements
//! in their original order.

use std::cmp::Ordering;

/// The indices `0..len` in the order `cmp` puts the elements they stand for, equal ones in their
/// original order.
pub fn order(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// `v.sort_by(cmp)`, through [`order`].
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut order = order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    // Position `k` takes the element at `order[k]`: follow each cycle of the permutation with
    // swaps, marking the positions done.
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != usize::MAX {
            let from = std::mem::replace(&mut order[k], usize::MAX);
            if from == start {
                break;
            }
            v.swap(k, from);
            k = from;
        }
    }
}

/// `v.sort_by_key(key)`, through [`order`].
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Same result as the standard library's stable sort, equal keys included, on a
    /// pseudo-random input with many ties.
    #[test]
    fn sorts_like_sort_by() {
        let mut seed = 7u64;
        let mut v: Vec<(u8, usize)> = (0..500)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 59) as u8, i)
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|e| e.0);
        sort_by_key(&mut v, |e| e.0);
        assert_eq!(v, expected);
        let mut strings: Vec<String> = ["b", "a", "c", "a", "b"].map(String::from).to_vec();
        sort_by(&mut strings, String::cmp);
        assert_eq!(strings, ["a", "a", "b", "b", "c"]);
        let mut empty: Vec<u8> = Vec::new();
        sort_by(&mut empty, u8::cmp);
        assert!(empty.is_empty());
    }
}
