//! The version keys that order migrations the way each tool does, and small name helpers the
//! tools share. Each tool's own file-name conventions live in its file under `tools/`.

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

/// The leading digits of a file name (dbmate's version; goose's version is the same when
/// followed by `_`).
pub(crate) fn leading_digits(file_name: &str) -> Option<&str> {
    let n = file_name.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 { None } else { Some(&file_name[..n]) }
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
}
