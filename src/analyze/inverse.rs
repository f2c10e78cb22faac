//! Generated inverses: for each statement of an up migration, the SQL that undoes it (when
//! rollsafe can write it) and validation queries that are true once the schema is back.
//!
//! Computed during the schema replay against the model as it was just before the statement,
//! so an inverse can name what was there before (a column's type before a widening change).

use super::snapshot::qualify_like;
use crate::analyze::StatementFacts;
use crate::analyze::change::*;
use crate::analyze::schema::{Schema, default_constraint_name, key, object_key};

/// One statement of a generated inverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub sql: String,
    /// False when it must run outside a transaction block (`DROP INDEX CONCURRENTLY`).
    pub transactional: bool,
}

/// How one up statement is undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inverse {
    /// Nothing to undo: neutral statements, `IF NOT EXISTS` on something that existed, data
    /// written into objects the same migration creates.
    Nothing,
    /// Run these, in order.
    Steps(Vec<Step>),
    /// Left in place by the rollback, harmlessly: rows written to existing tables (data is
    /// `rollsafe verify`'s job), an enum value PostgreSQL cannot remove.
    Kept(String),
    /// rollsafe cannot write an inverse (why). `loses_data` when the statement destroys data,
    /// so only a restore from backup brings it back.
    Irreversible { why: String, loses_data: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInverse {
    pub inverse: Inverse,
    /// Single-row, single-boolean `SELECT`s, true when what this statement changed is back.
    pub validation: Vec<String>,
}

/// The inverse of statement `s` of unit `unit`, against `schema` as it was before it.
pub fn statement(s: &StatementFacts, schema: &Schema, unit: usize) -> StatementInverse {
    let mut steps: Vec<Step> = Vec::new();
    let mut validation = Vec::new();
    let mut kept: Option<String> = None;
    let mut irreversible: Option<(String, bool)> = None;
    // Undo the changes of one statement in reverse order.
    for change in s.changes.iter().rev() {
        let one = change_inverse(change, schema, unit, s.destructive);
        validation.extend(one.validation);
        match one.inverse {
            Inverse::Nothing => {}
            Inverse::Steps(v) => steps.extend(v),
            Inverse::Kept(w) => kept = kept.or(Some(w)),
            Inverse::Irreversible { why, loses_data } => {
                if irreversible.as_ref().is_none_or(|(_, l)| !l && loses_data) {
                    irreversible = Some((why, loses_data));
                }
            }
        }
    }
    if !s.known {
        irreversible = Some((
            format!("rollsafe does not know what `{}` changes", s.kind),
            s.destructive,
        ));
    }
    let inverse = match (irreversible, kept) {
        (Some((why, loses_data)), _) => Inverse::Irreversible { why, loses_data },
        (None, _) if !steps.is_empty() => Inverse::Steps(steps),
        (None, Some(w)) => Inverse::Kept(w),
        (None, None) => Inverse::Nothing,
    };
    StatementInverse {
        inverse,
        validation,
    }
}

fn irreversible(why: impl Into<String>, loses_data: bool) -> StatementInverse {
    StatementInverse {
        inverse: Inverse::Irreversible {
            why: why.into(),
            loses_data,
        },
        validation: Vec::new(),
    }
}

fn nothing() -> StatementInverse {
    StatementInverse {
        inverse: Inverse::Nothing,
        validation: Vec::new(),
    }
}

fn steps(sql: Vec<Step>, validation: Vec<String>) -> StatementInverse {
    StatementInverse {
        inverse: Inverse::Steps(sql),
        validation,
    }
}

fn tx(sql: String) -> Step {
    Step {
        sql,
        transactional: true,
    }
}

fn change_inverse(c: &Change, schema: &Schema, unit: usize, destructive: bool) -> StatementInverse {
    match c {
        Change::CreateTable {
            table,
            if_not_exists,
            ..
        } => {
            if schema.table(table).is_some() {
                return if *if_not_exists {
                    nothing()
                } else {
                    irreversible(format!("table {table} already exists"), false)
                };
            }
            steps(
                vec![tx(format!("DROP TABLE IF EXISTS {};", name(table)))],
                vec![regclass_is_null(table)],
            )
        }
        Change::CreateIndex {
            index: Some(index),
            table,
            if_not_exists,
            ..
        } => {
            if schema.index_table(index).is_some() {
                return if *if_not_exists {
                    nothing()
                } else {
                    irreversible(format!("index {index} already exists"), false)
                };
            }
            // Dropping the index of a table created by the same migration is done by dropping
            // the table; a partitioned table's index cannot be dropped concurrently.
            let partitioned = !schema.partitions(table).is_empty();
            steps(
                vec![Step {
                    sql: format!(
                        "DROP INDEX {}IF EXISTS {};",
                        if partitioned { "" } else { "CONCURRENTLY " },
                        name(&qualify_like(index, table))
                    ),
                    transactional: partitioned,
                }],
                vec![regclass_is_null(&qualify_like(index, table))],
            )
        }
        Change::CreateIndex { index: None, .. } => irreversible(
            "the index has no name: PostgreSQL chose one, so rollsafe cannot name it to drop it",
            false,
        ),
        Change::Create {
            object,
            name: n,
            on_table,
            if_not_exists,
            or_replace,
        } => create_inverse(
            *object,
            n,
            on_table.as_deref(),
            *if_not_exists,
            *or_replace,
            schema,
        ),
        Change::AlterTable { table, cmd } => alter_inverse(table, cmd, schema, unit),
        Change::AddEnumValue {
            type_name, value, ..
        } => StatementInverse {
            // The previous application version never writes the new value.
            inverse: Inverse::Kept(format!(
                "enum value '{value}' stays in {type_name}: ALTER TYPE ... ADD VALUE is not reversible"
            )),
            validation: Vec::new(),
        },
        Change::Rename {
            object,
            relation,
            from,
            to,
        } => rename_inverse(*object, relation.as_deref(), from, to),
        Change::Insert { table, .. }
        | Change::Update { table, .. }
        | Change::Merge { table }
        | Change::Delete { table, .. } => {
            if schema.created_by(table) == Some(unit) {
                nothing()
            } else if destructive {
                irreversible(format!("deletes rows of {table}"), true)
            } else {
                StatementInverse {
                    inverse: Inverse::Kept(format!("rows written to {table} stay")),
                    validation: Vec::new(),
                }
            }
        }
        Change::Copy {
            table: Some(table),
            from: true,
        } => {
            if schema.created_by(table) == Some(unit) {
                nothing()
            } else {
                StatementInverse {
                    inverse: Inverse::Kept(format!("rows copied into {table} stay")),
                    validation: Vec::new(),
                }
            }
        }
        Change::Truncate { tables } => {
            irreversible(format!("truncates {}", tables.join(", ")), true)
        }
        Change::Drop { names, .. }
            if !names.is_empty() && names.iter().all(|n| schema.created_by(n) == Some(unit)) =>
        {
            // Dropping what the same migration created loses nothing.
            nothing()
        }
        Change::Drop { object, names, .. } => StatementInverse {
            inverse: Inverse::Irreversible {
                why: format!("drops {} {}", object.name(), names.join(", ")),
                loses_data: destructive || *object == ObjectKind::Table,
            },
            // After a restore, the relation is back.
            validation: match object {
                ObjectKind::Table
                | ObjectKind::Index
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence => names
                    .iter()
                    .map(|n| format!("SELECT to_regclass({}) IS NOT NULL", literal(&qualified(n))))
                    .collect(),
                _ => Vec::new(),
            },
        },
        Change::Opaque => irreversible("rollsafe cannot see what DO / CALL changes", destructive),
        Change::AlterSequence { name: n } => irreversible(
            format!("the previous settings of sequence {n} are not known"),
            false,
        ),
        Change::SetSchema {
            object, name: n, ..
        } => irreversible(
            format!("moves {} {n} to another schema", object.name()),
            false,
        ),
        Change::RenameEnumValue {
            type_name,
            from,
            to,
        } => steps(
            vec![tx(format!(
                "ALTER TYPE {} RENAME VALUE {} TO {};",
                name(type_name),
                literal(to),
                literal(from)
            ))],
            Vec::new(),
        ),
        _ => nothing(),
    }
}

fn create_inverse(
    object: ObjectKind,
    n: &str,
    on_table: Option<&str>,
    if_not_exists: bool,
    or_replace: bool,
    schema: &Schema,
) -> StatementInverse {
    let existed = match object {
        ObjectKind::View
        | ObjectKind::MaterializedView
        | ObjectKind::Sequence
        | ObjectKind::ForeignTable => schema.others.contains_key(key(n)),
        _ => schema
            .objects
            .contains_key(&(object, object_key(object, n, on_table))),
    };
    if existed {
        return if if_not_exists {
            nothing()
        } else if or_replace {
            irreversible(
                format!(
                    "replaces {} {n}; its previous definition is not known",
                    object.name()
                ),
                false,
            )
        } else {
            irreversible(format!("{} {n} already exists", object.name()), false)
        };
    }
    let (keyword, check) = match object {
        ObjectKind::View => ("VIEW", regclass_is_null(n)),
        ObjectKind::MaterializedView => ("MATERIALIZED VIEW", regclass_is_null(n)),
        ObjectKind::Sequence => ("SEQUENCE", regclass_is_null(n)),
        ObjectKind::ForeignTable => ("FOREIGN TABLE", regclass_is_null(n)),
        ObjectKind::Type => ("TYPE", regtype_is_null(n)),
        ObjectKind::Domain => ("DOMAIN", regtype_is_null(n)),
        ObjectKind::Function | ObjectKind::Procedure => {
            let (schema_name, proc) = split(n);
            let keyword = if object == ObjectKind::Function {
                "FUNCTION"
            } else {
                "PROCEDURE"
            };
            (
                keyword,
                format!(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = {} AND pronamespace = {}::regnamespace)",
                    literal(proc),
                    literal(schema_name)
                ),
            )
        }
        ObjectKind::Schema => (
            "SCHEMA",
            format!("SELECT to_regnamespace({}) IS NULL", literal(n)),
        ),
        ObjectKind::Extension => (
            "EXTENSION",
            format!(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = {})",
                literal(n)
            ),
        ),
        ObjectKind::Trigger | ObjectKind::Policy => {
            let Some(table) = on_table else {
                return irreversible(format!("{} {n} names no table", object.name()), false);
            };
            let (catalog, col, rel) = if object == ObjectKind::Trigger {
                ("pg_trigger", "tgname", "tgrelid")
            } else {
                ("pg_policy", "polname", "polrelid")
            };
            let keyword = if object == ObjectKind::Trigger {
                "TRIGGER"
            } else {
                "POLICY"
            };
            return steps(
                vec![tx(format!(
                    "DROP {keyword} IF EXISTS {} ON {};",
                    ident(n),
                    name(table)
                ))],
                vec![format!(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.{catalog} WHERE {col} = {} AND {rel} = to_regclass({}))",
                    literal(n),
                    literal(&qualified(table))
                )],
            );
        }
        other => {
            return irreversible(
                format!(
                    "rollsafe writes no inverse for CREATE {}",
                    other.name().to_uppercase()
                ),
                false,
            );
        }
    };
    steps(
        vec![tx(format!("DROP {keyword} IF EXISTS {};", name(n)))],
        vec![check],
    )
}

