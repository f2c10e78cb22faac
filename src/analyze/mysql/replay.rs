//! The MySQL/MariaDB part of the schema replay: what depends on the schema seen so far — the
//! column's current type for `MODIFY`/`CHANGE` (no-op, widening, narrowing), the online-DDL
//! algorithm and lock, `foreign_key_checks` set earlier in the unit, and new relations.

use super::online::{self, Algorithm, Op, TypeChange};
use crate::analyze::schema::{self, Schema};
use crate::analyze::{Change, ObjectKind, Phase, StatementFacts, TableCmd, TableWork, phase};
use crate::target::{Dialect, Target};

/// What earlier statements of the same unit set for the session.
#[derive(Debug, Clone)]
pub struct Session {
    pub foreign_key_checks: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            foreign_key_checks: true,
        }
    }
}

pub fn statement(
    facts: &mut StatementFacts,
    schema: &Schema,
    target: Target,
    session: &mut Session,
    is_new: &dyn Fn(usize) -> bool,
) {
    for change in &facts.changes {
        if let Change::Set { name, value, .. } = change
            && name == "foreign_key_checks"
        {
            session.foreign_key_checks =
                !matches!(value.to_ascii_lowercase().as_str(), "0" | "off" | "false");
        }
    }
    // MODIFY/CHANGE restate the whole column: keep only what differs from the schema.
    let mut widening = Vec::new();
    facts.changes.retain(|change| {
        let Change::AlterTable { table, cmd } = change else {
            return true;
        };
        let Some(column) = cmd_column(cmd).and_then(|c| schema.table(table)?.column(c)) else {
            return true;
        };
        match cmd {
            TableCmd::AlterColumnType { type_name, .. } => {
                let kind = online::type_change(column.type_name(), type_name);
                if kind == TypeChange::Same {
                    return false;
                }
                widening.push(online::is_widening(kind));
                true
            }
            TableCmd::SetNotNull { .. } => !column.not_null(),
            TableCmd::DropNotNull { .. } => column.not_null(),
            _ => true,
        }
    });
    crate::analyze::refresh_derived(facts, target);
    if widening.iter().any(|w| *w) {
        // A widening type change is expand; everything else keeps its own phase.
        let mut widen = widening.iter();
        let (mut p, mut d) = (Phase::Neutral, false);
        for change in &facts.changes {
            let (cp, cd) = match change {
                Change::AlterTable {
                    cmd: TableCmd::AlterColumnType { .. },
                    ..
                } if schema_knows(change, schema) && widen.next().copied().unwrap_or(false) => {
                    (Phase::Expand, false)
                }
                _ => phase::change_phase(change),
            };
            p = p.max(cp);
            d |= cd;
        }
        facts.phase = p;
        facts.destructive = d;
    }
    if let Some(online) = &mut facts.online {
        online::complete(online, schema, target, session.foreign_key_checks);
        facts.rewrites.clear();
        if online.algorithm == Algorithm::Copy {
            facts.rewrites.push(TableWork {
                relation: online.table.clone(),
                reason: format!("ALGORITHM=COPY ({})", online.because),
                assumed: online.assumed,
            });
        }
    }
    let mut new = Vec::new();
    for relation in facts.changes.iter().filter_map(subject) {
        if schema.created_by(relation).is_some_and(is_new) && !new.iter().any(|r| r == relation) {
            new.push(relation.to_string());
        }
    }
    // Routines created earlier in the change (the "create a helper procedure, call it, drop
    // it" idiom of MySQL migrations).
    for change in &facts.changes {
        if let Change::Drop {
            object: object @ (ObjectKind::Procedure | ObjectKind::Function | ObjectKind::Trigger),
            names,
            on_table,
            ..
        } = change
        {
            for name in names {
                let key = (
                    *object,
                    schema::object_key(*object, name, on_table.as_deref()),
                );
                if schema
                    .objects
                    .get(&key)
                    .copied()
                    .flatten()
                    .is_some_and(is_new)
                    && !new.iter().any(|r| r == name)
                {
                    new.push(name.clone());
                }
            }
        }
    }
    facts.new_relations = new;
}

fn schema_knows(change: &Change, schema: &Schema) -> bool {
    match change {
        Change::AlterTable { table, cmd } => cmd_column(cmd)
            .and_then(|c| schema.table(table)?.column(c))
            .is_some(),
        _ => false,
    }
}

fn cmd_column(cmd: &TableCmd) -> Option<&str> {
    match cmd {
        TableCmd::AlterColumnType { column, .. }
        | TableCmd::SetNotNull { column }
        | TableCmd::DropNotNull { column } => Some(column),
        _ => None,
    }
}

/// The relation a change acts on.
pub fn subject(change: &Change) -> Option<&str> {
    match change {
        Change::AlterTable { table, .. }
        | Change::CreateIndex { table, .. }
        | Change::Insert { table, .. }
        | Change::Update { table, .. }
        | Change::Delete { table, .. } => Some(table),
        Change::Drop { names, .. } => names.first().map(String::as_str),
        Change::Rename {
            relation: Some(r), ..
        } => Some(r),
        Change::Truncate { tables } => tables.first().map(String::as_str),
        _ => None,
    }
}

/// Count the row versions of the tables a statement of an up migration changes with INSTANT
/// (`versions`: the folder's counts so far, by table as written). MySQL 8.0.29+ allows 64 per
/// table ("Online DDL Operations", Column Operations): each INSTANT ADD or DROP COLUMN adds
/// one; creating the table or rebuilding it (INPLACE or COPY) starts afresh. MariaDB has no
/// such limit.
pub fn count_row_versions(
    facts: &mut StatementFacts,
    versions: &mut std::collections::HashMap<String, u32>,
    target: Target,
) {
    if target.dialect != Dialect::Mysql || !target.at_least(8, 0, 29) {
        return;
    }
    for change in &facts.changes {
        if let Change::CreateTable { table, .. } = change {
            versions.insert(table.clone(), 0);
        }
    }
    let Some(online) = facts.online.as_mut() else {
        return;
    };
    if online.algorithm != Algorithm::Instant {
        if matches!(online.algorithm, Algorithm::Inplace | Algorithm::Copy) {
            versions.insert(online.table.clone(), 0);
        }
        return;
    }
    let adds_version = online
        .ops
        .iter()
        .any(|op| matches!(op, Op::AddColumn { .. } | Op::DropColumn { .. }));
    if adds_version {
        let n = versions.entry(online.table.clone()).or_insert(0);
        *n += 1;
        online.row_versions = Some(*n);
    }
}
