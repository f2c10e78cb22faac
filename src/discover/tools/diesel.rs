//! diesel: `DIR/up.sql` and `DIR/down.sql` in `{version}_{name}` folders; each migration in a
//! transaction unless its `metadata.toml` says `run_in_transaction = false`, then one batch.

use super::{Env, Place, Tool, ToolFile, dir_or_dot, tx, whole};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, InputProblem, Layout, Transaction, TransactionMode};

pub(crate) struct Diesel;

impl Tool for Diesel {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let Place::Diesel {
            dir_name,
            version,
            up,
        } = &file.place
        else {
            return None;
        };
        let run_in_transaction = run_in_transaction(file, env);
        Some(vec![Draft {
            source: file.source.clone(),
            range: whole(&file.source),
            layout: Layout::Diesel,
            direction: if *up { Direction::Up } else { Direction::Down },
            version: Some(version.clone()),
            name: dir_name.clone(),
            transaction: transaction(run_in_transaction),
            rank: 0,
            key: VersionKey::Lex(version.replace('-', "")),
            pair_key: Some(format!("dir:{dir_name}")),
        }])
    }

    fn one_query_string(&self) -> Option<&'static str> {
        Some("diesel runs a migration without a transaction as one batch (one query string)")
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (`run_in_transaction = false` in its metadata.toml)"
    }
}

fn run_in_transaction(file: &ToolFile, env: &mut Env) -> bool {
    let dir = dir_or_dot(file.fs_path.parent());
    if !env.fs.has(&dir, "metadata.toml") {
        return true;
    }
    let path = dir.join("metadata.toml");
    let Some(text) = env.read_side_file(&path) else {
        return true;
    };
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => table
            .get("run_in_transaction")
            .and_then(toml::Value::as_bool)
            .unwrap_or(true),
        Err(e) => {
            env.problems.push(InputProblem {
                path: env.ctx.display(&path),
                message: format!("invalid metadata.toml: {}", e.to_string().trim_end()),
                offset: None,
                at: None,
            });
            true
        }
    }
}

fn transaction(run_in_transaction: bool) -> Transaction {
    if run_in_transaction {
        tx(
            TransactionMode::Wrapped,
            "diesel runs each migration in a transaction unless its metadata.toml sets `run_in_transaction = false`",
        )
    } else {
        tx(
            TransactionMode::OneQueryString,
            "metadata.toml sets `run_in_transaction = false`, so diesel runs this migration outside a transaction; diesel still sends it as one batch, which PostgreSQL runs as one implicit transaction when it has several statements",
        )
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
