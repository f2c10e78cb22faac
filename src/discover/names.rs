//! File-name conventions of the migration tools, and the version keys that order migrations the
//! way each tool does.

use std::cmp::Ordering;

/// One numeric part of a version, compared as a number of any size (leading zeros dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumPart(String);

impl NumPart {
    fn new(digits: &str) -> Self {
        let trimmed = digits.trim_start_matches('0');
        NumPart(if trimmed.is_empty() {
            "0".to_string()
        } else {
            trimmed.to_string()
        })
    }
    fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for NumPart {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for NumPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How a tool orders its migrations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum VersionKey {
    /// Numbers compared part by part (golang-migrate, sqlx, goose: one part; Flyway: dotted).
    /// Trailing zero parts are dropped, so Flyway's `1.0` equals `1`.
    Num(Vec<NumPart>),
    /// Plain string order (timestamps of diesel, Prisma, dbmate; plain files by name).
    Lex(String),
    /// A position in a file or plan (Liquibase changesets, sqitch.plan).
    Seq(String, usize),
}

impl VersionKey {
    /// A numeric key from parts made only of ASCII digits; `None` if a part is empty or not a
    /// number.
    pub fn numeric<'a>(parts: impl IntoIterator<Item = &'a str>) -> Option<VersionKey> {
        let mut out = Vec::new();
        for part in parts {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push(NumPart::new(part));
        }
        while out.len() > 1 && out.last().is_some_and(NumPart::is_zero) {
            out.pop();
        }
        if out.is_empty() {
            None
        } else {
            Some(VersionKey::Num(out))
        }
    }

    /// The key as a string that is equal for equal versions (for pairing and duplicates).
    pub fn canonical(&self) -> String {
        match self {
            VersionKey::Num(parts) => parts
                .iter()
                .map(|p| p.0.as_str())
                .collect::<Vec<_>>()
                .join("."),
            VersionKey::Lex(s) => s.clone(),
            VersionKey::Seq(s, i) => format!("{s}#{i}"),
        }
    }
}

/// `{version}_{title}.up.sql` / `.down.sql` (golang-migrate; sqlx reversible migrations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpDownName {
    pub version: String,
    /// The file name without `.up.sql` / `.down.sql`.
    pub stem: String,
    pub up: bool,
}

pub(crate) fn parse_up_down(file_name: &str) -> Option<UpDownName> {
    let (version, rest) = file_name.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (stem_len, up) = if let Some(s) = strip_suffix_ci(rest, ".up.sql") {
        (s.len(), true)
    } else if let Some(s) = strip_suffix_ci(rest, ".down.sql") {
        (s.len(), false)
    } else {
        return None;
    };
    Some(UpDownName {
        version: version.to_string(),
        stem: file_name[..version.len() + 1 + stem_len].to_string(),
        up,
    })
}

/// `{version}_{description}.sql` with a numeric version (sqlx simple migrations, goose, dbmate).
pub(crate) fn parse_numbered(file_name: &str) -> Option<(String, String)> {
    let stem = strip_suffix_ci(file_name, ".sql")?;
    let (version, _) = stem.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((version.to_string(), stem.to_string()))
}

/// The leading digits of a file name (dbmate's version; goose's version is the same when
/// followed by `_`).
pub(crate) fn leading_digits(file_name: &str) -> Option<&str> {
    let n = file_name.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 { None } else { Some(&file_name[..n]) }
}

/// Flyway's `V<version>__<description>.sql`, `U<version>__<description>.sql`,
/// `R__<description>.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlywayName {
    Versioned {
        version: String,
        key: VersionKey,
        undo: bool,
        stem: String,
    },
    Repeatable {
        description: String,
        stem: String,
    },
}

pub(crate) fn parse_flyway(file_name: &str) -> Option<FlywayName> {
    // Flyway's default suffix is `.sql`, matched as written.
    let stem = file_name.strip_suffix(".sql")?;
    let (prefix, rest) = stem.split_at_checked(1)?;
    let (version, description) = rest.split_once("__")?;
    match prefix {
        "R" if version.is_empty() && !description.is_empty() => Some(FlywayName::Repeatable {
            description: description.to_string(),
            stem: stem.to_string(),
        }),
        "V" | "U" => {
            // Versions: digits separated by dots or single underscores (`1`, `1.1`, `1_2`).
            let key = VersionKey::numeric(version.split(['.', '_']))?;
            Some(FlywayName::Versioned {
                version: version.to_string(),
                key,
                undo: prefix == "U",
                stem: stem.to_string(),
            })
        }
        _ => None,
    }
}

