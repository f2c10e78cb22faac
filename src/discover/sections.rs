//! Files that hold several units: goose (`-- +goose Up` / `-- +goose Down`), dbmate
//! (`-- migrate:up` / `-- migrate:down`) and Liquibase formatted SQL (`--changeset`, `--rollback`).
//! Also the sqitch plan, which orders a sqitch project's scripts.
//!
//! Every span is a range of the original text, so line numbers stay the file's real ones.
//! Directive lines are left out of a section by trimming its edges: a section starts at its first
//! line that is neither blank nor a directive, and ends at its last such line. Other comments (a
//! `-- rollsafe:` marker above the first statement) stay inside.

use crate::source::Span;

/// One line of text: `start..end` excludes the line terminator; `next` is the next line's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    pub start: usize,
    pub end: usize,
    pub next: usize,
}

pub(crate) fn lines(text: &str) -> Vec<Line> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let (end, next) = match b[start..].iter().position(|&c| c == b'\n') {
            Some(p) => (start + p, start + p + 1),
            None => (b.len(), b.len()),
        };
        let end = if end > start && b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        out.push(Line { start, end, next });
        start = next;
    }
    out
}

/// The span of `ls[from..to]` without the leading and trailing lines that are blank or for which
/// `skip` holds. An empty section gives an empty span where it would start.
fn trimmed(text: &str, ls: &[Line], from: usize, to: usize, skip: impl Fn(&str) -> bool) -> Span {
    let to = to.min(ls.len());
    let keep = |i: &usize| {
        let line = &text[ls[*i].start..ls[*i].end];
        !line.trim().is_empty() && !skip(line)
    };
    let first = (from..to).find(keep);
    let last = (from..to).rev().find(keep);
    match (first, last) {
        (Some(a), Some(b)) => Span::new(ls[a].start, ls[b].end),
        _ => {
            let at = if from < ls.len() {
                ls[from].start
            } else {
                text.len()
            };
            Span::new(at, at)
        }
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

// ---------------------------------------------------------------------------------------------
// goose

/// A goose annotation on `line` (`-- +goose <words>`, no leading whitespace, case-insensitive),
/// as lower-case words joined by one space.
pub(crate) fn goose_annotation(line: &str) -> Option<String> {
    let rest = line.strip_prefix("--")?;
    let words = rest.trim_start();
    if words.len() == rest.len() || !starts_with_ci(words, "+goose") {
        return None;
    }
    let after = &words["+goose".len()..];
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(
        after
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase(),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GooseFile {
    pub up: Span,
    pub down: Option<Span>,
    /// `-- +goose NO TRANSACTION` anywhere in the file (it applies to both sections).
    pub no_transaction: bool,
}

/// `None` when the file has no `-- +goose Up` annotation.
pub(crate) fn goose(text: &str) -> Option<GooseFile> {
    let ls = lines(text);
    let mut directions: Vec<(usize, bool)> = Vec::new();
    let mut no_transaction = false;
    for (i, l) in ls.iter().enumerate() {
        match goose_annotation(&text[l.start..l.end]).as_deref() {
            Some("up") => directions.push((i, true)),
            Some("down") => directions.push((i, false)),
            Some("no transaction") => no_transaction = true,
            _ => {}
        }
    }
    let section = |is_up: bool| {
        let at = directions.iter().position(|&(_, up)| up == is_up)?;
        let from = directions[at].0 + 1;
        let to = directions.get(at + 1).map_or(ls.len(), |&(i, _)| i);
        Some(trimmed(text, &ls, from, to, |line| {
            goose_annotation(line).is_some()
        }))
    };
    Some(GooseFile {
        up: section(true)?,
        down: section(false),
        no_transaction,
    })
}

// ---------------------------------------------------------------------------------------------
// dbmate

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbmateSection {
    pub span: Span,
    /// False when the marker line has `transaction:false`.
    pub transaction: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbmateFile {
    pub up: DbmateSection,
    pub down: Option<DbmateSection>,
}

/// The options of a dbmate marker line (`-- migrate:up transaction:false`), if `line` is one.
fn dbmate_marker(line: &str, marker: &str) -> Option<Vec<(String, String)>> {
    let rest = line.strip_prefix("--")?.trim_start();
    let after = rest.strip_prefix(marker)?;
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(
        after
            .split_whitespace()
            .filter_map(|pair| {
                let (k, v) = pair.split_once(':')?;
                (!v.contains(':')).then(|| (k.to_string(), v.to_string()))
            })
            .collect(),
    )
}

pub(crate) fn is_dbmate_up_marker(line: &str) -> bool {
    dbmate_marker(line, "migrate:up").is_some()
}

/// `None` when the file has no `-- migrate:up` line.
pub(crate) fn dbmate(text: &str) -> Option<DbmateFile> {
    let ls = lines(text);
    let line = |i: usize| &text[ls[i].start..ls[i].end];
    let up_at = (0..ls.len()).find(|&i| dbmate_marker(line(i), "migrate:up").is_some())?;
    let down_at = (up_at + 1..ls.len()).find(|&i| dbmate_marker(line(i), "migrate:down").is_some());
    let transaction = |i: usize| {
        dbmate_marker(
            line(i),
            if i == up_at {
                "migrate:up"
            } else {
                "migrate:down"
            },
        )
        .is_none_or(|opts| !opts.iter().any(|(k, v)| k == "transaction" && v == "false"))
    };
    let up = DbmateSection {
        span: trimmed(text, &ls, up_at + 1, down_at.unwrap_or(ls.len()), |_| false),
        transaction: transaction(up_at),
    };
    let down = down_at.map(|d| DbmateSection {
        span: trimmed(text, &ls, d + 1, ls.len(), |_| false),
        transaction: transaction(d),
    });
    Some(DbmateFile { up, down })
}

// ---------------------------------------------------------------------------------------------
// Liquibase formatted SQL

/// The text after `--` (and blanks) on a line, if it is a `--` comment line.
fn dash_comment(line: &str) -> Option<&str> {
    Some(line.trim_start().strip_prefix("--")?.trim_start())
}

/// Whether the first non-blank line is `--liquibase formatted sql`.
pub(crate) fn is_liquibase(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(dash_comment)
        .is_some_and(|c| starts_with_ci(c, "liquibase formatted"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Changeset {
    pub author: String,
    pub id: String,
    /// Byte offset of the `--changeset` line.
    pub header: usize,
    /// False when the header has `runInTransaction:false`.
    pub run_in_transaction: bool,
    /// The changeset's SQL (absent when it has none).
    pub up: Option<Span>,
    /// One span per `--rollback` line (the SQL after `--rollback `) and per
    /// `/* liquibase rollback ... */` block. An empty span is an explicitly empty rollback.
    pub rollbacks: Vec<Span>,
}

/// `author`, `id` and the attribute text of a `--changeset author:id attr:value ...` line.
fn changeset_header(line: &str) -> Option<(String, String, &str)> {
    let s = dash_comment(line)?;
    if !starts_with_ci(s, "changeset") {
        return None;
    }
    let after = &s["changeset".len()..];
    if !after.starts_with(char::is_whitespace) {
        return None;
    }
    let after = after.trim_start();
    let quoted = |s: &str| -> Option<(usize, usize)> {
        // (content end, rest start) of a "quoted" token at the start of `s`.
        let end = s.get(1..)?.find('"')? + 1;
        Some((end, end + 1))
    };
    let (author, rest) = if after.starts_with('"') {
        let (end, rest) = quoted(after)?;
        (after[1..end].to_string(), &after[rest..])
    } else {
        let colon = after.find(':')?;
        (after[..colon].trim().to_string(), &after[colon..])
    };
    let rest = rest.strip_prefix(':')?.trim_start();
    let (id, attrs) = if rest.starts_with('"') {
        let (end, next) = quoted(rest)?;
        (rest[1..end].to_string(), &rest[next..])
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (rest[..end].to_string(), &rest[end..])
    };
    if id.is_empty() || author.is_empty() {
        return None;
    }
    Some((author, id, attrs))
}

/// The value of `name:value` among a changeset's attributes (case-insensitive name).
fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    attrs.split_whitespace().find_map(|pair| {
        let (k, v) = pair.split_once(':')?;
        k.eq_ignore_ascii_case(name).then_some(v)
    })
}

/// Liquibase directive lines other than `--changeset` and `--rollback`: never part of the SQL.
fn is_liquibase_directive(line: &str) -> bool {
    let Some(c) = dash_comment(line) else {
        return false;
    };
    let lower = c.to_ascii_lowercase();
    [
        "comment:",
        "comment ",
        "comments:",
        "comments ",
        "preconditions",
        "precondition-",
        "validchecksum",
        "ignorelines:",
        "property ",
        "liquibase formatted",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// Rollback text that is not SQL: an explicitly empty rollback, or a reference to another
/// changeset's SQL.
fn is_non_sql_rollback(sql: &str) -> bool {
    let t = sql.trim().trim_end_matches(';').trim().to_ascii_lowercase();
    t == "empty" || t == "not required" || t.contains("changesetid:")
}

pub(crate) fn liquibase(text: &str) -> Vec<Changeset> {
    let ls = lines(text);
    let mut sets: Vec<Changeset> = Vec::new();
    // First and last SQL line of the current changeset.
    let mut sql_lines: Option<(usize, usize)> = None;
    let mut block_start: Option<usize> = None;
    let mut ignore_until_end = false;
    let mut ignore_count = 0usize;

    let finish = |sets: &mut Vec<Changeset>, sql_lines: Option<(usize, usize)>| {
        if let (Some(set), Some((a, b))) = (sets.last_mut(), sql_lines) {
            set.up = Some(Span::new(ls[a].start, ls[b].end));
        }
    };

    for (i, l) in ls.iter().enumerate() {
        let line = &text[l.start..l.end];
        if ignore_count > 0 {
            ignore_count -= 1;
            continue;
        }
        if ignore_until_end {
            if dash_comment(line)
                .is_some_and(|c| c.to_ascii_lowercase().starts_with("ignorelines:end"))
            {
                ignore_until_end = false;
            }
            continue;
        }
        if let Some(start) = block_start {
            if let Some(close) = line.rfind("*/")
                && line[close + 2..].trim().is_empty()
            {
                block_start = None;
                if let Some(set) = sets.last_mut() {
                    let from = ls[start].next;
                    let to = l.start + close;
                    let body = text.get(from..to.max(from)).unwrap_or("");
                    let lead = body.len() - body.trim_start().len();
                    let span = Span::new(from + lead, from + body.trim_end().len());
                    let span = if span.end < span.start {
                        Span::new(span.start, span.start)
                    } else {
                        span
                    };
                    if is_non_sql_rollback(&text[span.start..span.end]) {
                        set.rollbacks.push(Span::new(span.start, span.start));
                    } else {
                        set.rollbacks.push(span);
                    }
                }
            }
            continue;
        }
        if let Some((author, id, attrs)) = changeset_header(line) {
            finish(&mut sets, sql_lines.take());
            let run_in_transaction = !attribute(attrs, "runInTransaction")
                .is_some_and(|v| v.eq_ignore_ascii_case("false"));
            sets.push(Changeset {
                author,
                id,
                header: l.start,
                run_in_transaction,
                up: None,
                rollbacks: Vec::new(),
            });
            continue;
        }
        if let Some(c) = dash_comment(line) {
            if starts_with_ci(c, "rollback ") {
                if let Some(set) = sets.last_mut() {
                    let sql_start = l.end - (c.len() - "rollback ".len());
                    let sql = &text[sql_start..l.end];
                    let lead = sql.len() - sql.trim_start().len();
                    let span = Span::new(sql_start + lead, sql_start + sql.trim_end().len());
                    let span = if span.end < span.start {
                        Span::new(span.start, span.start)
                    } else {
                        span
                    };
                    if is_non_sql_rollback(sql) || span.is_empty() {
                        set.rollbacks.push(Span::new(span.start, span.start));
                    } else {
                        set.rollbacks.push(span);
                    }
                }
                continue;
            }
            let lower = c.to_ascii_lowercase();
            if let Some(arg) = lower.strip_prefix("ignorelines:") {
                if arg.trim() == "start" {
                    ignore_until_end = true;
                } else {
                    ignore_count = arg.trim().parse().unwrap_or(0);
                }
                continue;
            }
        }
        let trimmed_line = line.trim();
        if starts_with_ci(trimmed_line, "/*")
            && trimmed_line[2..]
                .trim()
                .to_ascii_lowercase()
                .split_whitespace()
                .eq(["liquibase", "rollback"])
        {
            block_start = Some(i);
            continue;
        }
        if is_liquibase_directive(line) || trimmed_line.is_empty() || sets.is_empty() {
            continue;
        }
        sql_lines = Some(match sql_lines {
            Some((a, _)) => (a, i),
            None => (i, i),
        });
    }
    finish(&mut sets, sql_lines.take());
    sets
}

// ---------------------------------------------------------------------------------------------
// sqitch.plan

/// One change of a sqitch plan, in plan order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanChange {
    pub name: String,
    /// The script names (relative path without `.sql`) that may hold this change: the name for
    /// its latest instance, `name@tag` for an instance that was reworked later.
    pub scripts: Vec<String>,
}

/// The changes of a `sqitch.plan`, in deploy order. Pragmas (`%...`), tags (`@...`), notes and
/// blank lines are skipped; a reworked change's earlier instances use `name@tag` scripts, where
/// tag is any tag between it and its next instance.
pub(crate) fn sqitch_plan(text: &str) -> Vec<PlanChange> {
    let mut names: Vec<String> = Vec::new();
    // (tag, number of changes before it)
    let mut tags: Vec<(String, usize)> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        if let Some(tag) = line.strip_prefix('@') {
            if let Some(tag) = tag.split_whitespace().next() {
                tags.push((tag.to_string(), names.len()));
            }
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(mut first) = words.next() else {
            continue;
        };
        // An optional `+` (deploy) or `-` (revert) operator.
        if first == "+" || first == "-" {
            match words.next() {
                Some(w) => first = w,
                None => continue,
            }
        } else if let Some(stripped) = first.strip_prefix(['+', '-']) {
            first = stripped;
        }
        names.push(first.to_string());
    }
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let next_instance = names[i + 1..]
                .iter()
                .position(|n| n == name)
                .map(|p| i + 1 + p);
            let scripts = match next_instance {
                None => vec![name.clone()],
                Some(j) => tags
                    .iter()
                    .filter(|(_, before)| *before > i && *before <= j)
                    .map(|(tag, _)| format!("{name}@{tag}"))
                    .collect(),
            };
            PlanChange {
                name: name.clone(),
                scripts,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    fn line_of(text: &str, offset: usize) -> usize {
        text[..offset].matches('\n').count() + 1
    }

    #[test]
    fn lines_handle_crlf_and_no_final_newline() {
        let ls = lines("a\r\nbc\nd");
        assert_eq!(
            ls,
            vec![
                Line {
                    start: 0,
                    end: 1,
                    next: 3
                },
                Line {
                    start: 3,
                    end: 5,
                    next: 6
                },
                Line {
                    start: 6,
                    end: 7,
                    next: 7
                }
            ]
        );
    }

    #[test]
    fn goose_sections_keep_real_lines_and_drop_annotations() {
        let text = "-- header comment\n-- +goose Up\n-- +goose StatementBegin\n\
                    -- rollsafe:allow RS101 reason=\"tiny\"\nCREATE INDEX i ON t (c);\n\
                    -- +goose StatementEnd\n\n-- +goose Down\nDROP INDEX i;\n";
        let g = goose(text).unwrap();
        assert_eq!(
            slice(text, g.up),
            "-- rollsafe:allow RS101 reason=\"tiny\"\nCREATE INDEX i ON t (c);"
        );
        assert_eq!(line_of(text, g.up.start), 4);
        let down = g.down.unwrap();
        assert_eq!(slice(text, down), "DROP INDEX i;");
        assert_eq!(line_of(text, down.start), 9);
        assert!(!g.no_transaction);
    }

    #[test]
    fn goose_annotations_are_case_insensitive_and_need_column_one() {
        assert_eq!(
            goose_annotation("-- +goose NO TRANSACTION").as_deref(),
            Some("no transaction")
        );
        assert_eq!(goose_annotation("-- +goose up").as_deref(), Some("up"));
        assert_eq!(goose_annotation("  -- +goose Up"), None);
        assert_eq!(goose_annotation("-- +gooseUp"), None);
        let g = goose("-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n").unwrap();
        assert!(g.no_transaction);
        assert_eq!(g.down, None);
        assert_eq!(goose("SELECT 1;\n"), None);
    }

    #[test]
    fn dbmate_sections_and_transaction_option() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n\
                    -- migrate:down\nDROP INDEX i;\n";
        let d = dbmate(text).unwrap();
        assert_eq!(
            slice(text, d.up.span),
            "CREATE INDEX CONCURRENTLY i ON t (c);"
        );
        assert!(!d.up.transaction);
        let down = d.down.unwrap();
        assert_eq!(slice(text, down.span), "DROP INDEX i;");
        assert_eq!(line_of(text, down.span.start), 5);
        assert!(down.transaction);
        assert!(dbmate("-- migrate:upper\nSELECT 1;").is_none());
    }

    #[test]
    fn liquibase_changesets_and_rollbacks() {
        let text = "--liquibase formatted sql\n\n\
                    --changeset alice:1\n--comment: users\nCREATE TABLE users (id bigint);\n\
                    --rollback DROP TABLE users;\n\n\
                    --changeset \"bob smith\":2 runInTransaction:false\n\
                    -- rollsafe:allow RS101 reason=\"new table\"\n\
                    CREATE INDEX CONCURRENTLY users_id ON users (id);\n\
                    /* liquibase rollback\nDROP INDEX users_id;\n*/\n\
                    --changeset alice:3\nSELECT 1;\n--rollback empty\n--rollback  SELECT 2;\n";
        assert!(is_liquibase(text));
        let sets = liquibase(text);
        assert_eq!(sets.len(), 3);
        assert_eq!(
            (sets[0].author.as_str(), sets[0].id.as_str()),
            ("alice", "1")
        );
        assert_eq!(
            slice(text, sets[0].up.unwrap()),
            "CREATE TABLE users (id bigint);"
        );
        assert_eq!(slice(text, sets[0].rollbacks[0]), "DROP TABLE users;");
        assert_eq!(line_of(text, sets[0].rollbacks[0].start), 6);
        assert!(sets[0].run_in_transaction);

        assert_eq!(sets[1].author, "bob smith");
        assert!(!sets[1].run_in_transaction);
        assert_eq!(
            slice(text, sets[1].up.unwrap()),
            "-- rollsafe:allow RS101 reason=\"new table\"\nCREATE INDEX CONCURRENTLY users_id ON users (id);"
        );
        assert_eq!(slice(text, sets[1].rollbacks[0]), "DROP INDEX users_id;");
        assert_eq!(line_of(text, sets[1].rollbacks[0].start), 12);

        assert_eq!(sets[2].rollbacks.len(), 2);
        assert!(sets[2].rollbacks[0].is_empty());
        assert_eq!(slice(text, sets[2].rollbacks[1]), "SELECT 2;");
        assert!(!is_liquibase("SELECT 1;\n--liquibase formatted sql"));
    }

    #[test]
    fn sqitch_plan_order_and_reworks() {
        let plan = "%syntax-version=1.0.0\n%project=shop\n\n\
                    users 2024-01-01T00:00:00Z Alice <a@x> # Add users\n\
                    orders [users] 2024-01-02T00:00:00Z Alice <a@x>\n\
                    @v1.0 2024-01-03T00:00:00Z Alice <a@x>\n\n\
                    users [users@v1.0] 2024-01-04T00:00:00Z Alice <a@x> # Rework\n";
        let changes = sqitch_plan(plan);
        let names: Vec<_> = changes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["users", "orders", "users"]);
        assert_eq!(changes[0].scripts, ["users@v1.0"]);
        assert_eq!(changes[2].scripts, ["users"]);
    }
}
