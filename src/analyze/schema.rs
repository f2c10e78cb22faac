//! The schema model replayed through the migrations in order: tables, columns, indexes and
//! constraints created so far, and by which unit. Rules use it to avoid false positives (a lock
//! on a table created earlier in the same change blocks no one) and lock analysis uses it for
//! facts that depend on the current column type or constraints.

use std::collections::HashMap;

use super::change::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub type_name: TypeName,
    pub not_null: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub validated: bool,
    pub proves_not_null: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// The unit (index into the migration set) that created it.
    pub created_by: Option<usize>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }
    /// A validated `CHECK (col IS NOT NULL)` lets `SET NOT NULL` skip its scan (PostgreSQL 12+).
    pub fn has_validated_not_null_check(&self, column: &str) -> bool {
        self.constraints
            .iter()
            .any(|c| c.validated && c.proves_not_null.as_deref() == Some(column))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: HashMap<String, Table>,
    /// Index name → (table, creating unit).
    pub indexes: HashMap<String, (String, Option<usize>)>,
    /// Other relations (views, materialized views, sequences) → creating unit.
    pub others: HashMap<String, Option<usize>>,
}

/// Unqualified `public.x` and `x` name the same relation for our purposes.
pub fn key(name: &str) -> &str {
    name.strip_prefix("public.").unwrap_or(name)
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(key(name))
    }

    /// The unit that created a relation (table, index, view, sequence), if known.
    pub fn created_by(&self, relation: &str) -> Option<usize> {
        let k = key(relation);
        self.tables
            .get(k)
            .and_then(|t| t.created_by)
            .or_else(|| self.indexes.get(k).and_then(|(_, u)| *u))
            .or_else(|| self.others.get(k).copied().flatten())
    }

    pub fn index_table(&self, index: &str) -> Option<&str> {
        self.indexes.get(key(index)).map(|(t, _)| t.as_str())
    }

    /// Apply one change made by `unit`.
    pub fn apply(&mut self, change: &Change, unit: usize) {
        match change {
            Change::CreateTable {
                table,
                columns,
                constraints,
                ..
            } => {
                let k = key(table).to_string();
                if self.tables.contains_key(&k) {
                    return; // IF NOT EXISTS on an existing table changes nothing.
                }
                let mut t = Table {
                    created_by: Some(unit),
                    ..Table::default()
                };
                for c in columns {
                    t.columns.push(Column {
                        name: c.name.clone(),
                        type_name: c.type_name.clone(),
                        not_null: c.not_null,
                    });
                    t.constraints.extend(c.constraints.iter().map(constraint));
                }
                t.constraints.extend(constraints.iter().map(constraint));
                self.tables.insert(k, t);
            }
            Change::CreateIndex { index, table, .. } => {
                if let Some(index) = index {
                    self.indexes
                        .entry(key(index).to_string())
                        .or_insert((key(table).to_string(), Some(unit)));
                }
            }
            Change::Create { object, name, .. }
                if matches!(
                    object,
                    ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence | ObjectKind::ForeignTable
                ) =>
            {
                self.others.entry(key(name).to_string()).or_insert(Some(unit));
            }
            Change::Drop { object, names, .. } => {
                for n in names {
                    let k = key(n);
                    match object {
                        ObjectKind::Table => {
                            self.tables.remove(k);
                            self.indexes.retain(|_, (t, _)| t != k);
                        }
                        ObjectKind::Index => {
                            self.indexes.remove(k);
                        }
                        _ => {
                            self.others.remove(k);
                        }
                    }
                }
            }
            Change::Rename {
                object,
                relation,
                from,
                to,
            } => match object {
                ObjectKind::Table => {
                    if let Some(t) = self.tables.remove(key(from)) {
                        let new_key = match key(from).rsplit_once('.') {
                            Some((schema, _)) => format!("{schema}.{to}"),
                            None => to.clone(),
                        };
                        for (t_name, _) in self.indexes.values_mut() {
                            if t_name == key(from) {
                                *t_name = new_key.clone();
                            }
                        }
                        self.tables.insert(new_key, t);
                    }
                }
                ObjectKind::Column => {
                    if let Some(t) = relation.as_deref().and_then(|r| self.tables.get_mut(key(r)))
                        && let Some(c) = t.column_mut(from)
                    {
                        c.name = to.clone();
                    }
                }
                ObjectKind::Index => {
                    if let Some(v) = self.indexes.remove(key(from)) {
                        self.indexes.insert(to.clone(), v);
                    }
                }
                _ => {}
            },
            Change::AlterTable { table, cmd } => {
                let Some(t) = self.tables.get_mut(key(table)) else {
                    return;
                };
                match cmd {
                    TableCmd::AddColumn { column, .. } => {
                        if t.column(&column.name).is_none() {
                            t.columns.push(Column {
                                name: column.name.clone(),
                                type_name: column.type_name.clone(),
                                not_null: column.not_null,
                            });
                            t.constraints.extend(column.constraints.iter().map(constraint));
                        }
                    }
                    TableCmd::DropColumn { column, .. } => t.columns.retain(|c| &c.name != column),
                    TableCmd::AlterColumnType { column, type_name, .. } => {
                        if let Some(c) = t.column_mut(column) {
                            c.type_name = type_name.clone();
                        }
                    }
                    TableCmd::SetNotNull { column } => {
                        if let Some(c) = t.column_mut(column) {
                            c.not_null = true;
                        }
                    }
                    TableCmd::DropNotNull { column } => {
                        if let Some(c) = t.column_mut(column) {
                            c.not_null = false;
                        }
                    }
                    TableCmd::AddConstraint(spec) => t.constraints.push(constraint(spec)),
                    TableCmd::ValidateConstraint { name } => {
                        for c in &mut t.constraints {
                            if c.name.as_deref() == Some(name) {
                                c.validated = true;
                            }
                        }
                    }
                    TableCmd::DropConstraint { name, .. } => {
                        t.constraints.retain(|c| c.name.as_deref() != Some(name))
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn constraint(spec: &ConstraintSpec) -> Constraint {
    Constraint {
        name: spec.name.clone(),
        kind: spec.kind,
        validated: !spec.not_valid,
        proves_not_null: spec.proves_not_null.clone(),
    }
}