fn alter_inverse(table: &str, cmd: &TableCmd, schema: &Schema, unit: usize) -> StatementInverse {
    let t = schema.table(table);
    let col = |c: &str| t.and_then(|t| t.column(c));
    let alter = |rest: String| tx(format!("ALTER TABLE {} {rest};", name(table)));
    match cmd {
        TableCmd::AddColumn {
            column,
            if_not_exists,
        } => {
            if col(&column.name).is_some() {
                return if *if_not_exists {
                    nothing()
                } else {
                    irreversible(
                        format!("column {table}.{} already exists", column.name),
                        false,
                    )
                };
            }
            steps(
                vec![alter(format!(
                    "DROP COLUMN IF EXISTS {}",
                    ident(&column.name)
                ))],
                vec![column_check(table, &column.name, false)],
            )
        }
        TableCmd::AddConstraint(spec) => {
            let Some(cname) = spec
                .name
                .clone()
                .or_else(|| default_constraint_name(key(table), spec))
            else {
                return irreversible(
                    "the constraint has no name rollsafe can predict (name it to make it reversible)",
                    false,
                );
            };
            if let Some(index) = &spec.using_index
                && schema.created_by(index) != Some(unit)
            {
                // Dropping the constraint drops the index it took over.
                return irreversible(
                    format!(
                        "constraint {cname} takes over index {index}, which existed before this migration; dropping the constraint would drop the index"
                    ),
                    false,
                );
            }
            steps(
                vec![alter(format!(
                    "DROP CONSTRAINT IF EXISTS {}",
                    ident(&cname)
                ))],
                vec![format!(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} AND conrelid = to_regclass({}))",
                    literal(&cname),
                    literal(&qualified(table))
                )],
            )
        }
        TableCmd::SetNotNull { column } => match col(column) {
            Some(c) if c.not_null() => nothing(),
            _ => steps(
                vec![alter(format!(
                    "ALTER COLUMN {} DROP NOT NULL",
                    ident(column)
                ))],
                vec![nullable_check(table, column, true)],
            ),
        },
        TableCmd::DropNotNull { column } => match col(column) {
            Some(c) if !c.not_null() => nothing(),
            _ => steps(
                vec![alter(format!(
                    "ALTER COLUMN {} SET NOT NULL",
                    ident(column)
                ))],
                vec![nullable_check(table, column, false)],
            ),
        },
        TableCmd::AlterColumnType { column, .. } => match col(column) {
            Some(c) => steps(
                vec![alter(format!(
                    "ALTER COLUMN {} TYPE {}",
                    ident(column),
                    c.type_name()
                ))],
                vec![format!(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND NOT attisdropped AND format_type(atttypid, atttypmod) = {})",
                    literal(&qualified(table)),
                    literal(column),
                    literal(&format_type(c.type_name()))
                )],
            ),
            None => irreversible(
                format!("the type of {table}.{column} before this change is not known"),
                false,
            ),
        },
        TableCmd::SetDefault { column, .. } => match col(column) {
            Some(c) if c.default().is_none() => steps(
                vec![alter(format!(
                    "ALTER COLUMN {} DROP DEFAULT",
                    ident(column)
                ))],
                vec![format!(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = {} AND table_name = {} AND column_name = {} AND column_default IS NULL)",
                    literal(split(table).0),
                    literal(split(table).1),
                    literal(column)
                )],
            ),
            _ => irreversible(
                format!("the previous default of {table}.{column} is not known"),
                false,
            ),
        },
        TableCmd::DropDefault { column } => match col(column) {
            Some(c) if c.default().is_none() => nothing(),
            _ => irreversible(
                format!("the dropped default of {table}.{column} is not known"),
                false,
            ),
        },
        TableCmd::ValidateConstraint { .. }
        | TableCmd::ColumnSetting { .. }
        | TableCmd::Maintenance(_)
        | TableCmd::TriggerState { .. }
        | TableCmd::OwnerTo
        | TableCmd::RestartIdentity { .. }
        | TableCmd::SetTablespace => nothing(),
        TableCmd::EnableRowSecurity => {
            steps(vec![alter("DISABLE ROW LEVEL SECURITY".into())], Vec::new())
        }
        TableCmd::DisableRowSecurity => {
            steps(vec![alter("ENABLE ROW LEVEL SECURITY".into())], Vec::new())
        }
        TableCmd::AttachPartition { partition } => steps(
            vec![alter(format!("DETACH PARTITION {}", name(partition)))],
            Vec::new(),
        ),
        // A column of a table this migration created goes with the table.
        TableCmd::DropColumn { .. } if schema.created_by(table) == Some(unit) => nothing(),
        TableCmd::DropColumn { column, .. } => StatementInverse {
            inverse: Inverse::Irreversible {
                why: format!("drops column {table}.{column} and its data"),
                loses_data: true,
            },
            validation: vec![column_check(table, column, true)],
        },
        TableCmd::DropConstraint { name: n, .. } => irreversible(
            format!("drops constraint {n} on {table}; its definition must be recreated by hand"),
            false,
        ),
        other => irreversible(
            format!(
                "rollsafe writes no inverse for {} on {table}",
                other.describe()
            ),
            false,
        ),
    }
}

