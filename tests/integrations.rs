//! CI and review integrations, on the real binary: SARIF (validated against the official
//! schema), GitHub workflow commands, the Markdown summary, several outputs from one run,
//! `--diff-base` in throwaway git repositories, and standard input.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;

/// The repository's copy of the official schema (so the tests also run where the design's
/// shared/ folder is not beside the repository, e.g. on GitHub).
const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/schemas/sarif-schema-2.1.0.json"
);
/// The shared copy, when present: the repository's copy must equal it.
const SHARED_SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/schemas/sarif-schema-2.1.0.json"
);

#[test]
fn sarif_schema_copy_equals_the_shared_one() {
    let ours =
        fs::read(SARIF_SCHEMA).expect("schemas/sarif-schema-2.1.0.json is in the repository");
    match fs::read(SHARED_SARIF_SCHEMA) {
        Ok(shared) => assert!(
            ours == shared,
            "schemas/sarif-schema-2.1.0.json differs from {SHARED_SARIF_SCHEMA}: copy the shared one"
        ),
        Err(e) => {
            eprintln!("note: no shared schema to compare with at {SHARED_SARIF_SCHEMA} ({e})")
        }
    }
}

fn rollsafe(dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("rollsafe"));
    cmd.current_dir(dir).env_remove("NO_COLOR");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = rollsafe(dir).args(args).output().expect("run rollsafe");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create folder");
    }
    fs::write(path, text).expect("write file");
}

fn git(dir: &Path, args: &[&str]) {
    let out = StdCommand::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.email=test@rollsafe.invalid",
            "-c",
            "user.name=test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let r = run(dir, &all);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("SARIF is not JSON ({e}):\n{}", r.stdout))
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results array")
}

fn result_at<'a>(log: &'a Value, rule: &str, uri_suffix: &str, line: u64) -> &'a Value {
    results(log)
        .iter()
        .find(|r| {
            r["ruleId"] == rule
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(uri_suffix))
                && r["locations"][0]["physicalLocation"]["region"]["startLine"] == line
        })
        .unwrap_or_else(|| {
            panic!(
                "no {rule} result at {uri_suffix}:{line} in {:#}",
                results(log).len()
            )
        })
}

/// The official schema, or a failure that says where it was looked for.
fn sarif_validator() -> jsonschema::Validator {
    let text = fs::read_to_string(SARIF_SCHEMA)
        .unwrap_or_else(|e| panic!("the SARIF 2.1.0 schema is missing at {SARIF_SCHEMA} ({e})"));
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

/// golang-migrate migrations with an approved contract, an unapproved drop, an allow and a
/// break-glass marker, a syntax error and an unreadable file.
fn contract_scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "db/migrations/000001_init.up.sql",
        "SET lock_timeout = '2s';\nCREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text, legacy_email text);\nCREATE TABLE IF NOT EXISTS sessions (id bigint PRIMARY KEY);\n",
    );
    write(
        d,
        "db/migrations/000001_init.down.sql",
        "SET lock_timeout = '2s';\nDROP TABLE IF EXISTS sessions;\nDROP TABLE IF EXISTS users;\n",
    );
    write(
        d,
        "db/migrations/000002_contract.up.sql",
        "SET lock_timeout = '2s';\n\n-- rollsafe:contract approved-by=alice,bob ticket=DB-142 recovery=backfill:DB-143\nALTER TABLE users DROP COLUMN IF EXISTS legacy_email;\n\nDROP TABLE IF EXISTS sessions;\n",
    );
    write(
        d,
        "db/migrations/000002_contract.down.sql",
        "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN IF NOT EXISTS legacy_email text;\nCREATE TABLE IF NOT EXISTS sessions (id bigint PRIMARY KEY);\n",
    );
    dir
}

fn add_marker_variety(d: &Path) {
    write(
        d,
        "db/migrations/000003_markers.up.sql",
        "SET lock_timeout = '2s';\n-- rollsafe:allow RS101 reason=\"users holds 40 rows\"\nCREATE INDEX users_email_idx ON users (email);\n-- rollsafe:break-glass incident=INC-77 approved-by=oncall reason=\"restore planned\" recovery=restore-from-backup follow-up=DB-150\nDROP TABLE users;\n",
    );
    write(d, "db/migrations/000004_syntax.up.sql", "SELEC 1;\n");
    fs::write(
        d.join("db/migrations/000005_binary.up.sql"),
        b"\xff\xfe not utf-8\n",
    )
    .expect("write");
}

/// A rollsafe.toml that turns off every rule except `keep`, so snapshots only move when these
/// rules or the formats change.
fn only_rules(dir: &Path, keep: &[&str]) {
    let r = run(dir, &["rules"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut toml = String::from("[rules]\n");
    for code in r.stdout.lines().filter_map(|l| l.split_whitespace().next()) {
        if !keep.contains(&code) && !code.starts_with('E') {
            toml.push_str(&format!("{code} = \"off\"\n"));
        }
    }
    write(dir, "rollsafe.toml", &toml);
}

// ---------------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let dir = contract_scenario();
    add_marker_variety(dir.path());
    let log = sarif(dir.path(), &["db/migrations"]);
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let codes: BTreeSet<&str> = results(&log)
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for code in ["RS001", "E001", "E002"] {
        assert!(codes.contains(code), "{code} missing from {codes:?}");
    }
}

#[test]
fn sarif_meets_github_code_scanning_requirements() {
    let dir = contract_scenario();
    add_marker_variety(dir.path());
    let log = sarif(dir.path(), &["db/migrations"]);
    let run = &log["runs"][0];

    // Paths relative to the repository root, declared with a uriBaseId.
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("root uri");
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    for r in results(&log) {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("db/migrations/"),
            "not relative to the root: {uri}"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        assert!(
            region["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{region}"
        );
        assert!(
            region["startColumn"].as_u64().is_some_and(|c| c >= 1),
            "{region}"
        );
        if r["ruleId"] != "E002" {
            assert!(
                region["endLine"].as_u64() >= region["startLine"].as_u64(),
                "{region}"
            );
            assert!(region["endColumn"].as_u64().is_some(), "{region}");
        }
        assert!(
            r["ruleIndex"].is_u64() && r["level"].is_string() && r["message"]["text"].is_string()
        );
        let fp = r["partialFingerprints"]["rollsafe/v1"]
            .as_str()
            .expect("fingerprint");
        assert!(fp.contains(':'), "{fp}");
        let index = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], r["ruleId"]);
    }
    // No hard-coded category; an invocation that succeeded.
    assert!(run.get("automationDetails").is_none());
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
}

