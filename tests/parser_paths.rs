//! Differential test of the three PostgreSQL parse paths: reading libpg_query's C tree directly
//! (the default), libpg_query's protobuf encoding decoded by prost (`ROLLSAFE_PARSER=protobuf`)
//! and the `pg_query` crate's `parse` with a second parse to place errors
//! (`ROLLSAFE_PARSER=pg-query-crate`). Every fixture folder and a generated corpus (the
//! benchmark's generator, plus files with syntax errors) must give byte-identical JSON: every
//! statement's facts and every diagnostic. Below that, the trees themselves must be equal,
//! statement by statement, for every SQL file in the repository's tests and fixtures.

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

/// All paths agree on `path`; returns how many statements the report has, so callers can
/// check the comparison was not between two empty reports.
fn assert_same(path: &Path) -> usize {
    let (direct_code, direct) = json_of(path, None);
    assert_eq!(direct_code, Some(0), "{}: {direct}", path.display());
    for other in ["protobuf", "pg-query-crate"] {
        let (code, json) = json_of(path, Some(other));
        assert_eq!(code, direct_code, "{}", path.display());
        assert!(
            direct == json,
            "{}: the raw tree and the {other} parse paths differ",
            path.display()
        );
    }
    let report: serde_json::Value = serde_json::from_str(&direct).expect("JSON");
    report["files"].as_array().map_or(0, |files| {
        files
            .iter()
            .map(|u| u["statements"].as_array().map_or(0, Vec::len))
            .sum()
    })
}

/// 300 files of the benchmark's generated corpus in `dir`.
fn generate_corpus(dir: &Path) {
    let status = std::process::Command::new("python3")
        .arg("scripts/gen_corpus.py")
        .arg(dir)
        .arg("300")
        .status()
        .expect("python3 runs the corpus generator");
    assert!(status.success());
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
    generate_corpus(dir.path());
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

fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sql_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

/// The C tree read directly is the tree libpg_query's protobuf encoding gives, node for node,
/// for every statement of every SQL file under `fixtures/` and `tests/` (each file whole, and
/// each statement the scanner splits out of it, so files that do not parse whole still count).
#[test]
fn the_raw_tree_equals_the_protobuf_tree_for_every_statement() {
    use rollsafe::parse::postgres::libpg_query::{parse, parse_protobuf};
    let mut files = Vec::new();
    sql_files(Path::new("fixtures"), &mut files);
    sql_files(Path::new("tests"), &mut files);
    let dir = tempfile::tempdir().expect("temp dir");
    generate_corpus(dir.path());
    sql_files(dir.path(), &mut files);
    let (mut trees, mut errors) = (0, 0);
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let mut texts = vec![text.clone()];
        if let Ok(statements) = pg_query::split_with_scanner(&text) {
            texts.extend(statements.into_iter().map(str::to_string));
        }
        for sql in &texts {
            let raw = parse(sql);
            assert_eq!(raw, parse_protobuf(sql), "{}: {sql}", file.display());
            match raw {
                Ok(tree) => trees += tree.stmts.len(),
                Err(_) => errors += 1,
            }
        }
    }
    assert!(trees > 5000, "only {trees} statements compared");
    assert!(
        errors > 10,
        "only {errors} texts that do not parse compared"
    );
}

/// Statements nested deeper than prost's decoder allowed (about 50 levels) are read; beyond
/// `MAX_DEPTH` the parse is refused with a reason, on the main thread and on the worker
/// threads a folder is parsed on, and never overflows a stack.
#[test]
fn deep_statements_are_read_up_to_the_depth_limit() {
    use rollsafe::parse::postgres::libpg_query::{MAX_DEPTH, parse};
    let chain = |n: usize| {
        format!(
            "CREATE VIEW v AS SELECT {} AS c",
            vec!["'a'"; n].join(" || ")
        )
    };
    // Reading a tree takes stack in proportion to its depth; the binary runs on 256 MB stacks
    // (src/main.rs), a test thread gets 2 MB.
    let (read, refused) = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || (parse(&chain(900)), parse(&chain(MAX_DEPTH as usize + 10))))
        .expect("thread")
        .join()
        .expect("no panic");
    assert_eq!(read.expect("900 levels are read").stmts.len(), 1);
    let err = refused.expect_err("too deep");
    assert!(err.message.contains("levels deep"), "{err:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..4 {
        std::fs::write(
            dir.path().join(format!("00{i}_deep.sql")),
            format!(
                "{};\nUPDATE t SET c = {};\n",
                chain(900),
                vec!["c"; 900].join(" || ")
            ),
        )
        .expect("write");
    }
    std::fs::write(
        dir.path().join("009_too_deep.sql"),
        format!("{};\n", chain(MAX_DEPTH as usize + 10)),
    )
    .expect("write");
    let (code, json) = json_of(dir.path(), None);
    assert_eq!(code, Some(0), "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let files = report["files"].as_array().expect("files");
    assert_eq!(files.len(), 5);
    for file in files {
        let codes: Vec<&str> = file["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["code"].as_str())
            .collect();
        let too_deep = file["path"]
            .as_str()
            .is_some_and(|p| p.contains("too_deep"));
        assert_eq!(codes.contains(&"E001"), too_deep, "{file:#}");
        if !too_deep {
            // The whole-table UPDATE of a 900-level expression is still seen.
            assert!(codes.contains(&"RS001"), "{file:#}");
        }
    }
}
