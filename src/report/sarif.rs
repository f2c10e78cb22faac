//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! - Paths are relative to the repository root (`uriBaseId: %SRCROOT%`, declared in
//!   `originalUriBaseIds`); a file outside the root gets an absolute `file:` URI.
//! - Regions are 1-based, columns count Unicode code points (`columnKind`), `endColumn` is the
//!   column just after the last character.
//! - Every rule is listed (so `ruleIndex` is stable) with its doc as `help`.
//! - `partialFingerprints["rollsafe/v1"]` hashes the rule, the path and the statement's text
//!   (whitespace collapsed), plus an occurrence number: moving a statement to another line keeps
//!   it, editing the statement changes it.
//! - Approved, allowed and break-glass findings are kept, with an `inSource` suppression.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{RenderOptions, root_relative, suppression_marker};
use crate::config::Severity;
use crate::rules::{Code, Family};
use crate::rules::{Finding, Report, UnitReport};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const ROOT_BASE_ID: &str = "%SRCROOT%";
pub const FINGERPRINT_KEY: &str = "rollsafe/v1";
const INFORMATION_URI: &str = "https://github.com/rollsafe/rollsafe";

pub fn render(report: &Report, options: &RenderOptions) -> String {
    let mut s = serde_json::to_string_pretty(&build(report, options))
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize SARIF: {e}\"}}"));
    s.push('\n');
    s
}

pub fn build(report: &Report, options: &RenderOptions) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|&c| rule_descriptor(c, options))
        .collect();
    let mut results = Vec::new();
    let mut occurrences: HashMap<String, usize> = HashMap::new();

    for p in &report.problems {
        let (uri, base) = artifact_uri(&p.problem.path, options);
        let path_key = uri.clone();
        let location = json!({
            "physicalLocation": {
                "artifactLocation": artifact_location(&uri, base),
                "region": {"startLine": p.start.line, "startColumn": p.start.column},
            }
        });
        results.push(json!({
            "ruleId": p.code.as_str(),
            "ruleIndex": rule_index(p.code),
            "level": level(p.severity),
            "message": {"text": format!("{}: {}", crate::source::display_path(&p.problem.path), p.finding_message)},
            "locations": [location],
            "partialFingerprints": {
                FINGERPRINT_KEY: fingerprint(&mut occurrences, p.code, &path_key, ""),
            },
            "properties": {"byteOffset": p.problem.offset},
        }));
    }

    for unit in &report.units {
        let (uri, base) = artifact_uri(&unit.migration.source.path, options);
        for f in &unit.findings {
            results.push(result(unit, f, &uri, base, &mut occurrences));
        }
    }

    let mut driver = Map::new();
    driver.insert("name".into(), json!("rollsafe"));
    driver.insert("fullName".into(), json!("rollsafe migration linter"));
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("informationUri".into(), json!(INFORMATION_URI));
    driver.insert("rules".into(), Value::Array(rules));

    let mut run = Map::new();
    run.insert("tool".into(), json!({"driver": driver}));
    if let Some(category) = options.sarif_category.as_deref().filter(|c| !c.is_empty()) {
        // GitHub reads the part before the last `/` as the category.
        let id = if category.ends_with('/') {
            category.to_string()
        } else {
            format!("{category}/")
        };
        run.insert("automationDetails".into(), json!({"id": id}));
    }
    run.insert(
        "originalUriBaseIds".into(),
        json!({
            ROOT_BASE_ID: {
                "uri": directory_uri(&options.root),
                "description": {"text": "The repository root: the git top-level folder, or the working directory outside git."},
            }
        }),
    );
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    run.insert(
        "invocations".into(),
        json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": [],
        }]),
    );
    run.insert("results".into(), Value::Array(results));

    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    })
}

