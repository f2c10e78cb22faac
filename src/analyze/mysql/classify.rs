//! One MySQL/MariaDB (or SQLite) statement, read once: its kind, its neutral changes, and for
//! `ALTER TABLE` / `CREATE INDEX` / `DROP INDEX` the online-DDL operations.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, DataType, Expr, FromTable,
    MySQLColumnPosition, ObjectName, ObjectType, RenameTableNameKind, Set, Statement,
    TableConstraint, TableObject,
};

use super::online::{IndexKind, Op};
use super::unquote;
use crate::analyze::{
    Change, ColumnSpec, ConstraintKind, ConstraintSpec, DefaultExpr, Generated, ObjectKind,
    TableCmd, TxControl, TypeName, Volatility,
};

pub struct Classified {
    pub kind: String,
    pub known: bool,
    pub changes: Vec<Change>,
    /// The table and operations of an online DDL statement.
    pub online: Option<(String, Vec<Op>)>,
}

fn name(n: &ObjectName) -> String {
    unquote(&n.to_string())
}

/// A column type as the schema model keeps it: `varchar(255)`, `int`, and for enums and sets
/// the value list in the name (`enum('a','b')`), so reorders and removals can be seen.
pub fn type_name(t: &DataType) -> TypeName {
    let text = t.to_string();
    let lower = text.to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim().to_string();
    if base == "enum" || base == "set" {
        return TypeName {
            name: lower.replace(", ", ","),
            modifiers: Vec::new(),
            array: false,
        };
    }
    let modifiers = lower
        .split_once('(')
        .map(|(_, rest)| {
            rest.trim_end_matches(|c: char| c != ')')
                .trim_end_matches(')')
                .split(',')
                .filter_map(|m| m.trim().parse::<i64>().ok())
                .collect()
        })
        .unwrap_or_default();
    // `INT UNSIGNED` and friends keep their attribute words.
    let tail = lower.rsplit_once(')').map(|(_, t)| t.trim()).unwrap_or("");
    let name = if tail.is_empty() || !lower.contains('(') {
        lower.split('(').next().unwrap_or("").trim().to_string()
    } else {
        format!("{base} {tail}")
    };
    TypeName {
        name,
        modifiers,
        array: false,
    }
}

fn default_of(e: &Expr) -> DefaultExpr {
    let text = e.to_string().to_ascii_lowercase();
    let is_null = text == "null";
    let volatile = ["rand(", "uuid(", "uuid_short(", "sysdate("]
        .iter()
        .any(|f| text.contains(f));
    DefaultExpr {
        sequence: None,
        volatility: if volatile {
            Volatility::Volatile
        } else {
            Volatility::NonVolatile
        },
        function: text
            .contains('(')
            .then(|| text.split('(').next().unwrap_or("").to_string()),
        is_null,
    }
}

/// A column definition: the neutral spec, and what the online-DDL model needs beyond it.
pub struct ColumnInfo {
    pub spec: ColumnSpec,
    pub auto_increment: bool,
    pub stored: bool,
    pub index: Option<IndexKind>,
}

