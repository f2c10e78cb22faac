//! The pipeline flows one way: no module of a stage names a module of a later stage. Stages, in
//! order (modules of the same rank may use each other): the base (`source`, `lex`, `target`,
//! `threads`, `config`, `codeowners`), `discover`, `parse`, `analyze`, `rules`, `plan` (the rollback runbook built from the
//! rules' report, which the Markdown report shows), `report`, `check` and `verify`, `cli`.

use std::fs;
use std::path::Path;

const STAGES: &[(&str, u32)] = &[
    ("source", 0),
    ("lex", 0),
    ("target", 0),
    ("threads", 0),
    ("config", 0),
    ("codeowners", 0),
    ("discover", 1),
    ("parse", 2),
    ("analyze", 3),
    ("rules", 4),
    ("plan", 5),
    ("report", 6),
    ("check", 7),
    ("verify", 7),
    ("cli", 8),
];

fn rank(module: &str) -> Option<u32> {
    STAGES.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn no_module_imports_from_a_later_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("")
            .trim_end_matches(".rs");
        let Some(own) = rank(top) else { continue };
        checked += 1;
        let text = fs::read_to_string(&file).expect("read");
        for (line_no, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + 7..];
                // `crate::x::...`, or the top-level names of `crate::{x, y::z}`.
                let names: Vec<String> = match rest.strip_prefix('{') {
                    Some(list) => list
                        .split(',')
                        .map(|part| ident(part.trim_start()))
                        .collect(),
                    None => vec![ident(rest)],
                };
                for name in names {
                    if let Some(other) = rank(&name)
                        && other > own
                    {
                        problems.push(format!(
                            "src/{}:{}: `{top}` uses `crate::{name}`, a later stage",
                            rel.display(),
                            line_no + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} files checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `unsafe` code lives in one module, the one that calls libpg_query's C API and reads its
/// parse tree (including the reader `build.rs` generates into it); everything else is safe Rust.
#[test]
fn unsafe_code_is_confined_to_the_libpg_query_module() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let with_unsafe: Vec<String> = files
        .iter()
        .filter(|f| {
            fs::read_to_string(f)
                .expect("read")
                .lines()
                .any(|l| !l.trim_start().starts_with("//") && l.contains("unsafe"))
        })
        .map(|f| f.display().to_string().replace('\\', "/"))
        .collect();
    assert_eq!(with_unsafe, vec!["src/parse/postgres/libpg_query.rs"]);
}