fn result(
    unit: &UnitReport,
    f: &Finding,
    uri: &str,
    base: bool,
    occurrences: &mut HashMap<String, usize>,
) -> Value {
    let d = &f.diagnostic;
    let source = &unit.migration.source;
    let statement = d.statement.and_then(|i| unit.statements.get(i));
    // The fingerprint hashes the statement's text, not where it is.
    let fingerprint_span = statement.map_or(d.span, |s| s.span);
    let text = normalize(source.slice(fingerprint_span));

    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\n\nHelp: ");
        message.push_str(help);
    }

    let mut result = Map::new();
    result.insert("ruleId".into(), json!(d.code.as_str()));
    result.insert("ruleIndex".into(), json!(rule_index(d.code)));
    result.insert("level".into(), json!(level(f.severity)));
    result.insert("message".into(), json!({"text": message}));
    result.insert(
        "locations".into(),
        json!([{
            "physicalLocation": {
                "artifactLocation": artifact_location(uri, base),
                "region": region(f.start.line, f.start.column, f.end.line, f.end.column),
            }
        }]),
    );
    result.insert(
        "partialFingerprints".into(),
        json!({FINGERPRINT_KEY: fingerprint(occurrences, d.code, uri, &text)}),
    );
    if let Some(s) = &f.suppression {
        let mut suppression = json!({
            "kind": "inSource",
            "status": "accepted",
            "justification": s.justification,
        });
        let mut props = Map::new();
        props.insert("marker".into(), json!(s.kind.name()));
        if let Some(m) = suppression_marker(unit, f) {
            let approvers = m.approvers();
            if !approvers.is_empty() {
                props.insert("approvedBy".into(), json!(approvers));
            }
            for (key, name) in [
                ("ticket", "ticket"),
                ("reason", "reason"),
                ("incident", "incident"),
                ("after", "after"),
                ("recovery", "recovery"),
                ("follow-up", "followUp"),
            ] {
                if let Some(v) = m.get(key) {
                    props.insert(name.into(), json!(v));
                }
            }
            let start = source.line_col(m.span.start);
            let end = source.line_col(m.span.end);
            suppression["location"] = json!({
                "physicalLocation": {
                    "artifactLocation": artifact_location(uri, base),
                    "region": region(start.line, start.column, end.line, end.column),
                }
            });
        }
        suppression["properties"] = Value::Object(props);
        result.insert("suppressions".into(), json!([suppression]));
    }

    let mut props = Map::new();
    let m = &unit.migration;
    props.insert(
        "migration".into(),
        json!({
            "layout": m.layout.name(),
            "direction": m.direction.name(),
            "version": m.version,
            "name": m.name,
            "inTransaction": m.transaction.wrapped(),
        }),
    );
    if let Some(s) = statement {
        let mut statement_props = json!({
                "kind": s.kind,
                "phase": s.phase.name(),
                "destructive": s.destructive,
                "locks": s.locks,
                "rewrites": s.rewrites,
                "scans": s.scans,
                "idempotent": s.idempotent,
                "transactional": s.transactional,
                "newRelations": s.new_relations,
        });
        // MySQL/MariaDB: the online-DDL facts (absent for the other dialects).
        if let (Some(online), Some(map)) = (&s.online, statement_props.as_object_mut()) {
            map.insert("algorithm".into(), json!(online.algorithm));
            map.insert("ddlLock".into(), json!(online.lock));
        }
        props.insert("statement".into(), statement_props);
    }
    result.insert("properties".into(), Value::Object(props));
    Value::Object(result)
}

fn rule_descriptor(code: Code, options: &RenderOptions) -> Value {
    let rule = code.rule();
    json!({
        "id": code.as_str(),
        "name": pascal_case(rule.name),
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": full_description(rule.doc).unwrap_or_else(|| rule.summary().to_string())},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": options.rule_url(code),
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "tags": [rule.family.tag()],
            "precision": precision(rule.family),
            "problem.severity": match rule.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
        },
    })
}

/// The first paragraph of the doc's "What it flags" section (or the first paragraph after the
/// title), on one line.
fn full_description(doc: &str) -> Option<String> {
    let lines: Vec<&str> = doc.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("## What it flags"))
        .map_or(1, |i| i + 1);
    let paragraph: Vec<&str> = lines
        .iter()
        .skip(start)
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("```"))
        .map(|l| l.trim())
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

