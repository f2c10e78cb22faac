//! Differential test of the two PostgreSQL parse paths: rollsafe's direct call into libpg_query
//! (the default) and the `pg_query` crate's `parse` with a second parse to place errors
//! (`ROLLSAFE_PARSER=pg-query-crate`). Every fixture folder and a generated corpus (the
//! benchmark's generator, plus files with syntax errors) must give byte-identical JSON: every
//! statement's facts and every diagnostic.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn json_of(path: &Path, parser: Option<&str>) -> (Option<i32>, String) {
    let mut cmd = Command::cargo_bin("rollsafe").expect("the rollsafe binary is built");
    cmd.args([
        "check",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--today",
        "2026-01-01",
    ])
    .arg(path)
    .env_remove("ROLLSAFE_PARSER");
    if let Some(parser) = parser {
        cmd.env("ROLLSAFE_PARSER", parser);
    }
    let out = cmd.output().expect("run rollsafe");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 JSON"),
    )
}

/// Both paths agree on `path`; returns how many statements the report has, so callers can
/// check the comparison was not between two empty reports.
fn assert_same(path: &Path) -> usize {
    let (direct_code, direct) = json_of(path, None);
    let (crate_code, via_crate) = json_of(path, Some("pg-query-crate"));
    assert_eq!(direct_code, Some(0), "{}: {direct}", path.display());
    assert_eq!(crate_code, direct_code, "{}", path.display());
    assert!(
        direct == via_crate,
        "{}: the parse paths differ",
        path.display()
    );
    let report: serde_json::Value = serde_json::from_str(&direct).expect("JSON");
    report["files"].as_array().map_or(0, |files| {
        files
            .iter()
            .map(|u| u["statements"].as_array().map_or(0, Vec::len))
            .sum()
    })
}

fn subdirs(dir: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_is_identical_on_both_parse_paths() {
    let mut folders = subdirs("fixtures");
    folders.extend(subdirs("tests/rules"));
    folders.extend(["tests/procedural", "tests/includes", "tests/plan"].map(PathBuf::from));
    let mut statements = 0;
    for folder in &folders {
        statements += assert_same(folder);
    }
    assert!(statements > 300, "only {statements} statements compared");
}

#[test]
fn a_generated_corpus_with_syntax_errors_is_identical_on_both_parse_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = std::process::Command::new("python3")
        .arg("scripts/gen_corpus.py")
        .arg(dir.path())
        .arg("300")
        .status()
        .expect("python3 runs the corpus generator");
    assert!(status.success());
    // Errors take the per-statement fallback and the error position: in a batch, alone, after
    // a multibyte character, and a NUL byte the C parser cannot be handed.
    std::fs::write(
        dir.path().join("000900_errors.up.sql"),
        "CREATE TABLE é (id int);\nSELECT 'é' FROMM t;\nALTER TABLE t ADD COLUMN x int;\n\
         CREATE INDEX ON t (;\nINSERT INTO t VALUES (1);\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("000901_nul.up.sql"),
        "CREATE TABLE n (id int);\nSELECT '\0';\n",
    )
    .expect("write");
    let statements = assert_same(dir.path());
    assert!(statements > 1000, "only {statements} statements compared");
    let (_, json) = json_of(dir.path(), None);
    assert!(
        json.contains("syntax error at or near"),
        "no syntax error reported"
    );
}