#[test]
fn sarif_rules_carry_docs_links_tags_and_levels() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.sql", "SELECT 1;\n");
    let log = sarif(
        dir.path(),
        &["a.sql", "--rules-url", "https://example.test/docs/rules/"],
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let listed = run(dir.path(), &["rules"]).stdout.lines().count();
    assert_eq!(rules.len(), listed, "every rule is listed");
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        let name = rule["name"].as_str().expect("name");
        assert!(
            name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !name.contains('-'),
            "{name}"
        );
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "{id}"
        );
        assert!(
            !rule["fullDescription"]["text"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "{id}"
        );
        let doc = rule["help"]["markdown"].as_str().expect("help.markdown");
        assert_eq!(rule["help"]["text"].as_str(), Some(doc));
        let explained = run(dir.path(), &["explain", id]).stdout;
        assert!(explained.starts_with(doc), "{id}: help is the rule doc");
        assert_eq!(
            rule["helpUri"],
            format!("https://example.test/docs/rules/{id}.md")
        );
        assert!(
            ["error", "warning", "note"]
                .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap_or(""))
        );
        let tags = rule["properties"]["tags"].as_array().expect("tags");
        assert!(!tags.is_empty(), "{id}");
        assert!(rule["properties"]["precision"].is_string(), "{id}");
    }
    let tag_of = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["properties"]["tags"][0].clone())
            .expect("rule")
    };
    assert_eq!(tag_of("RS001"), "destructive");
    assert_eq!(tag_of("E002"), "input");
    assert_eq!(tag_of("RS401"), "rollback");
}

#[test]
fn sarif_fingerprints_survive_a_statement_moving_down() {
    let dir = contract_scenario();
    let d = dir.path();
    let before = sarif(d, &["db/migrations"]);
    let path = d.join("db/migrations/000002_contract.up.sql");
    let text = fs::read_to_string(&path).expect("read");
    fs::write(
        &path,
        format!("-- Drop what release 42 stopped using.\n\n\n{text}"),
    )
    .expect("write");
    let after = sarif(d, &["db/migrations"]);

    let by_fingerprint = |log: &Value| -> BTreeMap<String, (String, u64)> {
        results(log)
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["rollsafe/v1"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    (
                        r["ruleId"].as_str().unwrap_or("").to_string(),
                        r["locations"][0]["physicalLocation"]["region"]["startLine"]
                            .as_u64()
                            .unwrap_or(0),
                    ),
                )
            })
            .collect()
    };
    let (b, a) = (by_fingerprint(&before), by_fingerprint(&after));
    assert_eq!(
        b.keys().collect::<Vec<_>>(),
        a.keys().collect::<Vec<_>>(),
        "fingerprints changed"
    );
    let drop = result_at(&before, "RS001", "000002_contract.up.sql", 6);
    let fp = drop["partialFingerprints"]["rollsafe/v1"]
        .as_str()
        .expect("fp");
    assert_eq!(
        a[fp],
        ("RS001".to_string(), 9),
        "same finding, three lines down"
    );

    // Editing the statement itself gives a new fingerprint.
    let moved = fs::read_to_string(&path).expect("read");
    fs::write(
        &path,
        moved.replace(
            "DROP TABLE IF EXISTS sessions;",
            "DROP TABLE IF EXISTS sessions CASCADE;",
        ),
    )
    .expect("write");
    let edited = sarif(d, &["db/migrations"]);
    let fp2 = result_at(&edited, "RS001", "000002_contract.up.sql", 9)["partialFingerprints"]["rollsafe/v1"].clone();
    assert_ne!(fp2, fp);
}