fn rename_inverse(
    object: ObjectKind,
    relation: Option<&str>,
    from: &str,
    to: &str,
) -> StatementInverse {
    let renamed = qualify_like(to, from);
    match (object, relation) {
        (
            ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::Index,
            _,
        ) => {
            let keyword = match object {
                ObjectKind::Table => "TABLE",
                ObjectKind::View => "VIEW",
                ObjectKind::MaterializedView => "MATERIALIZED VIEW",
                ObjectKind::Sequence => "SEQUENCE",
                _ => "INDEX",
            };
            let old = split(from).1;
            steps(
                vec![tx(format!(
                    "ALTER {keyword} {} RENAME TO {};",
                    name(&renamed),
                    ident(old)
                ))],
                vec![format!(
                    "SELECT to_regclass({}) IS NOT NULL AND to_regclass({}) IS NULL",
                    literal(&qualified(from)),
                    literal(&qualified(&renamed))
                )],
            )
        }
        (ObjectKind::Column, Some(table)) => steps(
            vec![tx(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                name(table),
                ident(to),
                ident(from)
            ))],
            vec![format!(
                "SELECT {} AND {}",
                column_check(table, from, true).trim_start_matches("SELECT "),
                column_check(table, to, false).trim_start_matches("SELECT ")
            )],
        ),
        (ObjectKind::Constraint, Some(table)) => steps(
            vec![tx(format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                name(table),
                ident(to),
                ident(from)
            ))],
            Vec::new(),
        ),
        _ => irreversible(
            format!(
                "rollsafe writes no inverse for renaming {} {from}",
                object.name()
            ),
            false,
        ),
    }
}

