//! The SQLite part of the schema replay: DROP COLUMN limits checked against the schema, and the
//! 12-step table rebuild recognised across the unit's statements.

use crate::analyze::schema::Schema;
use crate::analyze::{Change, ConstraintKind, ObjectKind, Phase, StatementFacts, TableWork};

/// Why SQLite refuses to drop this column, if it does (DROP COLUMN limits).
pub fn drop_column_refusal(schema: &Schema, table: &str, column: &str) -> Option<String> {
    let t = schema.table(table)?;
    for c in &t.constraints {
        if !c.columns.iter().any(|x| x == column) {
            continue;
        }
        // A column's own REFERENCES or CHECK goes with it (sqlite3 3.40 drops it): only a
        // table constraint over several columns holds the column back.
        let why = match c.kind {
            ConstraintKind::PrimaryKey => "it is (part of) the PRIMARY KEY",
            ConstraintKind::Unique => "it has a UNIQUE constraint",
            ConstraintKind::ForeignKey if c.columns.len() > 1 => "it is used in a FOREIGN KEY",
            _ => continue,
        };
        return Some(format!("DROP COLUMN {column}: SQLite refuses, {why}"));
    }
    let indexed = schema.index_defs.iter().any(|(name, def)| {
        def.columns.iter().any(|c| c == column) && schema.index_table(name) == Some(table)
    });
    indexed.then(|| {
        format!("DROP COLUMN {column}: SQLite refuses, it is indexed (drop the index first)")
    })
}

/// Per-statement replay: DROP COLUMN limits, and new relations.
pub fn statement(facts: &mut StatementFacts, schema: &Schema, is_new: &dyn Fn(usize) -> bool) {
    if let Some(sq) = &mut facts.sqlite {
        for (table, column) in &sq.dropped_columns {
            if let Some(why) = drop_column_refusal(schema, table, column) {
                sq.refused.get_or_insert(why);
            }
        }
    }
    let mut new = Vec::new();
    for relation in facts
        .changes
        .iter()
        .filter_map(crate::analyze::mysql::replay::subject)
    {
        if schema.created_by(relation).is_some_and(is_new) && !new.iter().any(|r| r == relation) {
            new.push(relation.to_string());
        }
    }
    facts.new_relations = new;
}

/// The 12-step rebuild of <https://www.sqlite.org/lang_altertable.html#otheralter>: `CREATE TABLE
/// new`, `INSERT INTO new SELECT ... FROM old`, `DROP TABLE old`, `ALTER TABLE new RENAME TO
/// old`. The four statements are one rewrite of `old`: the drop loses nothing the copy did not
/// keep, the rename is no contract change. The phase is what the rebuild changes: columns
/// dropped (contract, destructive), or only added (expand). `old_columns` is the old table's
/// column names as the schema knew them before the unit.
pub fn recognise_rebuilds(
    statements: &mut [StatementFacts],
    old_columns: &dyn Fn(&str) -> Option<Vec<String>>,
) {
    let n = statements.len();
    for drop_at in 0..n {
        let Some(old) = dropped_table(&statements[drop_at]) else {
            continue;
        };
        // The rename of a new table to the old name, after the drop.
        let Some((rename_at, new)) = (drop_at + 1..n).find_map(|j| {
            statements[j].changes.iter().find_map(|c| match c {
                Change::Rename {
                    object: ObjectKind::Table,
                    from,
                    to,
                    ..
                } if *to == old => Some((j, from.clone())),
                _ => None,
            })
        }) else {
            continue;
        };
        let created = (0..drop_at).find(|&j| {
            statements[j]
                .changes
                .iter()
                .any(|c| matches!(c, Change::CreateTable { table, .. } if *table == new))
        });
        let copied = (0..drop_at).find(|&j| {
            statements[j].changes.iter().any(
                |c| matches!(c, Change::Insert { table, from_query: true, .. } if *table == new),
            )
        });
        let (Some(created), Some(copied)) = (created, copied) else {
            continue;
        };
        let new_columns: Vec<String> = statements[created]
            .changes
            .iter()
            .find_map(|c| match c {
                Change::CreateTable { columns, .. } => {
                    Some(columns.iter().map(|c| c.name.clone()).collect())
                }
                _ => None,
            })
            .unwrap_or_default();
        // The old table as the schema knew it, or as created earlier in this unit.
        let earlier = (0..drop_at).rev().find_map(|j| {
            statements[j].changes.iter().find_map(|c| match c {
                Change::CreateTable { table, columns, .. } if *table == old => {
                    Some(columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>())
                }
                _ => None,
            })
        });
        let (phase, destructive) = match earlier.or_else(|| old_columns(&old)) {
            Some(cols) if cols.iter().all(|c| new_columns.contains(c)) => (Phase::Expand, false),
            Some(_) => (Phase::Contract, true),
            // The old table is unknown: the rebuild may drop columns.
            None => (Phase::Contract, false),
        };
        for j in [created, copied, drop_at, rename_at] {
            let s = &mut statements[j];
            if let Some(sq) = &mut s.sqlite {
                sq.rebuild_of = Some(old.clone());
            }
            s.phase = if j == drop_at {
                phase
            } else {
                Phase::Expand.min(s.phase.max(Phase::Expand))
            };
            s.destructive = j == drop_at && destructive;
        }
        statements[copied].rewrites.push(TableWork {
            relation: old.clone(),
            reason: "table rebuild (create new, copy, drop old, rename)".into(),
            assumed: false,
        });
    }
}

fn dropped_table(s: &StatementFacts) -> Option<String> {
    s.changes.iter().find_map(|c| match c {
        Change::Drop {
            object: ObjectKind::Table,
            names,
            ..
        } if names.len() == 1 => names.first().cloned(),
        _ => None,
    })
}