#[test]
fn sarif_keeps_approved_findings_with_in_source_suppressions() {
    let dir = contract_scenario();
    add_marker_variety(dir.path());
    let log = sarif(dir.path(), &["db/migrations"]);

    let approved = result_at(&log, "RS001", "000002_contract.up.sql", 4);
    let s = &approved["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert_eq!(s["status"], "accepted");
    let justification = s["justification"].as_str().expect("justification");
    assert!(
        justification.contains("approved-by=alice,bob") && justification.contains("ticket=DB-142"),
        "{justification}"
    );
    assert_eq!(
        s["properties"]["approvedBy"],
        serde_json::json!(["alice", "bob"])
    );
    assert_eq!(s["properties"]["ticket"], "DB-142");
    assert_eq!(s["properties"]["recovery"], "backfill:DB-143");
    assert_eq!(s["properties"]["marker"], "contract");
    assert_eq!(
        s["location"]["physicalLocation"]["region"]["startLine"], 3,
        "points at the marker"
    );

    let unapproved = result_at(&log, "RS001", "000002_contract.up.sql", 6);
    assert!(unapproved.get("suppressions").is_none(), "{unapproved:#}");
    assert_eq!(unapproved["level"], "error");

    let allowed = result_at(&log, "RS101", "000003_markers.up.sql", 3);
    assert_eq!(allowed["suppressions"][0]["properties"]["marker"], "allow");
    assert_eq!(
        allowed["suppressions"][0]["properties"]["reason"],
        "users holds 40 rows"
    );

    let glass = results(&log)
        .iter()
        .find(|r| r["suppressions"][0]["properties"]["marker"] == "break-glass")
        .expect("a break-glass suppression");
    assert_eq!(glass["suppressions"][0]["properties"]["incident"], "INC-77");
    assert_eq!(
        glass["suppressions"][0]["properties"]["recovery"],
        "restore-from-backup"
    );
    assert_eq!(glass["suppressions"][0]["properties"]["followUp"], "DB-150");
    assert_eq!(
        glass["suppressions"][0]["properties"]["approvedBy"],
        serde_json::json!(["oncall"])
    );
}

#[test]
fn sarif_results_carry_their_statement_facts() {
    let dir = contract_scenario();
    let log = sarif(dir.path(), &["db/migrations"]);
    let drop = result_at(&log, "RS001", "000002_contract.up.sql", 6);
    let props = &drop["properties"];
    assert_eq!(props["statement"]["phase"], "contract");
    assert_eq!(props["statement"]["kind"], "DROP TABLE");
    assert_eq!(props["statement"]["destructive"], true);
    let locks = props["statement"]["locks"].as_array().expect("locks");
    assert!(
        locks
            .iter()
            .any(|l| l["relation"] == "sessions" && l["mode"] == "ACCESS EXCLUSIVE"),
        "{locks:?}"
    );
    assert!(props["statement"]["rewrites"].is_array());
    assert_eq!(props["migration"]["layout"], "golang-migrate");
    assert_eq!(props["migration"]["direction"], "up");
    assert_eq!(props["migration"]["version"], "000002");
}

#[test]
fn sarif_category_sets_automation_details() {
    let dir = contract_scenario();
    let log = sarif(
        dir.path(),
        &["db/migrations", "--sarif-category", "migrations/postgres"],
    );
    assert_eq!(
        log["runs"][0]["automationDetails"]["id"],
        "migrations/postgres/"
    );
    assert_valid_sarif(&log);
}

#[test]
fn sarif_uris_are_relative_to_the_git_top_level_folder() {
    let dir = contract_scenario();
    let d = dir.path();
    git(d, &["init", "-q"]);
    // Run from a subfolder: URIs stay relative to the repository root.
    let log = sarif(&d.join("db"), &["migrations"]);
    let uri = results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri");
    assert!(uri.starts_with("db/migrations/"), "{uri}");
    let root = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("root");
    let real = fs::canonicalize(d).expect("canonicalize");
    assert!(
        root.trim_end_matches('/')
            .ends_with(real.to_string_lossy().as_ref()),
        "{root} vs {real:?}"
    );
}

#[test]
fn sarif_snapshot_of_results() {
    let dir = contract_scenario();
    only_rules(dir.path(), &["RS001", "RS101"]);
    let mut log = sarif(dir.path(), &["db/migrations"]);
    let run = &mut log["runs"][0];
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = Value::String("file:///[root]/".into());
    // Indices move when rules are added; another test checks they point at the right rule.
    for r in run["results"].as_array_mut().expect("results") {
        r["ruleIndex"] = Value::String("[index]".into());
    }
    let snapshot = serde_json::json!({
        "originalUriBaseIds": run["originalUriBaseIds"],
        "invocations": run["invocations"],
        "results": run["results"],
    });
    insta::assert_json_snapshot!("sarif_results", snapshot);
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

#[test]
fn github_annotations_escape_data_and_properties() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "db/migrations/000001_a,b%c.up.sql",
        "CREATE TABLE t (id int);\nDROP TABLE t2;\n",
    );
    let r = run(d, &["check", "db/migrations", "--format", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let error = r
        .stdout
        .lines()
        .find(|l| l.starts_with("::error ") && l.contains("RS001"))
        .unwrap_or_else(|| panic!("no RS001 error annotation:\n{}", r.stdout));
    assert!(
        error.starts_with(
            "::error file=db/migrations/000001_a%2Cb%25c.up.sql,line=2,col=1,endLine=2,endColumn="
        ),
        "{error}"
    );
    assert!(
        error.contains(",title=rollsafe RS001%3A unapproved-contract-change::"),
        "{error}"
    );
    // The message keeps its paragraphs as %0A, and `:` / `,` stay literal in data.
    let message = error
        .split_once("::")
        .and_then(|(_, rest)| rest.split_once("::"))
        .map(|(_, m)| m)
        .expect("message");
    assert!(message.contains("%0A%0AHelp: "), "{message}");
    assert!(!message.contains('\n') && !message.contains('\r'));
    // Every line is a workflow command or a plain log line; nothing is split.
    assert!(
        r.stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("::notice title=rollsafe summary::"))
    );
}

#[test]
fn github_annotations_put_errors_first_and_respect_the_limit_of_ten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A migration with only warnings sorts first; then one with 13 unapproved drops.
    write(
        d,
        "db/migrations/000001_warn.up.sql",
        "ALTER TABLE t0 ADD COLUMN IF NOT EXISTS c int;\n",
    );
    let drops: String = (1..=13).map(|i| format!("DROP TABLE t{i};\n")).collect();
    write(d, "db/migrations/000002_drops.up.sql", &drops);
    let r = run(d, &["check", "db/migrations", "--format", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let kinds: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::"))
        .filter_map(|l| l.split([' ', ':']).next())
        .collect();
    let rank = |k: &str| {
        ["error", "warning", "notice"]
            .iter()
            .position(|x| *x == k)
            .expect("known kind")
    };
    assert!(
        kinds.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "errors first: {kinds:?}"
    );
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(count("error"), 10, "{}", r.stdout);
    assert!(count("warning") <= 10 && count("notice") <= 10, "{kinds:?}");
    // The three errors past the limit are printed as plain lines, and the summary says so.
    let plain: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(": error[RS001]"))
        .collect();
    assert_eq!(plain.len(), 3, "{}", r.stdout);
    assert!(
        plain
            .iter()
            .all(|l| l.starts_with("db/migrations/000002_drops.up.sql:"))
    );
    let last = r.stdout.lines().last().expect("summary line");
    assert!(
        last.starts_with("::notice title=rollsafe summary::"),
        "{last}"
    );
    assert!(
        last.contains("13 errors") && last.contains("not annotated (3 errors"),
        "{last}"
    );
}

#[test]
fn github_suppressed_findings_are_notices_not_errors() {
    let dir = contract_scenario();
    let r = run(
        dir.path(),
        &["check", "db/migrations", "--format", "github"],
    );
    let approved: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("approved-by=alice"))
        .collect();
    assert_eq!(approved.len(), 1, "{}", r.stdout);
    assert!(
        approved[0].starts_with("::notice file=db/migrations/000002_contract.up.sql,line=4,"),
        "{}",
        approved[0]
    );
    assert!(
        approved[0].contains("title=rollsafe RS001 (contract) suppressed"),
        "{}",
        approved[0]
    );
    let hidden = run(
        dir.path(),
        &[
            "check",
            "db/migrations",
            "--format",
            "github",
            "--hide-suppressed",
        ],
    );
    assert!(
        !hidden.stdout.contains("approved-by=alice"),
        "{}",
        hidden.stdout
    );
}

