//! sqitch: `deploy/`, `revert/` and `verify/` scripts ordered by `sqitch.plan`; no transaction
//! of its own (scripts carry their own BEGIN/COMMIT), statements run one at a time by psql.

use std::collections::HashMap;

use super::{Env, Place, Tool, ToolFile, plain, tx, whole};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Layout, Transaction, TransactionMode};

pub(crate) struct Sqitch;

impl Tool for Sqitch {
    /// `env`'s plan cache is keyed by the project folder; the file's own project is its
    /// group, which `layout.rs` passes as the plan's folder.
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let Place::Sqitch {
            direction,
            script,
            project,
        } = &file.place
        else {
            return None;
        };
        if !env.sqitch_plans.contains_key(project) {
            let plan = env
                .read_side_file(&project.join("sqitch.plan"))
                .map(|t| sqitch_plan(&t))
                .unwrap_or_default();
            let mut by_script: HashMap<String, usize> = HashMap::new();
            for (index, change) in plan.iter().enumerate() {
                for script in &change.scripts {
                    by_script.entry(script.clone()).or_insert(index);
                }
            }
            env.sqitch_plans.insert(project.clone(), by_script);
        }
        let index = env
            .sqitch_plans
            .get(project)
            .and_then(|p| p.get(script))
            .copied();
        Some(vec![match index {
            Some(index) => Draft {
                source: file.source.clone(),
                range: whole(&file.source),
                layout: Layout::Sqitch,
                direction: *direction,
                version: Some(script.clone()),
                name: script.clone(),
                transaction: transaction(),
                rank: 0,
                key: VersionKey::Seq(String::new(), index),
                pair_key: Some(format!("change:{script}")),
            },
            None => {
                let mut draft = plain::draft(file, env.config, None);
                draft.rank = 2;
                draft.name = script.clone();
                draft.transaction.reason = format!(
                    "sqitch will not run this script: `{script}` is not a change in sqitch.plan, so it is linted as a plain file ({})",
                    draft.transaction.reason
                ).into();
                draft
            }
        }])
    }
}

fn transaction() -> Transaction {
    tx(
        TransactionMode::PerStatement,
        "sqitch opens no transaction: it runs each script with psql, one statement at a time; write BEGIN/COMMIT in the script (sqitch's own templates do) to make it atomic",
    )
}

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