/// `schema.name` split, `public` when unqualified (the model treats both alike).
fn split(n: &str) -> (&str, &str) {
    n.rsplit_once('.').unwrap_or(("public", n))
}

fn qualified(n: &str) -> String {
    let (s, o) = split(n);
    format!("{s}.{o}")
}

/// `SELECT to_regclass('schema.name') IS NULL`.
pub fn regclass_is_null(n: &str) -> String {
    format!("SELECT to_regclass({}) IS NULL", literal(&qualified(n)))
}

fn regtype_is_null(n: &str) -> String {
    format!("SELECT to_regtype({}) IS NULL", literal(&qualified(n)))
}

/// Whether `table.column` exists (`exists`) or not.
fn column_check(table: &str, column: &str, exists: bool) -> String {
    let (s, t) = split(table);
    format!(
        "SELECT {}EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = {} AND table_name = {} AND column_name = {})",
        if exists { "" } else { "NOT " },
        literal(s),
        literal(t),
        literal(column)
    )
}

fn nullable_check(table: &str, column: &str, nullable: bool) -> String {
    let (s, t) = split(table);
    format!(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = {} AND table_name = {} AND column_name = {} AND is_nullable = {})",
        literal(s),
        literal(t),
        literal(column),
        literal(if nullable { "YES" } else { "NO" })
    )
}

