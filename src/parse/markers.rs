//! Markers: `-- rollsafe:contract ...`, `-- rollsafe:allow CODE... reason=...`,
//! `-- rollsafe:break-glass ...`. A typo must never silently approve or silence anything, so
//! every problem in a marker is kept and reported.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Contract,
    Allow,
    BreakGlass,
}

impl MarkerKind {
    pub fn name(self) -> &'static str {
        match self {
            MarkerKind::Contract => "contract",
            MarkerKind::Allow => "allow",
            MarkerKind::BreakGlass => "break-glass",
        }
    }
    fn keys(self) -> &'static [&'static str] {
        match self {
            MarkerKind::Contract => &[
                "approved-by",
                "ticket",
                "reason",
                "after",
                "recovery",
                "scope",
            ],
            MarkerKind::Allow => &["reason", "scope"],
            MarkerKind::BreakGlass => &[
                "incident",
                "approved-by",
                "ticket",
                "reason",
                "recovery",
                "follow-up",
                "scope",
            ],
        }
    }
}

/// How to get back after a step that loses data (`recovery=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    RestoreFromBackup,
    /// `backfill:<ticket or script>`
    Backfill(String),
    /// `none-needed` (the marker's `reason=` says why).
    NoneNeeded,
}

impl Recovery {
    pub fn parse(s: &str) -> Option<Recovery> {
        match s {
            "restore-from-backup" => Some(Recovery::RestoreFromBackup),
            "none-needed" => Some(Recovery::NoneNeeded),
            _ => s
                .strip_prefix("backfill:")
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| Recovery::Backfill(t.to_string())),
        }
    }
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recovery::RestoreFromBackup => f.write_str("restore-from-backup"),
            Recovery::Backfill(t) => write!(f, "backfill:{t}"),
            Recovery::NoneNeeded => f.write_str("none-needed"),
        }
    }
}