#[test]
fn github_snapshot() {
    let dir = contract_scenario();
    only_rules(dir.path(), &["RS001", "RS101"]);
    let r = run(
        dir.path(),
        &["check", "db/migrations", "--format", "github"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("github_annotations", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_summary_shows_phases_locks_findings_and_approvals() {
    let dir = contract_scenario();
    let r = run(
        dir.path(),
        &["check", "db/migrations", "--format", "markdown"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let md = &r.stdout;
    assert!(md.starts_with("## ❌ rollsafe"), "{md}");
    assert!(md.contains("**Totals:** 4 migrations"), "{md}");
    assert!(
        md.contains("1 suppressed (1 destructive change approved by a contract marker)"),
        "{md}"
    );
    // The table row of the contract migration: its phases and its locks.
    let row = md
        .lines()
        .find(|l| l.starts_with("| ❌ | `db/migrations/000002_contract.up.sql` (up)"))
        .unwrap_or_else(|| panic!("no row for 000002:\n{md}"));
    assert!(row.contains("contract"), "{row}");
    assert!(
        row.contains("`users` ACCESS EXCLUSIVE") && row.contains("`sessions` ACCESS EXCLUSIVE"),
        "{row}"
    );
    // Its section: locks per statement, findings with rule links, and who approved what.
    assert!(
        md.contains("### ❌ `db/migrations/000002_contract.up.sql`"),
        "{md}"
    );
    assert!(md.contains("**Phase:** contract (lines 4, 6)"), "{md}");
    assert!(
        md.contains("- line 4: ACCESS EXCLUSIVE on `users` (ALTER TABLE)"),
        "{md}"
    );
    assert!(
        md.contains(
            "| 6 | ❌ error | [RS001](https://github.com/rollsafe/rollsafe/blob/main/rules/RS001.md"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "- line 4 `ALTER TABLE users DROP COLUMN IF EXISTS legacy_email` (RS001, contract): approved by **alice**, **bob** · ticket DB-142"
        ),
        "{md}"
    );
}

#[test]
fn markdown_snapshot() {
    let dir = contract_scenario();
    only_rules(dir.path(), &["RS001", "RS101"]);
    let r = run(
        dir.path(),
        &["check", "db/migrations", "--format", "markdown"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("markdown_summary", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// Several outputs from one run

#[test]
fn also_writes_other_formats_from_the_same_run() {
    let dir = contract_scenario();
    let d = dir.path();
    let r = run(
        d,
        &[
            "check",
            "db/migrations",
            "--format",
            "github",
            "--also",
            "sarif=out/rollsafe.sarif",
            "--also",
            "markdown=summary.md",
            "--also",
            "json=report.json",
        ],
    );
    // `out/` does not exist: writing fails as a tool failure, naming the file.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("out/rollsafe.sarif"), "{}", r.stderr);

    fs::create_dir(d.join("out")).expect("mkdir");
    let r = run(
        d,
        &[
            "check",
            "db/migrations",
            "--format",
            "github",
            "--also",
            "sarif=out/rollsafe.sarif",
            "--also",
            "markdown=summary.md",
            "--also",
            "JSON=report.json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("::error file=db/migrations/000002_contract.up.sql")
    );
    let log: Value =
        serde_json::from_str(&fs::read_to_string(d.join("out/rollsafe.sarif")).expect("sarif"))
            .expect("json");
    assert_valid_sarif(&log);
    let md = fs::read_to_string(d.join("summary.md")).expect("summary");
    assert!(md.contains("approved by **alice**"), "{md}");
    let json: Value =
        serde_json::from_str(&fs::read_to_string(d.join("report.json")).expect("json"))
            .expect("json");
    assert_eq!(json["summary"]["suppressed"], 1);

    let bad = run(d, &["check", "db/migrations", "--also", "yaml=x.yaml"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown format `yaml`"),
        "{}",
        bad.stderr
    );
    let bad = run(d, &["check", "db/migrations", "--also", "sarif"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("FORMAT=FILE"), "{}", bad.stderr);
}

// ---------------------------------------------------------------------------------------------
// --diff-base

/// main: 000001 users, 000003 orders. feature: 000001 edited (unstaged), 000002 adds an index on
/// users (committed), 000004 creates and indexes its own table (untracked).
fn diff_base_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(
        d,
        "db/migrations/000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    );
    write(
        d,
        "db/migrations/000001_users.down.sql",
        "DROP TABLE users;\n",
    );
    write(
        d,
        "db/migrations/000003_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(
        d,
        "db/migrations/000002_users_email.up.sql",
        "CREATE INDEX users_email_idx ON users (email);\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "index"]);
    write(
        d,
        "db/migrations/000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n\nALTER TABLE users ADD COLUMN name text;\n",
    );
    write(
        d,
        "db/migrations/000004_audit.up.sql",
        "CREATE TABLE audit (id bigint, at timestamptz);\nCREATE INDEX audit_at_idx ON audit (at);\n",
    );
    dir
}

fn json_report(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(dir, &all);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("JSON output"),
    )
}

fn codes_by_file(json: &Value) -> BTreeMap<String, Vec<String>> {
    json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["diagnostics"]
                    .as_array()
                    .map(|ds| {
                        ds.iter()
                            .filter_map(|d| d["code"].as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn diff_base_reports_only_changed_migrations_and_flags_edits_and_order() {
    let dir = diff_base_repo();
    let (code, json) = json_report(dir.path(), &["db/migrations", "--diff-base", "main"]);
    assert_eq!(code, 1);
    let files = codes_by_file(&json);
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "db/migrations/000001_users.up.sql",
            "db/migrations/000002_users_email.up.sql",
            "db/migrations/000004_audit.up.sql"
        ],
        "only added or edited migrations are reported"
    );
    // The edited migration that existed at main.
    assert!(
        files["db/migrations/000001_users.up.sql"].contains(&"RS401".to_string()),
        "{files:?}"
    );
    // The new migration that sorts before 000003, which existed at main.
    let m2 = &files["db/migrations/000002_users_email.up.sql"];
    assert!(m2.contains(&"RS402".to_string()), "{files:?}");
    // The replay still read 000001 (unchanged at HEAD, not reported): users exists, so the
    // index build blocks writes on a live table.
    assert!(m2.contains(&"RS101".to_string()), "{files:?}");
    // A table created in the change itself is new: indexing it is harmless.
    let m4 = &files["db/migrations/000004_audit.up.sql"];
    assert!(
        !m4.contains(&"RS101".to_string()) && !m4.contains(&"RS402".to_string()),
        "{files:?}"
    );

    // RS401 points at the first changed statement and names the base.
    let r = run(
        dir.path(),
        &[
            "check",
            "db/migrations",
            "--diff-base",
            "main",
            "--format",
            "compact",
        ],
    );
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("RS401"))
        .expect("RS401 line");
    assert!(
        line.starts_with("db/migrations/000001_users.up.sql:3:1: error[RS401]"),
        "{line}"
    );
    assert!(line.contains("already existed at main"), "{line}");
}

#[test]
fn diff_base_against_head_reports_nothing_on_a_clean_tree() {
    let dir = diff_base_repo();
    let d = dir.path();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "rest"]);
    let (code, json) = json_report(d, &["db/migrations", "--diff-base", "HEAD"]);
    assert_eq!(code, 0);
    assert_eq!(json["files"].as_array().map(Vec::len), Some(0), "{json:#}");
}

#[test]
fn diff_base_reads_the_repository_of_the_linted_paths() {
    let dir = diff_base_repo();
    let outside = tempfile::tempdir().expect("tempdir");
    let migrations = dir.path().join("db/migrations");
    let r = run(
        outside.path(),
        &[
            "check",
            migrations.to_str().expect("utf-8 path"),
            "--diff-base",
            "main",
            "--format",
            "compact",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("RS401") && r.stdout.contains("RS402"),
        "{}",
        r.stdout
    );
}

#[test]
fn diff_base_git_failures_are_tool_failures() {
    let plain = tempfile::tempdir().expect("tempdir");
    write(plain.path(), "db/migrations/000001_a.up.sql", "SELECT 1;\n");
    let r = run(
        plain.path(),
        &["check", "db/migrations", "--diff-base", "main"],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("--diff-base needs a git repository"),
        "{}",
        r.stderr
    );

    let repo = diff_base_repo();
    let r = run(
        repo.path(),
        &["check", "db/migrations", "--diff-base", "no-such-branch"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown git revision `no-such-branch`"),
        "{}",
        r.stderr
    );
    let r = run(
        repo.path(),
        &["check", "db/migrations", "--diff-base", "--oops"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn diff_base_does_not_flag_edits_to_down_migrations_or_new_files_after_the_newest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(
        d,
        "db/migrations/000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    write(
        d,
        "db/migrations/000001_users.down.sql",
        "DROP TABLE users;\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    write(
        d,
        "db/migrations/000001_users.down.sql",
        "DROP TABLE IF EXISTS users;\n",
    );
    write(
        d,
        "db/migrations/000002_more.up.sql",
        "CREATE TABLE more (id bigint);\n",
    );
    let (_, json) = json_report(d, &["db/migrations", "--diff-base", "main"]);
    let files = codes_by_file(&json);
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files
            .values()
            .flatten()
            .all(|c| c != "RS401" && c != "RS402"),
        "{files:?}"
    );
}

#[test]
fn diff_base_compares_sections_and_changesets_not_whole_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    let goose_up = "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, nickname text);\n\n";
    write(
        d,
        "goose/00001_users.sql",
        &format!("{goose_up}-- +goose Down\nDROP TABLE users;\n"),
    );
    write(
        d,
        "goose/00002_orders.sql",
        "-- +goose Up\nCREATE TABLE orders (id bigint);\n-- +goose Down\nDROP TABLE orders;\n",
    );
    let changelog = "--liquibase formatted sql\n\n--changeset alice:one\nCREATE TABLE a (id int);\n--rollback DROP TABLE a;\n\n--changeset alice:two\nCREATE TABLE b (id int);\n--rollback DROP TABLE b;\n";
    write(d, "liquibase/changelog.sql", changelog);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);

    // Only the down section of an applied goose migration changes; a changeset is appended.
    write(
        d,
        "goose/00001_users.sql",
        &format!("{goose_up}-- +goose Down\nDROP TABLE IF EXISTS users;\n"),
    );
    write(
        d,
        "liquibase/changelog.sql",
        &format!(
            "{changelog}\n--changeset bob:three\nCREATE TABLE c (id int);\n--rollback DROP TABLE c;\n"
        ),
    );
    let r = run(
        d,
        &[
            "check",
            "goose",
            "liquibase",
            "--diff-base",
            "main",
            "--format",
            "compact",
        ],
    );
    assert!(
        !r.stdout.contains("RS401") && !r.stdout.contains("RS402"),
        "{}",
        r.stdout
    );

    // Now the up section changes, and a changeset is inserted before existing ones.
    write(
        d,
        "goose/00001_users.sql",
        "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, nickname varchar(80));\n\n-- +goose Down\nDROP TABLE users;\n",
    );
    write(
        d,
        "liquibase/changelog.sql",
        &changelog.replace("--changeset alice:two", "--changeset bob:early\nCREATE TABLE e (id int);\n--rollback DROP TABLE e;\n\n--changeset alice:two"),
    );
    let r = run(
        d,
        &[
            "check",
            "goose",
            "liquibase",
            "--diff-base",
            "main",
            "--format",
            "compact",
        ],
    );
    let rs401: Vec<&str> = r.stdout.lines().filter(|l| l.contains("[RS401]")).collect();
    assert_eq!(rs401.len(), 1, "{}", r.stdout);
    assert!(
        rs401[0].starts_with("goose/00001_users.sql:2:1:")
            && rs401[0].contains("first change at line 2"),
        "{}",
        rs401[0]
    );
    let rs402: Vec<&str> = r.stdout.lines().filter(|l| l.contains("[RS402]")).collect();
    assert_eq!(rs402.len(), 1, "{}", r.stdout);
    assert!(
        rs402[0].starts_with("liquibase/changelog.sql:8:1:") && rs402[0].contains("bob:early"),
        "{}",
        rs402[0]
    );
}

#[test]
fn duplicate_versions_are_flagged_with_or_without_diff_base() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "db/migrations/000012_add_status.up.sql",
        "CREATE TABLE a (id int);\n",
    );
    write(
        d,
        "db/migrations/12_add_priority.up.sql",
        "CREATE TABLE b (id int);\n",
    );
    write(
        d,
        "db/migrations/000013_other.up.sql",
        "CREATE TABLE c (id int);\n",
    );
    let (code, json) = json_report(d, &["db/migrations"]);
    assert_eq!(code, 1);
    let files = codes_by_file(&json);
    assert!(
        files["db/migrations/000012_add_status.up.sql"].contains(&"RS403".to_string()),
        "{files:?}"
    );
    assert!(
        files["db/migrations/12_add_priority.up.sql"].contains(&"RS403".to_string()),
        "{files:?}"
    );
    assert!(
        !files["db/migrations/000013_other.up.sql"].contains(&"RS403".to_string()),
        "{files:?}"
    );

    // With --diff-base, only the changed duplicate is reported.
    git(d, &["init", "-q", "-b", "main"]);
    fs::remove_file(d.join("db/migrations/12_add_priority.up.sql")).expect("rm");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    write(
        d,
        "db/migrations/12_add_priority.up.sql",
        "CREATE TABLE b (id int);\n",
    );
    let (_, json) = json_report(d, &["db/migrations", "--diff-base", "main"]);
    let files = codes_by_file(&json);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["db/migrations/12_add_priority.up.sql"],
        "{files:?}"
    );
    assert!(files["db/migrations/12_add_priority.up.sql"].contains(&"RS403".to_string()));
}

/// main: 000001 users (with a view), a type and a sequence; 000003 orders and a function.
/// feature: 000002 (sorting before 000003, so databases that have 000003 run it after)
/// recreates what the base's migrations leave with IF NOT EXISTS / OR REPLACE and drops it
/// again; 000004 creates and drops its own objects the same way.
fn diff_base_existing_objects_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(
        d,
        "db/migrations/000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n\
         CREATE TYPE mood AS ENUM ('ok');\n\
         CREATE SEQUENCE ticket_seq;\n\
         CREATE VIEW user_ids AS SELECT id FROM users;\n",
    );
    write(
        d,
        "db/migrations/000001_users.down.sql",
        "DROP VIEW user_ids;\nDROP SEQUENCE ticket_seq;\nDROP TYPE mood;\nDROP TABLE users;\n",
    );
    write(
        d,
        "db/migrations/000003_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n\
         CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT 1';\n",
    );
    write(
        d,
        "db/migrations/000003_orders.down.sql",
        "DROP FUNCTION order_count();\nDROP TABLE orders;\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(
        d,
        "db/migrations/000002_recreate.up.sql",
        "CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY);\n\
         DROP TABLE orders;\n\
         CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n\
         DROP TABLE users CASCADE;\n\
         CREATE SEQUENCE IF NOT EXISTS ticket_seq;\n\
         DROP SEQUENCE ticket_seq;\n\
         CREATE OR REPLACE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT 2';\n\
         DROP FUNCTION order_count();\n",
    );
    write(d, "db/migrations/000002_recreate.down.sql", "SELECT 1;\n");
    write(
        d,
        "db/migrations/000004_own.up.sql",
        "CREATE TABLE IF NOT EXISTS scratch (id bigint);\n\
         DROP TABLE scratch;\n\
         CREATE SEQUENCE IF NOT EXISTS scratch_seq;\n\
         DROP SEQUENCE scratch_seq;\n",
    );
    write(d, "db/migrations/000004_own.down.sql", "SELECT 1;\n");
    dir
}

#[test]
fn diff_base_a_new_migration_cannot_make_an_existing_object_new() {
    let dir = diff_base_existing_objects_repo();
    let r = run(
        dir.path(),
        &[
            "check",
            "db/migrations",
            "--diff-base",
            "main",
            "--format",
            "compact",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rs001: Vec<&str> = r.stdout.lines().filter(|l| l.contains("[RS001]")).collect();
    // 000002's IF NOT EXISTS creates nothing: every drop after it drops the base's object,
    // even `orders`, which the replay reaches only after 000002.
    for line in [2, 4, 6, 8] {
        let at = format!("db/migrations/000002_recreate.up.sql:{line}:1:");
        assert!(
            rs001.iter().any(|l| l.starts_with(&at)),
            "{at}\n{}",
            r.stdout
        );
    }
    // What the change itself creates is new, IF NOT EXISTS or not.
    assert!(
        !rs001.iter().any(|l| l.contains("000004_own")),
        "{}",
        r.stdout
    );
    insta::assert_snapshot!("diff_base_existing_objects", rs001.join("\n"));
}

#[test]
fn diff_base_sarif_is_valid_and_relative_to_the_repository() {
    let dir = diff_base_repo();
    let log = sarif(dir.path(), &["db/migrations", "--diff-base", "main"]);
    assert_valid_sarif(&log);
    let rules: BTreeSet<&str> = results(&log)
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        rules.contains("RS401") && rules.contains("RS402"),
        "{rules:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Standard input

#[test]
fn stdin_is_linted_as_the_named_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = rollsafe(dir.path())
        .args([
            "check",
            "--format",
            "compact",
            "--stdin-filename",
            "db/migrations/001_x.up.sql",
            "-",
        ])
        .write_stdin("SELECT 1;\n\nDROP TABLE users;\n")
        .output()
        .expect("run");
    assert_eq!(r.status.code(), Some(1));
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains("db/migrations/001_x.up.sql:3:1: error[RS001]"),
        "{out}"
    );

    let clean = rollsafe(dir.path())
        .args([
            "check",
            "--format",
            "compact",
            "--stdin-filename",
            "db/migrations/001_x.up.sql",
            "-",
        ])
        .write_stdin("SET lock_timeout = '2s';\nCREATE TABLE IF NOT EXISTS t (id bigint);\n")
        .output()
        .expect("run");
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
}

#[test]
fn stdin_sarif_names_the_given_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = rollsafe(dir.path())
        .args([
            "check",
            "--format",
            "sarif",
            "--stdin-filename",
            "db/migrations/001_x.up.sql",
            "-",
        ])
        .write_stdin("DROP TABLE users;\n")
        .output()
        .expect("run");
    let log: Value = serde_json::from_slice(&r.stdout).expect("SARIF");
    assert_valid_sarif(&log);
    assert_eq!(
        results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "db/migrations/001_x.up.sql"
    );
}

#[test]
fn stdin_misuse_is_a_tool_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let no_name = rollsafe(dir.path())
        .args(["check", "-"])
        .write_stdin("SELECT 1;")
        .output()
        .expect("run");
    assert_eq!(no_name.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_name.stderr).contains("--stdin-filename"));
    let with_base = rollsafe(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "a.sql",
            "--diff-base",
            "main",
            "-",
        ])
        .write_stdin("SELECT 1;")
        .output()
        .expect("run");
    assert_eq!(with_base.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&with_base.stderr).contains("--diff-base cannot be combined"));
}

// ---------------------------------------------------------------------------------------------
// Fixtures

#[test]
fn every_fixture_layout_gives_valid_sarif() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut layouts: Vec<PathBuf> = fs::read_dir(&fixtures)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    layouts.sort();
    assert!(
        !layouts.is_empty(),
        "no fixture layouts under {}",
        fixtures.display()
    );
    let validator = sarif_validator();
    for layout in layouts {
        let r = run(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &[
                "check",
                layout.to_str().expect("utf-8"),
                "--format",
                "sarif",
                "--today",
                "2026-06-01",
            ],
        );
        assert!(
            r.code == 0 || r.code == 1,
            "{}: exit {}: {}",
            layout.display(),
            r.code,
            r.stderr
        );
        let log: Value = serde_json::from_str(&r.stdout).expect("SARIF");
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", layout.display());
        assert!(
            !results(&log).is_empty(),
            "{}: the fixtures have findings",
            layout.display()
        );
    }
}

// --diff-base: the change's config cannot weaken the gate (RS007)

/// main: a config that restricts approvers and a users table. feature: a DROP of it, and the
/// config given as `feature_config`.
fn gate_repo(feature_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(
        d,
        "rollsafe.toml",
        "migrations = [\"db/migrations\"]\n\n[contract]\napprovers = [\"alice\"]\n",
    );
    write(
        d,
        "db/migrations/000001_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(
        d,
        "db/migrations/000002_drop_users.up.sql",
        "-- rollsafe:contract approved-by=mallory reason=\"cleanup\" recovery=restore-from-backup\nDROP TABLE users;\n",
    );
    write(d, "rollsafe.toml", feature_config);
    dir
}

fn compact_lines(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check", "--format", "compact"];
    all.extend_from_slice(args);
    let r = run(dir, &all);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    (r.code, r.stdout.lines().map(String::from).collect())
}

#[test]
fn diff_base_config_that_weakens_the_gate_is_rs007_and_has_no_effect() {
    let weakened = "migrations = [\"db/migrations\"]\nexclude = [\"000002_*\"]\n\n[rules]\nRS001 = \"off\"\nRS004 = \"warning\"\nRS101 = \"off\"\n\n[contract]\napprovers = [\"alice\", \"mallory\"]\n";
    let dir = gate_repo(weakened);
    write(
        dir.path(),
        "db/migrations/000003_drop_users_again.up.sql",
        "DROP TABLE IF EXISTS users;\n",
    );
    let (code, lines) = compact_lines(dir.path(), &["--diff-base", "main"]);
    assert_eq!(code, 1, "{lines:#?}");
    let rs007: Vec<&String> = lines.iter().filter(|l| l.contains("[RS007]")).collect();
    // Each weakening at the line of its key, with the old and the new value.
    let expect = [
        (
            "rollsafe.toml:5:1: error[RS007]",
            "`[rules] RS001` was \"error\" at the diff base",
        ),
        (
            "rollsafe.toml:6:1: error[RS007]",
            "`[rules] RS004` was \"error\"",
        ),
        (
            "rollsafe.toml:10:1: error[RS007]",
            "`[contract] approvers` was [\"alice\"] at the diff base",
        ),
        (
            "rollsafe.toml:2:1: error[RS007]",
            "`exclude` was [] at the diff base",
        ),
    ];
    for (prefix, text) in expect {
        assert!(
            rs007
                .iter()
                .any(|l| l.starts_with(prefix) && l.contains(text)),
            "no `{prefix}` … `{text}` in {rs007:#?}"
        );
    }
    assert!(
        rs007.iter().any(|l| l.contains("is \"off\" here")),
        "{rs007:#?}"
    );
    assert!(
        rs007.iter().any(|l| l.contains("000002_drop_users.up.sql")),
        "the exclude finding names the file it leaves out: {rs007:#?}"
    );
    // RS101 is not part of the gate: tuning it is not reported.
    assert!(!rs007.iter().any(|l| l.contains("RS101")), "{rs007:#?}");
    assert_eq!(rs007.len(), 4, "{rs007:#?}");
    // The gate held: the excluded file is linted, RS001 is on, mallory cannot approve.
    let drop = lines
        .iter()
        .find(|l| l.starts_with("db/migrations/000003_drop_users_again.up.sql:1:1: error[RS001]"));
    assert!(drop.is_some(), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[RS004]") && l.contains("`mallory` is not an allowed approver")),
        "{lines:#?}"
    );

    // Without a diff base there is nothing to compare with: the config is taken as written
    // (RS001 off). The drop still needs its recovery path (RS406), which this config keeps on.
    let (code, lines) = compact_lines(dir.path(), &[]);
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("RS007") || l.contains("000002") || l.contains("[RS001]")),
        "{lines:#?}"
    );
    let errors: Vec<&String> = lines.iter().filter(|l| l.contains(": error[")).collect();
    assert!(errors.iter().all(|l| l.contains("[RS406]")), "{lines:#?}");
    assert_eq!(code, 1, "{lines:#?}");
}

#[test]
fn diff_base_config_that_tightens_the_gate_is_not_rs007() {
    let tightened = "migrations = [\"db/migrations\", \"db/other\"]\n\n[rules]\nRS006 = \"error\"\nRS101 = \"off\"\n\n[contract]\nrequired = [\"approved-by\", \"ticket\"]\napprovers = [\"alice\"]\n";
    let dir = gate_repo(tightened);
    let d = dir.path();
    write(
        d,
        "db/migrations/000002_drop_users.up.sql",
        "-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup\nDROP TABLE users;\n",
    );
    fs::create_dir_all(d.join("db/other")).expect("folder");
    let (code, lines) = compact_lines(d, &["--diff-base", "main"]);
    assert!(!lines.iter().any(|l| l.contains("RS007")), "{lines:#?}");
    assert_eq!(code, 0, "{lines:#?}");
}

#[test]
fn diff_base_config_added_by_the_change_is_compared_with_the_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "db/001_users.sql", "CREATE TABLE users (id bigint);\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    write(d, "db/002_drop.sql", "DROP TABLE users;\n");
    write(d, "rollsafe.toml", "[rules]\nrs001 = \"info\"\n");
    let (code, lines) = compact_lines(d, &["db", "--diff-base", "main"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("rollsafe.toml:2:1: error[RS007]")
                && l.contains("`[rules] RS001` was \"error\"")
                && l.contains("is \"info\" here")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("db/002_drop.sql:1:1: error[RS001]")),
        "{lines:#?}"
    );
}

#[test]
fn diff_base_config_removing_a_migration_directory_is_rs007() {
    let dir = gate_repo("migrations = []\n\n[contract]\napprovers = [\"alice\"]\n");
    let (code, lines) = compact_lines(dir.path(), &["--diff-base", "main"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("rollsafe.toml:1:1: error[RS007]")
                && l.contains("`migrations` was [\"db/migrations\"]")),
        "{lines:#?}"
    );
    // The base's directory is still linted.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("000002_drop_users.up.sql") && l.contains("[RS004]")),
        "{lines:#?}"
    );
}