pub fn column(def: &ColumnDef) -> ColumnInfo {
    let mut spec = ColumnSpec {
        name: unquote(&def.name.to_string()),
        type_name: type_name(&def.data_type),
        not_null: false,
        default: None,
        generated: Generated::No,
        constraints: Vec::new(),
    };
    let mut auto_increment = false;
    let mut stored = false;
    let mut index = None;
    let constraint = |kind| ConstraintSpec {
        kind,
        name: None,
        not_valid: false,
        always_false: false,
        using_index: None,
        references: None,
        columns: vec![unquote(&def.name.to_string())],
        proves_not_null: None,
    };
    for option in &def.options {
        match &option.option {
            ColumnOption::NotNull => spec.not_null = true,
            ColumnOption::Default(e) => spec.default = Some(default_of(e)),
            ColumnOption::PrimaryKey(_) => {
                spec.not_null = true;
                index = Some(IndexKind::Primary);
                spec.constraints
                    .push(constraint(ConstraintKind::PrimaryKey));
            }
            ColumnOption::Unique(_) => {
                index.get_or_insert(IndexKind::Unique);
                spec.constraints.push(constraint(ConstraintKind::Unique));
            }
            ColumnOption::ForeignKey(fk) => {
                let mut c = constraint(ConstraintKind::ForeignKey);
                c.references = Some(name(&fk.foreign_table));
                spec.constraints.push(c);
            }
            ColumnOption::Check(_) => spec.constraints.push(constraint(ConstraintKind::Check)),
            ColumnOption::Generated {
                generation_expr_mode,
                generation_expr: Some(_),
                ..
            } => {
                stored = matches!(
                    generation_expr_mode,
                    Some(sqlparser::ast::GeneratedExpressionMode::Stored)
                );
                spec.generated = if stored {
                    Generated::Stored
                } else {
                    Generated::Virtual
                };
            }
            ColumnOption::DialectSpecific(tokens) => {
                let words = tokens
                    .iter()
                    .map(|t| t.to_string().to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(" ");
                if words.contains("AUTO_INCREMENT") || words.contains("AUTOINCREMENT") {
                    auto_increment = true;
                    spec.generated = Generated::Identity;
                }
            }
            _ => {}
        }
    }
    ColumnInfo {
        spec,
        auto_increment,
        stored,
        index,
    }
}

fn index_columns(cols: &[sqlparser::ast::IndexColumn]) -> Vec<String> {
    cols.iter()
        .map(|c| unquote(&c.column.expr.to_string()))
        .collect()
}

/// A table constraint as a neutral spec and as an online-DDL operation.
fn table_constraint(c: &TableConstraint) -> (Option<ConstraintSpec>, Op) {
    let spec = |kind, name: Option<String>, columns: Vec<String>| ConstraintSpec {
        kind,
        name,
        not_valid: false,
        always_false: false,
        using_index: None,
        references: None,
        columns,
        proves_not_null: None,
    };
    let id = |i: &Option<sqlparser::ast::Ident>| i.as_ref().map(|i| unquote(&i.to_string()));
    match c {
        TableConstraint::PrimaryKey(p) => (
            Some(spec(
                ConstraintKind::PrimaryKey,
                id(&p.name),
                index_columns(&p.columns),
            )),
            Op::AddIndex(IndexKind::Primary),
        ),
        TableConstraint::Unique(u) => (
            Some(spec(
                ConstraintKind::Unique,
                id(&u.name).or_else(|| id(&u.index_name)),
                index_columns(&u.columns),
            )),
            Op::AddIndex(IndexKind::Unique),
        ),
        TableConstraint::ForeignKey(f) => {
            let mut s = spec(
                ConstraintKind::ForeignKey,
                id(&f.name),
                f.columns.iter().map(|c| unquote(&c.to_string())).collect(),
            );
            s.references = Some(name(&f.foreign_table));
            let columns = s.columns.clone();
            (Some(s), Op::AddForeignKey { columns })
        }
        TableConstraint::Check(ch) => (
            Some(spec(ConstraintKind::Check, id(&ch.name), Vec::new())),
            Op::AddCheck,
        ),
        TableConstraint::Index(_) => (None, Op::AddIndex(IndexKind::Plain)),
        TableConstraint::FulltextOrSpatial(f) => (
            None,
            Op::AddIndex(if f.fulltext {
                IndexKind::Fulltext
            } else {
                IndexKind::Spatial
            }),
        ),
        _ => (None, Op::Other("ADD CONSTRAINT")),
    }
}

fn set_change(variable: &str, values: &[Expr]) -> Change {
    let value = values
        .iter()
        .map(|v| unquote(&v.to_string()).trim_matches('\'').to_string())
        .collect::<Vec<_>>()
        .join(",");
    let name = variable
        .to_ascii_lowercase()
        .trim_start_matches("@@")
        .trim_start_matches("session.")
        .trim_start_matches("global.")
        .to_string();
    Change::Set {
        name,
        value,
        local: false,
    }
}

pub fn classify(statement: &Statement) -> Classified {
    let mut c = Classified {
        kind: String::new(),
        known: true,
        changes: Vec::new(),
        online: None,
    };
    match statement {
        Statement::CreateTable(t) => {
            c.kind = "CREATE TABLE".into();
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            for def in &t.columns {
                columns.push(column(def).spec);
            }
            let mut indexes = Vec::new();
            for tc in &t.constraints {
                match (table_constraint(tc), tc) {
                    ((Some(spec), _), _) => constraints.push(spec),
                    // `KEY ia (a)` inside CREATE TABLE: an index the schema should know, made
                    // with the table (so no re-run concern: `if_not_exists`).
                    ((None, _), TableConstraint::Index(i)) => indexes.push(Change::CreateIndex {
                        index: i.name.as_ref().map(|n| unquote(&n.to_string())),
                        table: name(&t.name),
                        concurrently: false,
                        only: false,
                        unique: false,
                        if_not_exists: true,
                        columns: index_columns(&i.columns),
                        method: "btree".into(),
                    }),
                    _ => {}
                }
            }
            c.changes.push(Change::CreateTable {
                table: name(&t.name),
                if_not_exists: t.if_not_exists,
                columns,
                constraints,
                partition_of: None,
                inherits: Vec::new(),
                as_select: t.query.is_some(),
            });
            c.changes.extend(indexes);
        }
        Statement::CreateIndex(i) => {
            c.kind = "CREATE INDEX".into();
            let table = name(&i.table_name);
            let method = i
                .using
                .as_ref()
                .map(|u| u.to_string().to_ascii_lowercase())
                .unwrap_or_else(|| "btree".into());
            c.changes.push(Change::CreateIndex {
                index: i.name.as_ref().map(name),
                table: table.clone(),
                concurrently: false,
                only: false,
                unique: i.unique,
                if_not_exists: i.if_not_exists,
                columns: index_columns(&i.columns),
                method: method.clone(),
            });
            let kind = if i.unique {
                IndexKind::Unique
            } else if method == "fulltext" {
                IndexKind::Fulltext
            } else if method == "spatial" {
                IndexKind::Spatial
            } else {
                IndexKind::Plain
            };
            c.online = Some((table, vec![Op::AddIndex(kind)]));
        }
        Statement::AlterTable(a) => {
            c.kind = "ALTER TABLE".into();
            let table = name(&a.name);
            let mut ops = Vec::new();
            for op in &a.operations {
                alter_op(&table, op, &mut c.changes, &mut ops);
            }
            c.online = Some((table, ops));
        }
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            table,
            ..
        } => {
            let object = match object_type {
                ObjectType::Table => ObjectKind::Table,
                ObjectType::View => ObjectKind::View,
                ObjectType::Index => ObjectKind::Index,
                ObjectType::Schema | ObjectType::Database => ObjectKind::Schema,
                ObjectType::Sequence => ObjectKind::Sequence,
                ObjectType::Role | ObjectType::User => ObjectKind::Role,
                _ => ObjectKind::Other,
            };
            c.kind = format!("DROP {}", object_type.to_string().to_ascii_uppercase());
            c.changes.push(Change::Drop {
                object,
                names: names.iter().map(name).collect(),
                if_exists: *if_exists,
                cascade: *cascade,
                concurrently: false,
                on_table: table.as_ref().map(name),
            });
            // MySQL's DROP INDEX ... ON t is an ALTER TABLE ... DROP INDEX.
            if let (ObjectKind::Index, Some(t)) = (object, table) {
                c.online = Some((name(t), vec![Op::DropIndex]));
            }
        }
        Statement::DropTrigger(t) => {
            c.kind = "DROP TRIGGER".into();
            c.changes.push(Change::Drop {
                object: ObjectKind::Trigger,
                names: vec![name(&t.trigger_name)],
                if_exists: t.if_exists,
                cascade: false,
                concurrently: false,
                on_table: t.table_name.as_ref().map(name),
            });
        }
        Statement::DropFunction(f) => {
            c.kind = "DROP FUNCTION".into();
            c.changes.push(Change::Drop {
                object: ObjectKind::Function,
                names: f.func_desc.iter().map(|d| name(&d.name)).collect(),
                if_exists: f.if_exists,
                cascade: false,
                concurrently: false,
                on_table: None,
            });
        }
        Statement::DropProcedure {
            if_exists,
            proc_desc,
            ..
        } => {
            c.kind = "DROP PROCEDURE".into();
            c.changes.push(Change::Drop {
                object: ObjectKind::Procedure,
                names: proc_desc.iter().map(|d| name(&d.name)).collect(),
                if_exists: *if_exists,
                cascade: false,
                concurrently: false,
                on_table: None,
            });
        }
        Statement::RenameTable(renames) => {
            c.kind = "RENAME TABLE".into();
            for r in renames {
                c.changes.push(Change::Rename {
                    object: ObjectKind::Table,
                    relation: Some(name(&r.old_name)),
                    from: name(&r.old_name),
                    to: name(&r.new_name),
                });
            }
        }
        Statement::Truncate(t) => {
            c.kind = "TRUNCATE".into();
            c.changes.push(Change::Truncate {
                tables: t.table_names.iter().map(|t| name(&t.name)).collect(),
            });
        }
        Statement::Insert(i) => {
            c.kind = if i.replace_into { "REPLACE" } else { "INSERT" }.into();
            let table = match &i.table {
                TableObject::TableName(n) => name(n),
                other => unquote(&other.to_string()),
            };
            let from_query = i
                .source
                .as_ref()
                .is_some_and(|q| !matches!(q.body.as_ref(), sqlparser::ast::SetExpr::Values(_)));
            c.changes.push(Change::Insert {
                table,
                // INSERT IGNORE, REPLACE and ON DUPLICATE KEY UPDATE re-run without failing.
                on_conflict: i.ignore || i.replace_into || i.on.is_some(),
                from_query,
            });
        }
        Statement::Update(u) => {
            c.kind = "UPDATE".into();
            c.changes.push(Change::Update {
                table: unquote(&u.table.relation.to_string()),
                has_where: u.selection.is_some(),
                columns: u
                    .assignments
                    .iter()
                    .map(|a| unquote(&a.target.to_string()))
                    .collect(),
                every_row_unless_null: Vec::new(),
            });
        }
        Statement::Delete(d) => {
            c.kind = "DELETE".into();
            let tables = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let table = d
                .tables
                .first()
                .map(name)
                .or_else(|| tables.first().map(|t| unquote(&t.relation.to_string())))
                .unwrap_or_default();
            c.changes.push(Change::Delete {
                table,
                has_where: d.selection.is_some() || d.limit.is_some(),
                every_row_unless_null: Vec::new(),
            });
        }
        Statement::CreateView(v) => {
            c.kind = "CREATE VIEW".into();
            c.changes.push(Change::Create {
                object: ObjectKind::View,
                name: name(&v.name),
                on_table: None,
                if_not_exists: v.if_not_exists,
                or_replace: v.or_replace,
            });
        }
        Statement::CreateTrigger(t) => {
            c.kind = "CREATE TRIGGER".into();
            c.changes.push(Change::Create {
                object: ObjectKind::Trigger,
                name: name(&t.name),
                on_table: Some(name(&t.table_name)),
                if_not_exists: false,
                or_replace: t.or_replace,
            });
        }
        Statement::CreateFunction(f) => {
            c.kind = "CREATE FUNCTION".into();
            c.changes.push(Change::Create {
                object: ObjectKind::Function,
                name: name(&f.name),
                on_table: None,
                if_not_exists: f.if_not_exists,
                or_replace: f.or_replace,
            });
        }
        Statement::CreateProcedure {
            name: n, or_alter, ..
        } => {
            c.kind = "CREATE PROCEDURE".into();
            c.changes.push(Change::Create {
                object: ObjectKind::Procedure,
                name: name(n),
                on_table: None,
                if_not_exists: false,
                or_replace: *or_alter,
            });
        }
        Statement::CreateDatabase {
            db_name,
            if_not_exists,
            ..
        } => {
            c.kind = "CREATE DATABASE".into();
            c.changes.push(Change::Create {
                object: ObjectKind::Schema,
                name: name(db_name),
                on_table: None,
                if_not_exists: *if_not_exists,
                or_replace: false,
            });
        }
        Statement::Set(s) => {
            c.kind = "SET".into();
            match s {
                Set::SingleAssignment {
                    variable, values, ..
                } => c.changes.push(set_change(&variable.to_string(), values)),
                Set::MultipleAssignments { assignments } => {
                    for a in assignments {
                        c.changes.push(set_change(
                            &a.name.to_string(),
                            std::slice::from_ref(&a.value),
                        ));
                    }
                }
                _ => c.changes.push(Change::Other),
            }
        }
        Statement::StartTransaction { .. } => {
            c.kind = "BEGIN".into();
            c.changes.push(Change::Transaction(TxControl::Begin));
        }
        Statement::Commit { .. } => {
            c.kind = "COMMIT".into();
            c.changes.push(Change::Transaction(TxControl::Commit));
        }
        Statement::Rollback { savepoint, .. } => {
            c.kind = "ROLLBACK".into();
            c.changes.push(Change::Transaction(if savepoint.is_some() {
                TxControl::RollbackTo
            } else {
                TxControl::Rollback
            }));
        }
        Statement::Savepoint { .. } => {
            c.kind = "SAVEPOINT".into();
            c.changes.push(Change::Transaction(TxControl::Savepoint));
        }
        Statement::Query(_) => {
            c.kind = "SELECT".into();
            c.changes.push(Change::Other);
        }
        Statement::Grant(_) | Statement::Revoke(_) => {
            c.kind = "GRANT".into();
            c.changes.push(Change::Other);
        }
        Statement::Call(_) => {
            c.kind = "CALL".into();
            c.changes.push(Change::Opaque);
        }
        Statement::Use(_) => {
            c.kind = "USE".into();
            c.changes.push(Change::Other);
        }
        Statement::LockTables { .. } | Statement::UnlockTables => {
            c.kind = "LOCK TABLES".into();
            c.changes.push(Change::Other);
        }
        Statement::OptimizeTable { name: n, .. } => {
            c.kind = "OPTIMIZE TABLE".into();
            c.online = Some((self::name(n), vec![Op::Rebuild("OPTIMIZE TABLE")]));
            c.changes.push(Change::Other);
        }
        Statement::Analyze(_) => {
            c.kind = "ANALYZE TABLE".into();
            c.changes.push(Change::Other);
        }
        Statement::Pragma { name: n, value, .. } => {
            c.kind = "PRAGMA".into();
            c.changes.push(Change::Set {
                name: name(n).to_ascii_lowercase(),
                value: value
                    .as_ref()
                    .map(|v| v.to_string().to_ascii_lowercase())
                    .unwrap_or_default(),
                local: false,
            });
        }
        // Dynamic SQL (the "IF NOT EXISTS" idiom of MySQL migrations): its text is a string.
        Statement::Execute { .. } => {
            c.kind = "EXECUTE".into();
            c.changes.push(Change::Opaque);
        }
        Statement::Prepare { .. } | Statement::Deallocate { .. } => {
            c.kind = "PREPARE".into();
            c.changes.push(Change::Other);
        }
        Statement::Vacuum(_) => {
            c.kind = "VACUUM".into();
            c.changes.push(Change::Other);
        }
        other => {
            // Understood by the parser, not modelled: named by its first words.
            let text = other.to_string();
            c.kind = text
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_uppercase();
            c.known = false;
            c.changes.push(Change::Other);
        }
    }
    c
}