/// A diesel migration directory: `{version}_{name}`, the version made of digits and dashes
/// (`2024-01-31-101500_create_users`, `00000000000000_diesel_initial_setup`).
pub(crate) fn parse_diesel_dir(dir_name: &str) -> Option<String> {
    let (version, name) = dir_name.split_once('_')?;
    let digits = version.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || name.is_empty() || !version.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    Some(version.to_string())
}

/// A Prisma migration directory: `{timestamp}_{name}`.
pub(crate) fn parse_prisma_dir(dir_name: &str) -> Option<String> {
    let (version, name) = dir_name.split_once('_')?;
    if version.is_empty() || name.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(version.to_string())
}

pub(crate) fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    if cut == 0 || !s.is_char_boundary(cut) || !s[cut..].eq_ignore_ascii_case(suffix) {
        return None;
    }
    Some(&s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: &str) -> VersionKey {
        VersionKey::numeric(v.split(['.', '_'])).unwrap()
    }

    #[test]
    fn integer_versions_compare_numerically() {
        assert!(num("2") < num("10"));
        assert!(num("0002") < num("10"));
        assert_eq!(num("007"), num("7"));
        assert!(num("20230101000000") < num("20230101000001"));
        // Beyond u64: still numeric.
        assert!(num("99999999999999999999") < num("100000000000000000000"));
    }

    #[test]
    fn flyway_versions_compare_part_by_part() {
        // Flyway splits on dots (underscores become dots) and compares parts as numbers.
        assert!(num("1.1") < num("1.10"));
        assert!(num("1.2") < num("1.10"));
        assert!(num("1.9") < num("2"));
        assert_eq!(num("1_2"), num("1.2"));
        assert_eq!(num("1.0"), num("1"));
        assert_eq!(num("1.01"), num("1.1"));
        assert!(num("1") < num("1.0.1"));
        assert!(num("1.0.1") < num("1.1"));
        assert!(VersionKey::numeric(["1", ""]).is_none());
        assert!(VersionKey::numeric(["1a"]).is_none());
    }

    #[test]
    fn up_down_names() {
        assert_eq!(
            parse_up_down("000002_add_orders.up.sql"),
            Some(UpDownName {
                version: "000002".into(),
                stem: "000002_add_orders".into(),
                up: true
            })
        );
        assert_eq!(parse_up_down("2_x.down.sql").map(|n| n.up), Some(false));
        assert_eq!(parse_up_down("v2_x.up.sql"), None);
        assert_eq!(parse_up_down("2_x.sql"), None);
        assert_eq!(parse_up_down("2.up.sql"), None);
    }

    #[test]
    fn flyway_names() {
        match parse_flyway("V1_2__add_users.sql") {
            Some(FlywayName::Versioned {
                version, undo, key, ..
            }) => {
                assert_eq!(version, "1_2");
                assert!(!undo);
                assert_eq!(key, num("1.2"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_flyway("U3__undo.sql"),
            Some(FlywayName::Versioned { undo: true, .. })
        ));
        assert!(matches!(
            parse_flyway("R__views.sql"),
            Some(FlywayName::Repeatable { .. })
        ));
        assert_eq!(parse_flyway("V__x.sql"), None);
        assert_eq!(parse_flyway("Vx__x.sql"), None);
        assert_eq!(parse_flyway("V1_x.sql"), None);
        assert_eq!(parse_flyway("B1__baseline.sql"), None);
    }

    #[test]
    fn directory_names() {
        assert_eq!(
            parse_diesel_dir("2024-01-31-101500_create_users").as_deref(),
            Some("2024-01-31-101500")
        );
        assert_eq!(
            parse_diesel_dir("00000000000000_diesel_initial_setup").as_deref(),
            Some("00000000000000")
        );
        assert_eq!(parse_diesel_dir("create_users"), None);
        assert_eq!(
            parse_prisma_dir("20240131101500_init").as_deref(),
            Some("20240131101500")
        );
        assert_eq!(parse_prisma_dir("init"), None);
    }
}