#[test]
fn diff_base_reports_an_unchanged_file_that_a_new_migration_includes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(d, "db/001_users.sql", "CREATE TABLE users (id bigint);\n");
    write(d, "scripts/drop_users.sql", "DROP TABLE users;\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    // Must fire: the new migration runs an existing script that drops a table.
    write(d, "db/002_cleanup.sql", "\\ir ../scripts/drop_users.sql\n");
    let (code, lines) = compact_lines(d, &["db", "--layout", "plain", "--diff-base", "main"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("scripts/drop_users.sql:1:1: error[RS001]")),
        "{lines:#?}"
    );
    // Must not fire: once merged, the migration and its include are unchanged.
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "cleanup"]);
    let (code, lines) = compact_lines(d, &["db", "--layout", "plain", "--diff-base", "HEAD"]);
    assert_eq!(code, 0, "{lines:#?}");
}

// [contract] approvers-from = "CODEOWNERS", and --approvals-from-github

fn codeowners_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    write(
        d,
        "rollsafe.toml",
        "migrations = [\"db\"]\n\n[contract]\napprovers-from = \"CODEOWNERS\"\n",
    );
    write(
        d,
        ".github/CODEOWNERS",
        "* @everyone\n# the DBAs own the migrations\n/db/ @dba @org/db-team\n",
    );
    write(d, "db/001_users.sql", "CREATE TABLE users (id bigint);\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    dir
}