fn at(table: &str, cmd: TableCmd) -> Change {
    Change::AlterTable {
        table: table.to_string(),
        cmd,
    }
}

fn alter_op(table: &str, op: &AlterTableOperation, changes: &mut Vec<Change>, ops: &mut Vec<Op>) {
    use AlterTableOperation as A;
    let positioned = |p: &Option<MySQLColumnPosition>| p.is_some();
    match op {
        A::AddColumn {
            if_not_exists,
            column_def,
            column_position,
            ..
        } => {
            let info = column(column_def);
            ops.push(Op::AddColumn {
                column: info.spec.name.clone(),
                positioned: positioned(column_position),
                auto_increment: info.auto_increment,
                stored: info.stored,
                index: info.index,
                not_null_without_default: info.spec.not_null && info.spec.default.is_none(),
            });
            changes.push(at(
                table,
                TableCmd::AddColumn {
                    column: Box::new(info.spec),
                    if_not_exists: *if_not_exists,
                },
            ));
        }
        A::DropColumn {
            column_names,
            if_exists,
            ..
        } => {
            for c in column_names {
                let column = unquote(&c.to_string());
                ops.push(Op::DropColumn {
                    column: column.clone(),
                });
                changes.push(at(
                    table,
                    TableCmd::DropColumn {
                        column,
                        if_exists: *if_exists,
                    },
                ));
            }
        }
        A::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            ops.push(Op::RenameColumn);
            changes.push(Change::Rename {
                object: ObjectKind::Column,
                relation: Some(table.to_string()),
                from: unquote(&old_column_name.to_string()),
                to: unquote(&new_column_name.to_string()),
            });
        }
        A::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => {
            let old = unquote(&old_name.to_string());
            let new = unquote(&new_name.to_string());
            redefine(
                table,
                &old,
                &new,
                data_type,
                options,
                column_position,
                changes,
                ops,
            );
        }
        A::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => {
            let col = unquote(&col_name.to_string());
            redefine(
                table,
                &col,
                &col,
                data_type,
                options,
                column_position,
                changes,
                ops,
            );
        }
        A::AlterColumn { column_name, op } => {
            let column = unquote(&column_name.to_string());
            match op {
                AlterColumnOperation::SetDefault { .. } => {
                    ops.push(Op::SetDefault);
                    changes.push(at(table, TableCmd::SetDefault { column, expr: None }));
                }
                AlterColumnOperation::DropDefault => {
                    ops.push(Op::SetDefault);
                    changes.push(at(table, TableCmd::DropDefault { column }));
                }
                AlterColumnOperation::SetNotNull => {
                    ops.push(Op::Other("ALTER COLUMN SET NOT NULL"));
                    changes.push(at(table, TableCmd::SetNotNull { column }));
                }
                AlterColumnOperation::DropNotNull => {
                    ops.push(Op::Other("ALTER COLUMN DROP NOT NULL"));
                    changes.push(at(table, TableCmd::DropNotNull { column }));
                }
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    ops.push(Op::ChangeColumn {
                        column: column.clone(),
                        type_name: type_name(data_type),
                        not_null: None,
                        positioned: false,
                        renamed: false,
                        charset: false,
                    });
                    changes.push(at(
                        table,
                        TableCmd::AlterColumnType {
                            column,
                            type_name: type_name(data_type),
                            using: false,
                        },
                    ));
                }
                _ => ops.push(Op::Other("ALTER COLUMN")),
            }
        }
        A::AddConstraint { constraint, .. } => {
            let (spec, op) = table_constraint(constraint);
            ops.push(op);
            match spec {
                Some(spec) => changes.push(at(table, TableCmd::AddConstraint(spec))),
                None => {
                    let (index, columns, method) = match constraint {
                        TableConstraint::Index(i) => (
                            i.name.as_ref().map(|n| unquote(&n.to_string())),
                            index_columns(&i.columns),
                            "btree",
                        ),
                        TableConstraint::FulltextOrSpatial(f) => (
                            f.opt_index_name.as_ref().map(|n| unquote(&n.to_string())),
                            index_columns(&f.columns),
                            if f.fulltext { "fulltext" } else { "spatial" },
                        ),
                        _ => (None, Vec::new(), "btree"),
                    };
                    changes.push(Change::CreateIndex {
                        index,
                        table: table.to_string(),
                        concurrently: false,
                        only: false,
                        unique: false,
                        if_not_exists: false,
                        columns,
                        method: method.into(),
                    })
                }
            }
        }
        A::DropPrimaryKey { .. } => {
            ops.push(Op::DropPrimaryKey);
            changes.push(at(
                table,
                TableCmd::DropConstraint {
                    name: "PRIMARY".into(),
                    if_exists: false,
                },
            ));
        }
        A::DropForeignKey { name: n, .. } => {
            ops.push(Op::DropForeignKey);
            changes.push(at(
                table,
                TableCmd::DropConstraint {
                    name: unquote(&n.to_string()),
                    if_exists: false,
                },
            ));
        }
        A::DropIndex { name: n } => {
            ops.push(Op::DropIndex);
            changes.push(Change::Drop {
                object: ObjectKind::Index,
                names: vec![unquote(&n.to_string())],
                if_exists: false,
                cascade: false,
                concurrently: false,
                on_table: Some(table.to_string()),
            });
        }
        A::DropConstraint {
            name: n, if_exists, ..
        } => {
            ops.push(Op::DropCheck);
            changes.push(at(
                table,
                TableCmd::DropConstraint {
                    name: unquote(&n.to_string()),
                    if_exists: *if_exists,
                },
            ));
        }
        A::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => name(n),
            };
            ops.push(Op::RenameTable);
            changes.push(Change::Rename {
                object: ObjectKind::Table,
                relation: Some(table.to_string()),
                from: table.to_string(),
                to,
            });
        }
        // How the parser reads MySQL's `RENAME INDEX` (see `parse::mysql::parser_text`).
        A::RenameConstraint { .. } => {
            ops.push(Op::RenameIndex);
            changes.push(Change::Other);
        }
        A::Algorithm { .. } | A::Lock { .. } => {}
        A::AutoIncrement { .. } => {
            ops.push(Op::AutoIncrement);
        }
        other => {
            // Table options and the rest: named by their first words.
            let text = other.to_string().to_ascii_uppercase();
            let op = if text.starts_with("RENAME INDEX") || text.starts_with("RENAME KEY") {
                Op::RenameIndex
            } else if text.starts_with("ENGINE")
                || text.starts_with("FORCE")
                || text.starts_with("ROW_FORMAT")
            {
                Op::Rebuild("ENGINE/FORCE/ROW_FORMAT")
            } else if text.starts_with("CONVERT") {
                Op::ConvertCharset
            } else if text.starts_with("COMMENT") {
                Op::TableComment
            } else {
                Op::Other("table option")
            };
            ops.push(op);
            changes.push(at(table, TableCmd::Other("table option")));
        }
    }
}

