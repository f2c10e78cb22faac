//! SQLite: the same tree as MySQL (sqlparser) turned into neutral changes by the shared
//! classifier, plus what is SQLite's own: the few `ALTER TABLE` forms it has (RENAME TO, RENAME
//! COLUMN since 3.25.0, ADD COLUMN with limits, DROP COLUMN since 3.35.0 with limits), and the
//! 12-step table rebuild (create new, copy, drop, rename) recognised as one rewrite.
//! Source: <https://www.sqlite.org/lang_altertable.html>; checked with the real `sqlite3` in
//! `tests/sqlite_facts.rs`.

pub mod replay;

use sqlparser::ast::{AlterTableOperation, ColumnOption, Expr, Statement};

use super::mysql::classify::{Classified, classify as classify_tree};
use crate::target::Target;

/// SQLite's own facts about a statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqliteFacts {
    /// Why SQLite refuses the statement (an ALTER form it does not have, an ADD/DROP COLUMN
    /// outside its limits).
    pub refused: Option<String>,
    /// Part of a table rebuild of this table (create new, copy, drop old, rename new).
    pub rebuild_of: Option<String>,
    /// The `DROP COLUMN`s of the statement, checked against the schema in the replay.
    pub dropped_columns: Vec<(String, String)>,
}

pub fn classify(statement: &Statement, target: Target) -> (Classified, SqliteFacts) {
    let mut c = classify_tree(statement);
    // MySQL's online-DDL model does not apply.
    c.online = None;
    let mut facts = SqliteFacts::default();
    if let Statement::AlterTable(a) = statement {
        let table = super::mysql::unquote(&a.name.to_string());
        for op in &a.operations {
            if let Some(why) = refused_op(op, target) {
                facts.refused.get_or_insert(why);
            }
            if let AlterTableOperation::DropColumn { column_names, .. } = op {
                for col in column_names {
                    facts
                        .dropped_columns
                        .push((table.clone(), super::mysql::unquote(&col.to_string())));
                }
            }
        }
        if a.operations.len() > 1 {
            facts.refused.get_or_insert(
                "SQLite's ALTER TABLE takes one operation: write one statement per change".into(),
            );
        }
    }
    (c, facts)
}

/// What SQLite refuses without looking at the schema.
fn refused_op(op: &AlterTableOperation, target: Target) -> Option<String> {
    use AlterTableOperation as A;
    match op {
        A::RenameTable { .. } => None,
        A::RenameColumn { .. } if !target.at_least(3, 25, 0) => {
            Some("RENAME COLUMN needs SQLite 3.25.0 or later".into())
        }
        A::RenameColumn { .. } => None,
        A::DropColumn { .. } if !target.at_least(3, 35, 0) => {
            Some("DROP COLUMN needs SQLite 3.35.0 or later".into())
        }
        A::DropColumn { .. } => None,
        A::AddColumn { column_def, .. } => {
            let name = column_def.name.to_string();
            let mut not_null = false;
            let mut default_null = true;
            for o in &column_def.options {
                match &o.option {
                    ColumnOption::PrimaryKey(_) => {
                        return Some(format!(
                            "ADD COLUMN {name}: SQLite cannot add a PRIMARY KEY column"
                        ));
                    }
                    ColumnOption::Unique(_) => {
                        return Some(format!(
                            "ADD COLUMN {name}: SQLite cannot add a UNIQUE column"
                        ));
                    }
                    ColumnOption::NotNull => not_null = true,
                    ColumnOption::Default(e) => {
                        default_null = matches!(e, Expr::Value(v) if v.to_string().eq_ignore_ascii_case("null"));
                        let text = e.to_string().to_ascii_uppercase();
                        if matches!(
                            text.as_str(),
                            "CURRENT_TIMESTAMP" | "CURRENT_TIME" | "CURRENT_DATE"
                        ) || matches!(
                            e,
                            Expr::Nested(_) | Expr::Function(_) | Expr::BinaryOp { .. }
                        ) {
                            return Some(format!(
                                "ADD COLUMN {name}: SQLite cannot add a column with a non-constant default ({text})"
                            ));
                        }
                    }
                    ColumnOption::Generated {
                        generation_expr_mode: Some(sqlparser::ast::GeneratedExpressionMode::Stored),
                        ..
                    } => {
                        return Some(format!(
                            "ADD COLUMN {name}: SQLite cannot add a STORED generated column"
                        ));
                    }
                    _ => {}
                }
            }
            (not_null && default_null).then(|| {
                format!("ADD COLUMN {name}: SQLite cannot add a NOT NULL column without a non-NULL default")
            })
        }
        other => {
            let text = other.to_string();
            let words: Vec<&str> = text.split_whitespace().take(2).collect();
            Some(format!(
                "SQLite's ALTER TABLE cannot {}: it needs the table rebuild (create the new table, copy the rows, drop the old one, rename)",
                words.join(" ")
            ))
        }
    }
}