fn drop_approved_by(d: &Path, who: &str) {
    write(
        d,
        "db/002_drop.sql",
        &format!(
            "-- rollsafe:contract approved-by={who} reason=\"cleanup\" recovery=restore-from-backup\nDROP TABLE users;\n"
        ),
    );
}

#[test]
fn codeowners_decide_who_may_approve() {
    let dir = codeowners_repo();
    let d = dir.path();
    // Must fire: an approver who does not own db/ (the last matching line wins over `*`).
    drop_approved_by(d, "everyone");
    let (code, lines) = compact_lines(d, &["--layout", "plain"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("db/002_drop.sql:1:3: error[RS004]")
            && l.contains("`everyone` is not an owner of db/002_drop.sql in .github/CODEOWNERS (owners: @dba @org/db-team)")),
        "{lines:#?}"
    );
    // The DROP is not approved (RS004 stands for RS001 when a contract marker is there).
    assert!(
        !lines.iter().any(|l| l.contains("suppressed")),
        "{lines:#?}"
    );
    // Must not fire: an owner, with or without `@`, or a team as written.
    for who in ["dba", "@DBA", "@org/db-team"] {
        drop_approved_by(d, who);
        let (code, lines) = compact_lines(d, &["--layout", "plain"]);
        assert!(
            !lines.iter().any(|l| l.contains("RS004")),
            "{who}: {lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("[RS001]") && l.contains("(suppressed: rollsafe:contract")),
            "{who}: {lines:#?}"
        );
        assert_eq!(code, 0, "{who}: {lines:#?}");
    }
    // With --diff-base, CODEOWNERS is the base revision's, as GitHub reads it: a change that
    // makes its author an owner does not let the author approve.
    write(
        d,
        ".github/CODEOWNERS",
        "* @everyone\n/db/ @dba @org/db-team @mallory\n",
    );
    drop_approved_by(d, "mallory");
    let (code, lines) = compact_lines(d, &["--layout", "plain", "--diff-base", "main"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[RS004]") && l.contains("`mallory` is not an owner")),
        "{lines:#?}"
    );
    // Without a CODEOWNERS file, no approval counts.
    fs::remove_file(d.join(".github/CODEOWNERS")).expect("remove");
    drop_approved_by(d, "dba");
    let (code, lines) = compact_lines(d, &["--layout", "plain"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[RS004]") && l.contains("there is no CODEOWNERS file")),
        "{lines:#?}"
    );
}

/// A stand-in for GitHub's REST API on 127.0.0.1: answers the documented responses of
/// `GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews`, two pages linked with `Link`, and
/// 401 without the expected token. Returns the base URL and the requests it received.
fn fake_github(pages: Vec<String>) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let api = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut authorized = false;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if header.eq_ignore_ascii_case("authorization: bearer good-token\r\n") {
                    authorized = true;
                }
            }
            let target = request_line.split(' ').nth(1).unwrap_or("").to_string();
            log.lock().expect("log").push(target.clone());
            let path = "/repos/acme/shop/pulls/7/reviews?per_page=100";
            let (status, link, body) = if !authorized {
                ("401 Unauthorized", String::new(), r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#.to_string())
            } else if target == path {
                (
                    "200 OK",
                    format!(
                        "Link: <{api}{path}&page=2>; rel=\"next\", <{api}{path}&page=2>; rel=\"last\"\r\n"
                    ),
                    pages[0].clone(),
                )
            } else if target == format!("{path}&page=2") {
                (
                    "200 OK",
                    format!("Link: <{api}{path}&page=1>; rel=\"prev\"\r\n"),
                    pages[1].clone(),
                )
            } else {
                (
                    "404 Not Found",
                    String::new(),
                    r#"{"message":"Not Found"}"#.to_string(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\n{link}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, seen)
}

fn review(id: u64, login: &str, state: &str, commit: &str) -> String {
    format!(
        r#"{{"id":{id},"node_id":"PRR_{id}","user":{{"login":"{login}","id":{id},"type":"User"}},"body":"","state":"{state}","html_url":"https://github.com/acme/shop/pull/7#pullrequestreview-{id}","pull_request_url":"https://api.github.com/repos/acme/shop/pulls/7","author_association":"MEMBER","submitted_at":"2026-11-20T10:00:0{id}Z","commit_id":"{commit}"}}"#
    )
}

fn check_with_github(d: &Path, api: &str, token: &str) -> Run {
    let out = rollsafe(d)
        .args([
            "check",
            "--format",
            "compact",
            "db",
            "--approvals-from-github",
            "--pull-request",
            "7",
            "--head-sha",
            "headsha",
        ])
        .env("GITHUB_API_URL", api)
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_TOKEN", token)
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .expect("run rollsafe");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn approvals_from_github_count_only_approving_reviews_of_the_head_commit() {
    let page1 = format!(
        "[{},{},{}]",
        review(1, "alice", "APPROVED", "headsha"),
        review(2, "bob", "APPROVED", "oldsha"),
        review(3, "carol", "APPROVED", "headsha"),
    );
    // Page 2: carol withdraws by requesting changes; dave only comments; erin approves.
    let page2 = format!(
        "[{},{},{}]",
        review(4, "carol", "CHANGES_REQUESTED", "headsha"),
        review(5, "dave", "COMMENTED", "headsha"),
        review(6, "erin", "APPROVED", "headsha"),
    );
    let (api, seen) = fake_github(vec![page1, page2]);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "db/001_users.sql", "CREATE TABLE users (id bigint);\n");

    // Must not fire: alice approved on page 1, erin on page 2 (the Link header was followed).
    write(
        d,
        "db/002_drop.sql",
        "-- rollsafe:contract approved-by=alice,erin reason=\"cleanup\" recovery=restore-from-backup\nDROP TABLE users;\n",
    );
    let r = check_with_github(d, &api, "good-token");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("(suppressed: rollsafe:contract approved-by=alice,erin"),
        "{}",
        r.stdout
    );
    let requests = seen.lock().expect("log").clone();
    assert_eq!(
        requests,
        [
            "/repos/acme/shop/pulls/7/reviews?per_page=100",
            "/repos/acme/shop/pulls/7/reviews?per_page=100&page=2"
        ]
    );

    // Must fire: bob approved an older commit, carol withdrew, dave only commented, and a
    // team cannot review.
    for who in ["bob", "carol", "dave", "@acme/dba"] {
        write(
            d,
            "db/002_drop.sql",
            &format!(
                "-- rollsafe:contract approved-by=alice,{who} reason=\"cleanup\" recovery=restore-from-backup\nDROP TABLE users;\n"
            ),
        );
        let r = check_with_github(d, &api, "good-token");
        assert_eq!(r.code, 1, "{who}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(&format!(
                "db/002_drop.sql:1:3: error[RS004] this approval does not count: `{who}` has no approving review of this pull request on its head commit"
            )),
            "{who}: {}",
            r.stdout
        );
        assert!(!r.stdout.contains("(suppressed"), "{who}: {}", r.stdout);
    }

    // A 401 means the approvals cannot be checked: a tool failure, never a pass.
    let r = check_with_github(d, &api, "bad-token");
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("GitHub answered 401 to GET")
            && r.stderr
                .contains("/repos/acme/shop/pulls/7/reviews?per_page=100: Bad credentials"),
        "{}",
        r.stderr
    );
}