/// The text `format_type()` shows for a type, for the common built-in types.
fn format_type(t: &TypeName) -> String {
    let base = match t.name.as_str() {
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "float4" => "real",
        "float8" => "double precision",
        "bool" => "boolean",
        "varchar" => "character varying",
        "bpchar" => "character",
        "timestamptz" => "timestamp with time zone",
        "timestamp" => "timestamp without time zone",
        "timetz" => "time with time zone",
        "time" => "time without time zone",
        "varbit" => "bit varying",
        other => other,
    };
    let mut s = base.to_string();
    if !t.modifiers.is_empty() {
        let mods: Vec<String> = t.modifiers.iter().map(i64::to_string).collect();
        let m = format!("({})", mods.join(","));
        // `timestamp(3) with time zone`: the precision goes after the first word.
        match s.split_once(' ') {
            Some((a, b)) if base.starts_with("time") => s = format!("{a}{m} {b}"),
            _ => s.push_str(&m),
        }
    }
    if t.array {
        s.push_str("[]");
    }
    s
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An identifier, quoted when PostgreSQL would not read it back unchanged.
pub fn ident(s: &str) -> String {
    const RESERVED: &[&str] = &[
        "all",
        "and",
        "any",
        "array",
        "as",
        "check",
        "column",
        "constraint",
        "create",
        "default",
        "desc",
        "do",
        "end",
        "for",
        "from",
        "grant",
        "group",
        "in",
        "index",
        "limit",
        "not",
        "null",
        "on",
        "or",
        "order",
        "primary",
        "references",
        "select",
        "table",
        "to",
        "union",
        "unique",
        "user",
        "using",
        "where",
        "with",
    ];
    let simple = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if simple && !RESERVED.contains(&s) {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// A possibly schema-qualified name, each part quoted as needed.
pub fn name(n: &str) -> String {
    n.split('.').map(ident).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str, modifiers: &[i64]) -> TypeName {
        TypeName {
            name: name.into(),
            modifiers: modifiers.to_vec(),
            array: false,
        }
    }

    #[test]
    fn identifiers_and_literals_read_back_unchanged() {
        assert_eq!(ident("orders"), "orders");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Orders"), "\"Orders\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(name("billing.invoices"), "billing.invoices");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[test]
    fn format_type_matches_the_catalog() {
        assert_eq!(format_type(&ty("varchar", &[50])), "character varying(50)");
        assert_eq!(
            format_type(&ty("timestamptz", &[3])),
            "timestamp(3) with time zone"
        );
        assert_eq!(format_type(&ty("int8", &[])), "bigint");
        assert_eq!(format_type(&ty("numeric", &[12, 2])), "numeric(12,2)");
    }
}
