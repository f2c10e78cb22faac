//! Build-time generation of rollsafe's reader of libpg_query's parse tree.
//!
//! rollsafe reads PostgreSQL's raw parse tree (C structs in libpg_query's memory) straight into
//! the `pg_query::protobuf` types the analyzer uses, instead of having libpg_query encode the
//! tree as protobuf and decoding it again (that round trip was a third of the run time). Three
//! things are generated here, from the libpg_query sources the `pg_query` crate vendors and
//! links, so they always match the library in the binary:
//!
//! - `pg_nodes.rs`: bindgen's Rust layout of the node structs (`nodes/parsenodes.h`, ...);
//! - `raw_tree.rs`: one conversion function per node, generated from libpg_query's own
//!   description of its protobuf output (`pg_query_outfuncs_defs.c`: which C field goes to
//!   which protobuf field, and how; `pg_query_outfuncs_conds.c`: which node tag is which
//!   message; `pg_query_enum_defs.c`: the enum numbering). See `build/raw_tree.rs`;
//! - `tree_walk.rs`: a walk over the `pg_query::protobuf` tree that reaches every field that
//!   can hold a message, generated from `protobuf/pg_query.proto` (the file prost generated the
//!   types from), for the analyzer's searches of a whole tree. See `build/tree_walk.rs`.

#[path = "build/raw_tree.rs"]
mod raw_tree;
#[path = "build/tree_walk.rs"]
mod tree_walk;

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/raw_tree.rs");
    println!("cargo:rerun-if-changed=build/tree_walk.rs");
    println!("cargo:rerun-if-env-changed=ROLLSAFE_LIBPG_QUERY_DIR");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let libpg_query = libpg_query_dir();
    if let Err(e) = generate(&libpg_query, &out_dir) {
        panic!(
            "generating the parse tree reader from {}: {e}",
            libpg_query.display()
        );
    }
}

fn generate(libpg_query: &Path, out_dir: &Path) -> Result<(), String> {
    let include = libpg_query.join("src/include");
    let read = |name: &str| {
        std::fs::read_to_string(include.join(name))
            .map_err(|e| format!("{}: {e}", include.join(name).display()))
    };
    let tree = raw_tree::Spec::read(
        &read("pg_query_outfuncs_defs.c")?,
        &read("pg_query_outfuncs_conds.c")?,
        &read("pg_query_enum_defs.c")?,
    )?;
    let pg_config = libpg_query.join("src/postgres/include/pg_config.h");
    let config =
        std::fs::read_to_string(&pg_config).map_err(|e| format!("{}: {e}", pg_config.display()))?;
    let version = config
        .lines()
        .find_map(|l| l.strip_prefix("#define PG_VERSION_NUM "))
        .and_then(|v| v.trim().parse::<i32>().ok())
        .ok_or("pg_config.h has no PG_VERSION_NUM")?;
    std::fs::write(out_dir.join("raw_tree.rs"), tree.rust(version)).map_err(|e| e.to_string())?;
    let proto_path = libpg_query.join("protobuf/pg_query.proto");
    let proto = std::fs::read_to_string(&proto_path)
        .map_err(|e| format!("{}: {e}", proto_path.display()))?;
    let walk = tree_walk::Proto::read(&proto).and_then(|p| p.rust())?;
    std::fs::write(out_dir.join("tree_walk.rs"), walk).map_err(|e| e.to_string())?;

    let mut builder = bindgen::Builder::default()
        .header_contents(
            "rollsafe_nodes.h",
            "#include \"postgres.h\"\n#include \"nodes/parsenodes.h\"\n\
             #include \"nodes/primnodes.h\"\n#include \"nodes/value.h\"\n\
             #include \"nodes/pg_list.h\"\n#include \"nodes/bitmapset.h\"\n",
        )
        .clang_arg(format!(
            "-I{}",
            libpg_query.join("src/postgres/include").display()
        ))
        .clang_arg(format!("-I{}", include.display()))
        .clang_arg(format!("-I{}", libpg_query.display()))
        .constified_enum_module(".*")
        .layout_tests(false)
        .derive_debug(false)
        .derive_default(false)
        .generate_comments(false)
        .allowlist_type("Node|NodeTag|List|ListCell|Bitmapset|A_Const|Integer|Float|Boolean|String|BitString|RawStmt");
    for c_type in tree.c_types() {
        builder = builder.allowlist_type(c_type);
    }
    for c_enum in tree.enum_types() {
        builder = builder.allowlist_type(c_enum);
    }
    builder
        .generate()
        .map_err(|e| format!("bindgen: {e}"))?
        .write_to_file(out_dir.join("pg_nodes.rs"))
        .map_err(|e| e.to_string())
}

/// The libpg_query source tree the `pg_query` crate builds (its package directory holds it as
/// `libpg_query/`): `ROLLSAFE_LIBPG_QUERY_DIR` if set; else the locked `pg_query` version in
/// cargo's registry sources; else wherever `cargo metadata` says the package is. (The registry
/// comes first because `cargo metadata --offline` needs every package of the lock file, also
/// other platforms' ones a build never downloads.)
fn libpg_query_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("ROLLSAFE_LIBPG_QUERY_DIR") {
        return PathBuf::from(dir);
    }
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = registry_package(&manifest_dir)
        .unwrap_or_else(|| metadata_package(&manifest_dir))
        .join("libpg_query");
    println!("cargo:rerun-if-changed={}", dir.display());
    dir
}

fn registry_package(manifest_dir: &Path) -> Option<PathBuf> {
    let lock = std::fs::read_to_string(manifest_dir.join("Cargo.lock")).ok()?;
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("\nname = \"pg_query\"\n"))?
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))?
        .trim_end_matches('"')
        .to_string();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let mut registries: Vec<PathBuf> = std::fs::read_dir(home.join("registry/src"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    registries.sort();
    registries
        .into_iter()
        .map(|r| r.join(format!("pg_query-{version}")))
        .find(|p| {
            p.join("libpg_query/src/include/pg_query_outfuncs_defs.c")
                .is_file()
        })
}

fn metadata_package(manifest_dir: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(manifest_dir)
        .output()
        .unwrap_or_else(|e| panic!("running cargo metadata: {e}"));
    if !output.status.success() {
        panic!(
            "cargo metadata failed (set ROLLSAFE_LIBPG_QUERY_DIR to pg_query's libpg_query/): {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let manifest = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "pg_query")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("pg_query is a dependency");
    Path::new(manifest)
        .parent()
        .expect("a manifest is in a directory")
        .to_path_buf()
}