/// `MODIFY` / `CHANGE`: the column is redefined whole (type, nullability, default), so the
/// neutral changes say all of it; the replay drops what the schema shows did not change.
#[allow(clippy::too_many_arguments)]
fn redefine(
    table: &str,
    old: &str,
    new: &str,
    data_type: &DataType,
    options: &[ColumnOption],
    position: &Option<MySQLColumnPosition>,
    changes: &mut Vec<Change>,
    ops: &mut Vec<Op>,
) {
    let not_null = options
        .iter()
        .any(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
    let t = type_name(data_type);
    let charset = options.iter().any(|o| {
        matches!(
            o,
            ColumnOption::CharacterSet(_) | ColumnOption::Collation(_)
        )
    }) || t.name.contains("character set")
        || t.name.contains("charset");
    ops.push(Op::ChangeColumn {
        column: old.to_string(),
        type_name: t.clone(),
        not_null: Some(not_null),
        positioned: position.is_some(),
        renamed: old != new,
        charset,
    });
    changes.push(at(
        table,
        TableCmd::AlterColumnType {
            column: old.to_string(),
            type_name: t,
            using: false,
        },
    ));
    let column = old.to_string();
    changes.push(at(
        table,
        if not_null {
            TableCmd::SetNotNull { column }
        } else {
            TableCmd::DropNotNull { column }
        },
    ));
    if old != new {
        changes.push(Change::Rename {
            object: ObjectKind::Column,
            relation: Some(table.to_string()),
            from: old.to_string(),
            to: new.to_string(),
        });
    }
}