#[test]
fn gate_weakening_findings_are_valid_sarif_and_markdown_at_the_config_line() {
    let dir = gate_repo(
        "migrations = [\"db/migrations\"]\n\n[rules]\nRS001 = \"off\"\n\n[contract]\napprovers = [\"alice\"]\n",
    );
    let d = dir.path();
    let log = sarif(d, &["--diff-base", "main"]);
    assert_valid_sarif(&log);
    let r = result_at(&log, "RS007", "rollsafe.toml", 4);
    assert_eq!(r["level"], "error");
    assert!(
        r["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("`[rules] RS001` was \"error\"")),
        "{r:#}"
    );
    let out = run(d, &["check", "--format", "markdown", "--diff-base", "main"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("### Configuration"), "{}", out.stdout);
    assert!(
        out.stdout.contains("`rollsafe.toml`") && out.stdout.contains("[RS007]("),
        "{}",
        out.stdout
    );
    let gh = run(d, &["check", "--format", "github", "--diff-base", "main"]);
    assert!(
        gh.stdout
            .contains("::error file=rollsafe.toml,line=4,col=1,"),
        "{}",
        gh.stdout
    );
}

#[test]
fn diff_base_config_deleted_by_the_change_is_rs007() {
    let dir = gate_repo("");
    let d = dir.path();
    fs::remove_file(d.join("rollsafe.toml")).expect("remove");
    let (code, lines) = compact_lines(d, &["db/migrations", "--diff-base", "main"]);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("rollsafe.toml:1:1: error[RS007]")
                && l.contains("`[contract] approvers` was [\"alice\"] at the diff base")),
        "{lines:#?}"
    );
    // The base's approver list still applies.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("[RS004]") && l.contains("`mallory` is not an allowed approver")),
        "{lines:#?}"
    );
}
