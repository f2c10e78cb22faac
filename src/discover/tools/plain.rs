//! Plain `.sql` files: the tool applying them is unknown; whether they run in a transaction
//! comes from the config (`plain-in-transaction`). Files of a tool's folder that follow none of
//! its conventions are linted as plain files too, after the tool's own migrations.

use super::{Env, Tool, ToolFile, tx, whole};
use crate::config::Config;
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};

pub(crate) struct Plain;

impl Tool for Plain {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        Some(vec![draft(file, env.config, env.dominant)])
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (`plain-in-transaction = false` in rollsafe.toml if your runner does not wrap files)"
    }
}

fn transaction(config: &Config) -> Transaction {
    if config.plain_in_transaction {
        tx(
            TransactionMode::Wrapped,
            "rollsafe does not know which tool applies this file; `plain-in-transaction = true` in rollsafe.toml says it runs in a transaction",
        )
    } else {
        tx(
            TransactionMode::PerStatement,
            "rollsafe does not know which tool applies this file; it is assumed to run outside a transaction (set `plain-in-transaction = true` in rollsafe.toml if your tool wraps it)",
        )
    }
}

pub(crate) fn draft(item: &ToolFile, config: &Config, tool: Option<Layout>) -> Draft {
    let stem = crate::discover::names::strip_suffix_ci(&item.file_name, ".sql")
        .unwrap_or(&item.file_name)
        .to_string();
    let mut transaction = transaction(config);
    let rank = match tool {
        Some(tool) => {
            transaction.reason = format!(
                "{tool} will not apply this file: it does not follow {tool}'s file naming or markers, so it is linted as a plain file ({})",
                transaction.reason,
                tool = tool.name(),
            ).into();
            2
        }
        None => 0,
    };
    Draft {
        source: item.source.clone(),
        range: whole(&item.source),
        layout: Layout::Plain,
        direction: Direction::Up,
        version: None,
        name: stem,
        transaction,
        rank,
        key: VersionKey::Lex(item.file_name.clone()),
        pair_key: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Per-tool transaction facts (see docs/layouts.md for the sources).
