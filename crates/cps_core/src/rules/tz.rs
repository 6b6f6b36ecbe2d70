//! IANA time zone names, embedded so the check needs no network and no platform tz database.

const LIST: &str = include_str!("tz_names.txt");

fn names() -> impl Iterator<Item = &'static str> {
    LIST.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

pub fn is_valid(name: &str) -> bool {
    names().any(|n| n == name)
}

/// A likely intended zone: same name in another case, or a city named alone (`Tokyo`).
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase().replace(' ', "_");
    if let Some(n) = names().find(|n| n.to_ascii_lowercase() == lower) {
        return Some(n);
    }
    if let Some(n) = names().find(|n| {
        n.rsplit('/')
            .next()
            .is_some_and(|city| city.to_ascii_lowercase() == lower)
    }) {
        return Some(n);
    }
    let all: Vec<&'static str> = names().collect();
    crate::rules::suggest::did_you_mean(name, &all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_common_zones() {
        for z in [
            "UTC",
            "Asia/Tokyo",
            "America/New_York",
            "Europe/Berlin",
            "Etc/UTC",
        ] {
            assert!(is_valid(z), "{z}");
        }
        assert!(!is_valid("Tokyo"));
        assert!(!is_valid("asia/tokyo"));
    }

    #[test]
    fn suggests() {
        assert_eq!(suggest("Tokyo"), Some("Asia/Tokyo"));
        assert_eq!(suggest("asia/tokyo"), Some("Asia/Tokyo"));
        assert_eq!(suggest("America/New_Yrok"), Some("America/New_York"));
        assert_eq!(suggest("new york"), Some("America/New_York"));
    }
}
