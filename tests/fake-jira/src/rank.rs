//! LexoRank-like rank strings, as Jira Software's Rank field holds them: `0|i0000f:` (bucket, six
//! base-36 digits, a colon, then any refinement digits), compared as plain strings. Ranking an
//! issue between two others gives it a string strictly between theirs and touches no other issue,
//! so the order of everything else stays stable however often issues move.

const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const WIDTH: usize = 6;

fn digits_of(rank: &str) -> Vec<u8> {
    let body = rank.split_once('|').map_or(rank, |(_, b)| b);
    body.bytes()
        .filter(|b| *b != b':')
        .filter_map(|b| DIGITS.iter().position(|d| *d == b).map(|p| p as u8))
        .collect()
}

fn format(mut d: Vec<u8>) -> String {
    // Padding with zeros keeps the value between its neighbours: the digit that made it so
    // is already in place.
    while d.len() < WIDTH {
        d.push(0);
    }
    let s: String = d.iter().map(|x| DIGITS[*x as usize] as char).collect();
    format!("0|{}:{}", &s[..WIDTH], &s[WIDTH..])
}

/// The rank of the `n`th issue of the seed (0-based): evenly spaced, room on both sides.
pub fn initial(n: u64) -> String {
    let mut v = 36u64.pow(5) * 18 + n * 36 * 36 + 18;
    let mut d = vec![0u8; WIDTH];
    for slot in d.iter_mut().rev() {
        *slot = (v % 36) as u8;
        v /= 36;
    }
    format(d)
}

/// A rank strictly between `lo` and `hi` (either end open). `lo` must sort before `hi`.
pub fn between(lo: Option<&str>, hi: Option<&str>) -> String {
    let lo = lo.map(digits_of).unwrap_or_default();
    let hi = hi.map(digits_of);
    let mut out = Vec::new();
    let mut bounded = hi.is_some();
    for i in 0.. {
        let a = lo.get(i).copied().unwrap_or(0);
        let b = match &hi {
            Some(h) if bounded => h.get(i).copied().unwrap_or(0),
            _ => 36,
        };
        if b > a + 1 {
            out.push((a + b) / 2);
            break;
        }
        out.push(a);
        if b == a + 1 {
            // Any continuation of this prefix now sorts before `hi`.
            bounded = false;
        }
        if i > 64 {
            break;
        }
    }
    format(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_sort_between_their_neighbours() {
        let a = initial(0);
        let b = initial(1);
        assert!(a < b, "{a} {b}");
        assert!(a.starts_with("0|") && a.len() == 9, "{a}");
        let mut lo = a.clone();
        for _ in 0..200 {
            let m = between(Some(&lo), Some(&b));
            assert!(lo < m && m < b, "{lo} < {m} < {b}");
            lo = m;
        }
        let mut hi = b.clone();
        for _ in 0..200 {
            let m = between(Some(&a), Some(&hi));
            assert!(a < m && m < hi, "{a} < {m} < {hi}");
            hi = m;
        }
        let first = between(None, Some(&a));
        assert!(first < a);
        let last = between(Some(&b), None);
        assert!(last > b);
    }
}
