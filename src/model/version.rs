//! Version strings compared by their parts, as software versions are read: `1.10` after
//! `1.9`, `2.3.1000` after `2.3.999`, `3.0.2a` after `3.0.2`.

use std::cmp::Ordering;

/// Characters that separate the parts of a version.
const SEPARATORS: [char; 6] = ['.', '-', '_', '+', ' ', ':'];

/// Compares two version strings part by part: leading digits as numbers (of any size),
/// the rest of a part as text; a version that runs out of parts first is the smaller.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let mut pa = a.split(SEPARATORS).filter(|p| !p.is_empty());
    let mut pb = b.split(SEPARATORS).filter(|p| !p.is_empty());
    loop {
        let ord = match (pa.next(), pb.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => compare_part(x, y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

fn compare_part(x: &str, y: &str) -> Ordering {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let (dx, dy) = (digits(x), digits(y));
    if dx > 0 && dy > 0 {
        let nx = x[..dx].trim_start_matches('0');
        let ny = y[..dy].trim_start_matches('0');
        nx.len()
            .cmp(&ny.len())
            .then_with(|| nx.cmp(ny))
            .then_with(|| x[dx..].cmp(&y[dy..]))
    } else {
        x.cmp(y)
    }
}

/// `version` is below `bound`.
pub fn version_below(version: &str, bound: &str) -> bool {
    compare_versions(version, bound) == Ordering::Less
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_parts() {
        assert!(version_below("1.9", "1.10"));
        assert!(version_below("2.3.999", "2.3.1000"));
        assert!(version_below("1.1.1k", "3.0"));
        assert!(!version_below("3.0.2", "3.0"));
        assert!(version_below("3.0", "3.0.2"));
        assert!(!version_below("3.0", "3.0"));
        assert!(version_below("2.4.57-1ubuntu2", "2.4.58"));
        assert!(!version_below("10.0.20348", "9"));
        assert!(version_below("3.0.2", "3.0.2a"));
        assert_eq!(compare_versions("", ""), Ordering::Equal);
        assert_eq!(compare_versions("1.01", "1.1"), Ordering::Equal);
        // Huge numbers never overflow.
        assert!(version_below(
            "99999999999999999999998",
            "99999999999999999999999"
        ));
    }

    #[test]
    fn sorting_with_it_orders_agent_versions() {
        let mut v = vec![
            "3.3.40.0",
            "3.1.1004.0",
            "3.10.1.0",
            "3.1.999.0",
            "3.2.582.0",
        ];
        v.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            v,
            [
                "3.1.999.0",
                "3.1.1004.0",
                "3.2.582.0",
                "3.3.40.0",
                "3.10.1.0"
            ]
        );
    }
}
