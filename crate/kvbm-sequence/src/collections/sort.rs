//! A heapsort for the few lists the crate sorts (scores, tree sizes, a removal's nodes, a block's
//! multimodal hashes). The standard library's pattern-defeating quicksort is faster on large
//! inputs but is instantiated anew for every element type and comparison, at 3–7 KB of
//! WebAssembly each; this one costs a few hundred bytes per use and is O(n log n) always.
//!
//! Place: `crate/kvbm-sequence/src/collections/sort.rs`.

use std::cmp::Ordering;

/// Sorts `v` in place by `cmp` (not stable).
pub fn sort_by<T, F: FnMut(&T, &T) -> Ordering>(v: &mut [T], mut cmp: F) {
    let n = v.len();
    // Build a max-heap, then move the largest to the end repeatedly.
    for start in (0..n / 2).rev() {
        sift_down(v, start, n, &mut cmp);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &mut cmp);
    }
}

/// Sorts `v` in place by the key `key` gives (not stable).
pub fn sort_by_key<T, K: Ord, F: FnMut(&T) -> K>(v: &mut [T], mut key: F) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

fn sift_down<T, F: FnMut(&T, &T) -> Ordering>(
    v: &mut [T],
    mut root: usize,
    end: usize,
    cmp: &mut F,
) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && cmp(&v[child], &v[child + 1]) == Ordering::Less {
            child += 1;
        }
        if cmp(&v[root], &v[child]) != Ordering::Less {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..200usize {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 50
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_by(&mut v, |a, b| a.cmp(b));
            assert_eq!(v, expected, "n = {}", n);
        }
    }

    #[test]
    fn sorts_by_key_descending() {
        let mut v = vec![(1, 'a'), (3, 'b'), (2, 'c')];
        sort_by_key(&mut v, |p| std::cmp::Reverse(p.0));
        assert_eq!(v, vec![(3, 'b'), (2, 'c'), (1, 'a')]);
    }
}