/// A calendar date (`YYYY-MM-DD`), enough for compatibility windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        // Strictly `YYYY-MM-DD`: a sign, a short year or a one-digit month is a typo, and a
        // typo must never move a compatibility window.
        let shape = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !shape {
            return None;
        }
        let mut parts = s.splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        (s.len() == 10 && (1..=days_in_month).contains(&day)).then_some(Date { year, month, day })
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch((secs / 86_400) as i64)
    }

    /// Civil date from a day count (the well-known days-to-civil conversion).
    fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerProblem {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Marker {
    /// The whole comment text after `--`.
    pub span: Span,
    /// `None` when the word after `rollsafe:` is not a marker kind (always a problem).
    pub kind: Option<MarkerKind>,
    pub fields: Vec<Field>,
    /// Rule codes named by `allow`, as written, with their spans.
    pub codes: Vec<(String, Span)>,
    pub file_scope: bool,
    pub problems: Vec<MarkerProblem>,
    /// Index of the statement this marker covers (set by the parser).
    pub covers: Option<usize>,
    /// Copied from the unit that includes this one (`\i`), where it covers the include: it
    /// approves and allows here, and is checked and reported in the file that holds it.
    pub inherited: bool,
}

impl Marker {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
    }

    pub fn approvers(&self) -> Vec<&str> {
        self.get("approved-by")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn after(&self) -> Option<Date> {
        self.get("after").and_then(Date::parse)
    }

    /// The recovery path, when `recovery=` is given and valid (`none-needed` needs `reason=`).
    pub fn recovery(&self) -> Option<Recovery> {
        let r = self.get("recovery").and_then(Recovery::parse)?;
        (r != Recovery::NoneNeeded || self.get("reason").is_some()).then_some(r)
    }

    /// Approver, ticket, incident and reason in one line, for suppression justifications.
    pub fn justification(&self) -> String {
        let mut parts = vec![format!(
            "rollsafe:{}",
            self.kind.map_or("?", MarkerKind::name)
        )];
        for key in [
            "approved-by",
            "ticket",
            "incident",
            "reason",
            "after",
            "recovery",
            "follow-up",
        ] {
            if let Some(v) = self.get(key) {
                parts.push(format!("{key}={v}"));
            }
        }
        if !self.codes.is_empty() {
            let codes: Vec<&str> = self.codes.iter().map(|(c, _)| c.as_str()).collect();
            parts.push(format!("rules={}", codes.join(",")));
        }
        parts.join(" ")
    }
}

const PREFIX: &str = "rollsafe:";

/// Parse a `--` comment (`span` covers the text after the dashes). Returns `None` for
/// comments that are not rollsafe markers.
/// A comment that looks like a marker but is not spelled as one (`-- ROLLSAFE:contract`,
/// `-- rollsafe :contract`, `-- rollsafe contract`): a marker with a problem (E003), so a typo
/// never passes for an ordinary comment while approving nothing.
fn near_miss(body: &str, span: Span, at: usize) -> Option<Marker> {
    let head = body.get(..PREFIX.len() - 1)?;
    if !head.eq_ignore_ascii_case("rollsafe") {
        return None;
    }
    let after = body[head.len()..].trim_start();
    let word: String = after
        .trim_start_matches(':')
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let looks_like_marker =
        after.starts_with(':') || matches!(word.as_str(), "contract" | "allow" | "break-glass");
    if !looks_like_marker {
        return None;
    }
    Some(Marker {
        span,
        kind: None,
        fields: Vec::new(),
        codes: Vec::new(),
        file_scope: false,
        problems: vec![MarkerProblem {
            span: Span::new(at, at + head.len()),
            message: format!(
                "`{}` is not a marker: write it exactly `rollsafe:KIND` (lower case, no space before the colon)",
                body.split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }],
        covers: None,
        inherited: false,
    })
}

pub fn parse_marker(text: &str, span: Span) -> Option<Marker> {
    let body = &text[span.start..span.end];
    let lead = body.len() - body.trim_start().len();
    let Some(rest) = body.trim_start().strip_prefix(PREFIX) else {
        return near_miss(body.trim_start(), span, span.start + lead);
    };
    let mut pos = span.start + lead + PREFIX.len();
    let kind_word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let kind = match kind_word.as_str() {
        "contract" => Some(MarkerKind::Contract),
        "allow" => Some(MarkerKind::Allow),
        "break-glass" => Some(MarkerKind::BreakGlass),
        _ => None,
    };
    let mut marker = Marker {
        span,
        kind,
        fields: Vec::new(),
        codes: Vec::new(),
        file_scope: false,
        problems: Vec::new(),
        covers: None,
        inherited: false,
    };
    if kind.is_none() {
        marker.problems.push(MarkerProblem {
            span: Span::new(pos, pos + kind_word.len()),
            message: format!(
                "unknown marker `rollsafe:{kind_word}`: expected `rollsafe:contract`, `rollsafe:allow` or `rollsafe:break-glass`"
            ),
        });
        return Some(marker);
    }
    pos += kind_word.len();
    let bytes = text.as_bytes();
    let end = span.end;
    while pos < end {
        if bytes[pos].is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        let start = pos;
        while pos < end && !bytes[pos].is_ascii_whitespace() && bytes[pos] != b'=' {
            pos += 1;
        }
        let key = &text[start..pos];
        if pos < end && bytes[pos] == b'=' {
            pos += 1;
            let value = if pos < end && bytes[pos] == b'"' {
                let vstart = pos + 1;
                match text[vstart..end].find('"') {
                    Some(q) => {
                        pos = vstart + q + 1;
                        text[vstart..vstart + q].to_string()
                    }
                    None => {
                        pos = end;
                        marker.problems.push(MarkerProblem {
                            span: Span::new(start, end),
                            message: format!("unterminated quoted value for `{key}`"),
                        });
                        text[vstart..end].to_string()
                    }
                }
            } else {
                let vstart = pos;
                while pos < end && !bytes[pos].is_ascii_whitespace() {
                    pos += 1;
                }
                text[vstart..pos].to_string()
            };
            marker.add_field(key, value, Span::new(start, pos));
        } else if marker.kind == Some(MarkerKind::Allow) && looks_like_code(key) {
            marker.codes.push((key.to_string(), Span::new(start, pos)));
        } else {
            marker.problems.push(MarkerProblem {
                span: Span::new(start, pos),
                message: format!("unexpected `{key}` in a rollsafe marker: expected key=value"),
            });
        }
    }
    if marker.kind == Some(MarkerKind::Allow) && marker.codes.is_empty() {
        marker.problems.push(MarkerProblem {
            span,
            message:
                "`rollsafe:allow` names no rule code (e.g. `rollsafe:allow RS101 reason=\"...\"`)"
                    .into(),
        });
    }
    Some(marker)
}

fn looks_like_code(word: &str) -> bool {
    let word = word.trim_end_matches(',');
    word.len() >= 4
        && word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_digit())
}

impl Marker {
    fn add_field(&mut self, key: &str, value: String, span: Span) {
        let Some(kind) = self.kind else { return };
        if !kind.keys().contains(&key) {
            self.problems.push(MarkerProblem {
                span,
                message: format!(
                    "unknown key `{key}` in `rollsafe:{}` (known: {})",
                    kind.name(),
                    kind.keys().join(", ")
                ),
            });
            return;
        }
        if self.fields.iter().any(|f| f.key == key) {
            self.problems.push(MarkerProblem {
                span,
                message: format!("`{key}` is given twice"),
            });
            return;
        }
        match key {
            "scope" if value == "file" => self.file_scope = true,
            "scope" if value == "statement" => {}
            "scope" => self.problems.push(MarkerProblem {
                span,
                message: format!("scope must be `file` or `statement`, not `{value}`"),
            }),
            "after" if Date::parse(&value).is_none() => self.problems.push(MarkerProblem {
                span,
                message: format!("after={value} is not a date: write YYYY-MM-DD"),
            }),
            "recovery" if Recovery::parse(&value).is_none() => self.problems.push(MarkerProblem {
                span,
                message: format!(
                    "recovery={value} is not a recovery path: write restore-from-backup, backfill:<ticket or script> or none-needed (with reason=)"
                ),
            }),
            _ if value.trim().is_empty() => self.problems.push(MarkerProblem {
                span,
                message: format!("`{key}` is empty"),
            }),
            _ => {}
        }
        self.fields.push(Field {
            key: key.to_string(),
            value,
            span,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(comment: &str) -> Marker {
        let text = format!("--{comment}");
        parse_marker(&text, Span::new(2, text.len())).expect("a marker")
    }

    #[test]
    fn contract_fields_and_quoted_values() {
        let m = marker(
            " rollsafe:contract approved-by=alice,bob ticket=DB-142 reason=\"40 rows, checked\" after=2026-12-01",
        );
        assert_eq!(m.kind, Some(MarkerKind::Contract));
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert_eq!(m.approvers(), vec!["alice", "bob"]);
        assert_eq!(m.get("reason"), Some("40 rows, checked"));
        assert_eq!(
            m.after(),
            Some(Date {
                year: 2026,
                month: 12,
                day: 1
            })
        );
    }

    #[test]
    fn typos_are_problems_never_silent() {
        let m = marker(" rollsafe:contract aproved-by=alice ticket=X");
        assert_eq!(m.problems.len(), 1);
        assert!(m.problems[0].message.contains("aproved-by"));
        let m = marker(" rollsafe:contrat approved-by=alice");
        assert_eq!(m.kind, None);
        assert_eq!(m.problems.len(), 1);
        let m = marker(" rollsafe:contract after=2026-02-30 approved-by=a reason=r");
        assert!(m.problems[0].message.contains("not a date"));
        assert!(parse_marker("-- plain comment", Span::new(2, 16)).is_none());
    }

    #[test]
    fn allow_codes_and_scope() {
        let m = marker(" rollsafe:allow RS101 RS102 reason=\"tiny table\" scope=file");
        assert_eq!(
            m.codes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["RS101", "RS102"]
        );
        assert!(m.file_scope);
        assert!(m.problems.is_empty());
        assert!(!marker(" rollsafe:allow reason=x").problems.is_empty());
    }

    #[test]
    fn recovery_field() {
        let m = marker(" rollsafe:contract approved-by=a ticket=T recovery=backfill:DB-9");
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert_eq!(m.recovery(), Some(Recovery::Backfill("DB-9".into())));
        assert!(m.justification().contains("recovery=backfill:DB-9"));
        // none-needed only counts with a reason.
        assert_eq!(
            marker(" rollsafe:contract recovery=none-needed").recovery(),
            None
        );
        assert_eq!(
            marker(" rollsafe:contract recovery=none-needed reason=unused").recovery(),
            Some(Recovery::NoneNeeded)
        );
        let bad = marker(" rollsafe:contract recovery=backup");
        assert!(bad.problems[0].message.contains("not a recovery path"));
        assert!(
            !marker(" rollsafe:contract recovery=backfill:")
                .problems
                .is_empty()
        );
        let bg = marker(
            " rollsafe:break-glass incident=I approved-by=a reason=r recovery=restore-from-backup follow-up=DB-1",
        );
        assert!(bg.problems.is_empty(), "{:?}", bg.problems);
    }

    #[test]
    fn dates_from_day_counts() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_days_since_epoch(20_780).to_string(),
            "2026-11-23"
        );
        assert_eq!(
            Date::from_days_since_epoch(11_016).to_string(),
            "2000-02-29"
        );
    }
}