/// SARIF viewers expect a rule's friendly name as one Pascal-case word:
/// `unapproved-contract-change` → `UnapprovedContractChange`.
fn pascal_case(kebab: &str) -> String {
    kebab
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// How often a rule of this family is right when it fires.
fn precision(family: Family) -> &'static str {
    match family {
        Family::Input | Family::Idempotency => "very-high",
        Family::Contract
        | Family::Lock
        | Family::Transaction
        | Family::Rollback
        | Family::Verify => "high",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_index(code: Code) -> usize {
    Code::ALL.iter().position(|&c| c == code).unwrap_or(0)
}

fn region(start_line: usize, start_column: usize, end_line: usize, end_column: usize) -> Value {
    // An end before the start cannot be expressed; fall back to an empty region at the start.
    let (end_line, end_column) = if (end_line, end_column) < (start_line, start_column) {
        (start_line, start_column)
    } else {
        (end_line, end_column)
    };
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn artifact_location(uri: &str, relative_to_root: bool) -> Value {
    if relative_to_root {
        json!({"uri": uri, "uriBaseId": ROOT_BASE_ID})
    } else {
        json!({"uri": uri})
    }
}

/// The artifact URI: relative to the root when the file is under it (`true`), else absolute.
fn artifact_uri(path: &std::path::Path, options: &RenderOptions) -> (String, bool) {
    match root_relative(path, &options.root) {
        Some(rel) => (encode_path(&rel), true),
        None => {
            let abs = if path.is_absolute() {
                path.to_path_buf()
            } else {
                std::env::current_dir()
                    .map(|d| d.join(path))
                    .unwrap_or_else(|_| path.to_path_buf())
            };
            (
                file_uri(&crate::source::canonical(&abs).to_string_lossy()),
                false,
            )
        }
    }
}

fn directory_uri(dir: &std::path::Path) -> String {
    let mut uri = file_uri(&dir.to_string_lossy());
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        format!("file://{}", encode_path(&path))
    } else {
        // A Windows drive path: file:///C:/...
        format!("file:///{}", encode_path(&path))
    }
}

/// Percent-encode a path for a URI reference: everything but unreserved characters, `/` and
/// a few sub-delimiters.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            // `:` only after the first segment would be fine; encode it always except a drive letter.
            b':' if out.len() == 2 || out.len() == 1 => out.push(':'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whitespace runs collapsed to one space, trimmed.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `HASH:N`: a hash of the rule, path and statement text, and which occurrence of that triple
/// this is in the run (so identical statements in one file stay distinct).
fn fingerprint(
    occurrences: &mut HashMap<String, usize>,
    code: Code,
    path: &str,
    text: &str,
) -> String {
    let key = format!("{}\u{0}{path}\u{0}{text}", code.as_str());
    let hash = fnv1a(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let hash2 = fnv1a(key.as_bytes(), 0x6c62_272e_07bb_0142);
    let n = occurrences
        .entry(format!("{hash:016x}{hash2:016x}"))
        .or_insert(0);
    *n += 1;
    format!("{hash:016x}{hash2:016x}:{n}")
}

fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    let mut h = basis;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal_case("unapproved-contract-change"),
            "UnapprovedContractChange"
        );
        assert_eq!(pascal_case("break-glass"), "BreakGlass");
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("db/migrations/001 a#b.sql"),
            "db/migrations/001%20a%23b.sql"
        );
        assert_eq!(encode_path("db/é.sql"), "db/%C3%A9.sql");
        assert_eq!(file_uri("/work/x y"), "file:///work/x%20y");
        assert_eq!(file_uri("C:/work"), "file:///C:/work");
    }

    #[test]
    fn fingerprints_ignore_whitespace_and_count_occurrences() {
        let mut occ = HashMap::new();
        let a = fingerprint(
            &mut occ,
            Code::RS001,
            "a.sql",
            &normalize("DROP  TABLE\n  x;"),
        );
        let mut occ2 = HashMap::new();
        let b = fingerprint(&mut occ2, Code::RS001, "a.sql", &normalize("DROP TABLE x;"));
        assert_eq!(a, b);
        let c = fingerprint(&mut occ2, Code::RS001, "a.sql", &normalize("DROP TABLE x;"));
        assert!(c.ends_with(":2"));
        let d = fingerprint(&mut occ2, Code::RS002, "a.sql", &normalize("DROP TABLE x;"));
        assert_ne!(d.split(':').next(), b.split(':').next());
    }

    #[test]
    fn full_description_is_the_first_paragraph_of_what_it_flags() {
        let doc = "# X1: title\n\n## What it flags\nFirst line\nsecond line.\n\nMore.\n";
        assert_eq!(
            full_description(doc).as_deref(),
            Some("First line second line.")
        );
        assert_eq!(
            full_description("# X: t\n\nIntro here.\n").as_deref(),
            Some("Intro here.")
        );
    }
}
