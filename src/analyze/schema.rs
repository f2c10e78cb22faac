//! The schema model replayed through the migrations in order: tables, columns, indexes and
//! constraints created so far, and by which unit. Rules use it to avoid false positives (a lock
//! on a table created earlier in the same change blocks no one) and lock analysis uses it for
//! facts that depend on the current column type or constraints.

use std::collections::HashMap;

use super::change::*;
use super::procedural::{Body, TriggerEvents};

/// A function or procedure created by the migrations, as the replay last saw it.
#[derive(Debug, Clone)]
pub struct Routine {
    pub name: String,
    pub body: Body,
    /// The file that defines it: the body's spans are offsets into it.
    pub source: std::sync::Arc<crate::source::SourceFile>,
}

/// A trigger created by the migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub name: String,
    pub function: String,
    pub events: TriggerEvents,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub type_name: TypeName,
    pub not_null: bool,
    /// Whether it has a default, and what decides it (the function called, or `constant`).
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// As written, or the name PostgreSQL chooses for an unnamed PRIMARY KEY, UNIQUE, FOREIGN
    /// KEY or column CHECK constraint (`users_pkey`, `orders_user_id_fkey`, ...).
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub validated: bool,
    pub proves_not_null: Option<String>,
    /// The constrained columns (for a FOREIGN KEY: the referencing columns).
    pub columns: Vec<String>,
    /// The referenced table of a FOREIGN KEY (a [`key`]).
    pub references: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// The unit (index into the migration set) that created it.
    pub created_by: Option<usize>,
    /// The partitioned table this table is a partition of (a [`key`]).
    pub partition_of: Option<String>,
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
    /// Tables that have (or once had) partitions, and tables that are (or once were) referenced
    /// by a foreign key. Supersets, kept so `partitions` and `referencing` can skip their scan of
    /// every table in the common case: without them the replay is quadratic.
    parents: std::collections::HashSet<String>,
    referenced: std::collections::HashSet<String>,
    /// Key columns, method and uniqueness of indexes whose CREATE INDEX the replay saw.
    pub index_defs: HashMap<String, IndexDef>,
    /// Types, domains, functions, procedures, schemas, extensions, triggers and policies by
    /// kind and name (a trigger or policy as `table.name`), with the creating unit.
    pub objects: HashMap<(ObjectKind, String), Option<usize>>,
    /// Enum values added with `ALTER TYPE ... ADD VALUE`, per type.
    pub enum_values: HashMap<String, Vec<String>>,
    /// Functions and procedures by name (lower-case, `public.` dropped; overloads share one
    /// entry, the last created).
    pub routines: HashMap<String, Routine>,
    /// Triggers by the table (a [`key`]) they are on.
    pub triggers: HashMap<String, Vec<Trigger>>,
    /// Functions a table's defaults, checks and index expressions call on every row written,
    /// by table (a [`key`]).
    pub write_calls: HashMap<String, Vec<String>>,
    /// The relations each view or materialized view reads (what `DROP ... CASCADE` drops
    /// with them). Kept for views that no longer exist too; [`Schema::dependent_views`] skips
    /// those.
    pub view_reads: HashMap<String, Vec<String>>,
}

/// What the replay knows of an index beyond its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub columns: Vec<String>,
    pub method: String,
    pub unique: bool,
}

/// A column's default as the model records it (see [`Column::default`]).
pub fn default_key(spec: &ColumnSpec) -> Option<String> {
    let d = spec.default.as_ref().filter(|d| !d.is_null)?;
    Some(d.function.clone().unwrap_or_else(|| "constant".into()))
}

/// The key of a trigger or policy in [`Schema::objects`]: its table and name.
pub fn object_key(kind: ObjectKind, name: &str, on_table: Option<&str>) -> String {
    match (kind, on_table) {
        (ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule, Some(t)) => {
            format!("{}.{name}", key(t))
        }
        _ => key(name).to_string(),
    }
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

    /// Every partition of `table`, partitions of partitions included, sorted.
    pub fn partitions(&self, table: &str) -> Vec<String> {
        if !self.parents.contains(key(table)) {
            return Vec::new();
        }
        // One pass over the tables for the parent → partitions links, then a walk down them:
        // linear in tables, however many partitions (a scan of every table per level and a
        // `contains` per partition made each ALTER of a 2,500-partition table quadratic).
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for (name, t) in &self.tables {
            if let Some(parent) = t.partition_of.as_deref() {
                children.entry(parent).or_default().push(name);
            }
        }
        let root = key(table);
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::from([root]);
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![root];
        while let Some(parent) = todo.pop() {
            for &child in children.get(parent).map_or(&[][..], Vec::as_slice) {
                if seen.insert(child) {
                    out.push(child.to_string());
                    todo.push(child);
                }
            }
        }
        out.sort();
        out
    }

    /// Whether `table` is a partitioned table the replay has seen a partition of.
    pub fn parent_of_partitions(&self, table: &str) -> bool {
        self.parents.contains(key(table)) && self.tables.contains_key(key(table))
    }

    /// The partitioned table `table` is a partition of.
    pub fn parent(&self, table: &str) -> Option<&str> {
        self.table(table).and_then(|t| t.partition_of.as_deref())
    }

    /// A table's constraint by name (as written or as PostgreSQL named it).
    pub fn constraint(&self, table: &str, name: &str) -> Option<&Constraint> {
        self.table(table)?
            .constraints
            .iter()
            .find(|c| c.name.as_deref() == Some(name))
    }

    /// Tables whose foreign keys reference `table` (other than `table` itself), sorted.
    pub fn referencing(&self, table: &str) -> Vec<String> {
        let k = key(table);
        if !self.referenced.contains(k) {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .tables
            .iter()
            .filter(|(name, t)| {
                name.as_str() != k
                    && t.constraints.iter().any(|c| {
                        c.kind == ConstraintKind::ForeignKey && c.references.as_deref() == Some(k)
                    })
            })
            .map(|(name, _)| name.clone())
            .collect();
        out.sort();
        out
    }

    /// The columns of `table`'s primary key.
    pub fn primary_key(&self, table: &str) -> Vec<String> {
        self.table(table)
            .and_then(|t| {
                t.constraints
                    .iter()
                    .find(|c| c.kind == ConstraintKind::PrimaryKey)
            })
            .map(|c| c.columns.clone())
            .unwrap_or_default()
    }

    /// Apply one change made by `unit`.
    pub fn apply(&mut self, change: &Change, unit: usize) {
        self.note_links(change);
        self.apply_change(change, unit);
    }

    /// Record what a `CREATE VIEW` / `CREATE MATERIALIZED VIEW` statement reads (its `Read`
    /// change), before its changes are applied.
    pub fn note_view_reads(&mut self, changes: &[Change]) {
        let view = changes.iter().find_map(|c| match c {
            Change::Create {
                object: ObjectKind::View | ObjectKind::MaterializedView,
                name,
                ..
            } => Some(key(name).to_string()),
            _ => None,
        });
        let reads = changes.iter().find_map(|c| match c {
            Change::Read { relations } => Some(relations),
            _ => None,
        });
        if let (Some(view), Some(reads)) = (view, reads) {
            let reads = reads.iter().map(|r| key(r).to_string()).collect();
            self.view_reads.insert(view, reads);
        }
    }

    /// Views and materialized views that read `relation`, directly or through other views,
    /// in the order found.
    pub fn dependent_views(&self, relation: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![key(relation).to_string()];
        while let Some(r) = todo.pop() {
            let mut direct: Vec<&String> = self
                .view_reads
                .iter()
                .filter(|(v, reads)| reads.contains(&r) && self.others.contains_key(v.as_str()))
                .map(|(v, _)| v)
                .collect();
            direct.sort();
            for v in direct {
                if !out.contains(v) && v != key(relation) {
                    out.push(v.clone());
                    todo.push(v.clone());
                }
            }
        }
        out
    }

    /// Record partition parents and foreign-key targets for the fast paths above.
    fn note_links(&mut self, change: &Change) {
        let note_fk = |c: &ConstraintSpec, referenced: &mut std::collections::HashSet<String>| {
            if let Some(r) = &c.references {
                referenced.insert(key(r).to_string());
            }
        };
        match change {
            Change::CreateTable {
                columns,
                constraints,
                partition_of,
                ..
            } => {
                if let Some(p) = partition_of {
                    self.parents.insert(key(p).to_string());
                }
                for c in columns
                    .iter()
                    .flat_map(|c| &c.constraints)
                    .chain(constraints)
                {
                    note_fk(c, &mut self.referenced);
                }
            }
            Change::AlterTable { table, cmd } => match cmd {
                TableCmd::AttachPartition { .. } => {
                    self.parents.insert(key(table).to_string());
                }
                TableCmd::AddColumn { column, .. } => {
                    for c in &column.constraints {
                        note_fk(c, &mut self.referenced);
                    }
                }
                TableCmd::AddConstraint(c) => note_fk(c, &mut self.referenced),
                _ => {}
            },
            Change::Rename {
                object: ObjectKind::Table,
                from,
                to,
                ..
            } => {
                let new_key = match key(from).rsplit_once('.') {
                    Some((schema, _)) => format!("{schema}.{to}"),
                    None => to.clone(),
                };
                for set in [&mut self.parents, &mut self.referenced] {
                    if set.contains(key(from)) {
                        set.insert(new_key.clone());
                    }
                }
            }
            _ => {}
        }
    }

    fn apply_change(&mut self, change: &Change, unit: usize) {
        match change {
            Change::CreateTable {
                table,
                columns,
                constraints,
                partition_of,
                ..
            } => {
                let k = key(table).to_string();
                if self.tables.contains_key(&k) {
                    return; // IF NOT EXISTS on an existing table changes nothing.
                }
                let mut t = Table {
                    created_by: Some(unit),
                    partition_of: partition_of.as_deref().map(|p| key(p).to_string()),
                    ..Table::default()
                };
                for c in columns {
                    t.columns.push(Column {
                        name: c.name.clone(),
                        type_name: c.type_name.clone(),
                        not_null: c.not_null,
                        default: default_key(c),
                    });
                    t.constraints
                        .extend(c.constraints.iter().map(|s| constraint(&k, s)));
                }
                t.constraints
                    .extend(constraints.iter().map(|s| constraint(&k, s)));
                self.tables.insert(k, t);
            }
            Change::CreateIndex {
                index: Some(index),
                table,
                columns,
                method,
                unique,
                ..
            } => {
                if !self.indexes.contains_key(key(index)) {
                    self.index_defs.insert(
                        key(index).to_string(),
                        IndexDef {
                            columns: columns.clone(),
                            method: method.clone(),
                            unique: *unique,
                        },
                    );
                }
                self.indexes
                    .entry(key(index).to_string())
                    .or_insert((key(table).to_string(), Some(unit)));
            }
            Change::Create {
                object:
                    kind @ (ObjectKind::Type
                    | ObjectKind::Domain
                    | ObjectKind::Function
                    | ObjectKind::Procedure
                    | ObjectKind::Schema
                    | ObjectKind::Extension
                    | ObjectKind::Trigger
                    | ObjectKind::Policy
                    | ObjectKind::Rule
                    | ObjectKind::Role),
                name,
                on_table,
                ..
            } => {
                self.objects
                    .entry((*kind, object_key(*kind, name, on_table.as_deref())))
                    .or_insert(Some(unit));
            }
            Change::AddEnumValue {
                type_name, value, ..
            } => {
                let values = self
                    .enum_values
                    .entry(key(type_name).to_string())
                    .or_default();
                if !values.contains(value) {
                    values.push(value.clone());
                }
            }
            Change::Create {
                object:
                    ObjectKind::View
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
                    | ObjectKind::ForeignTable,
                name,
                ..
            } => {
                self.others
                    .entry(key(name).to_string())
                    .or_insert(Some(unit));
            }
            Change::Drop {
                object,
                names,
                on_table,
                ..
            } => {
                for n in names {
                    let k = key(n);
                    // The procedural model (routines, triggers) and the rollback model
                    // (`objects`) both forget a dropped function, procedure or trigger.
                    match object {
                        ObjectKind::Function | ObjectKind::Procedure => {
                            self.routines.remove(&k.to_ascii_lowercase());
                        }
                        ObjectKind::Trigger => {
                            if let Some(list) = on_table
                                .as_deref()
                                .and_then(|t| self.triggers.get_mut(key(t)))
                            {
                                list.retain(|t| t.name != *n);
                            }
                        }
                        _ => {}
                    }
                    match object {
                        ObjectKind::Table => {
                            // Dropping a partitioned table drops its partitions.
                            let mut gone = self.partitions(k);
                            gone.push(k.to_string());
                            for g in &gone {
                                self.tables.remove(g);
                                self.triggers.remove(g);
                                self.write_calls.remove(g);
                            }
                            // One pass over the indexes for all of them, not one per partition.
                            let gone: std::collections::HashSet<String> =
                                gone.into_iter().collect();
                            let defs = &mut self.index_defs;
                            self.indexes.retain(|name, (t, _)| {
                                let keep = !gone.contains(t);
                                if !keep {
                                    defs.remove(name);
                                }
                                keep
                            });
                        }
                        ObjectKind::Index => {
                            self.indexes.remove(k);
                            self.index_defs.remove(k);
                        }
                        ObjectKind::Type
                        | ObjectKind::Domain
                        | ObjectKind::Function
                        | ObjectKind::Procedure
                        | ObjectKind::Schema
                        | ObjectKind::Extension
                        | ObjectKind::Trigger
                        | ObjectKind::Policy
                        | ObjectKind::Rule => {
                            // `DROP FUNCTION f(int)`: the model keys functions by name only.
                            let name = n.split('(').next().unwrap_or(n);
                            self.objects
                                .remove(&(*object, object_key(*object, name, on_table.as_deref())));
                            if *object == ObjectKind::Type {
                                self.enum_values.remove(k);
                            }
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
                    let old = key(from).to_string();
                    if let Some(t) = self.tables.remove(&old) {
                        let new_key = match old.rsplit_once('.') {
                            Some((schema, _)) => format!("{schema}.{to}"),
                            None => to.clone(),
                        };
                        for (t_name, _) in self.indexes.values_mut() {
                            if *t_name == old {
                                *t_name = new_key.clone();
                            }
                        }
                        for other in self.tables.values_mut() {
                            if other.partition_of.as_deref() == Some(old.as_str()) {
                                other.partition_of = Some(new_key.clone());
                            }
                            for c in &mut other.constraints {
                                if c.references.as_deref() == Some(old.as_str()) {
                                    c.references = Some(new_key.clone());
                                }
                            }
                        }
                        if let Some(triggers) = self.triggers.remove(&old) {
                            self.triggers.insert(new_key.clone(), triggers);
                        }
                        if let Some(calls) = self.write_calls.remove(&old) {
                            self.write_calls.insert(new_key.clone(), calls);
                        }
                        self.tables.insert(new_key, t);
                    }
                }
                ObjectKind::Column => {
                    if let Some(t) = relation
                        .as_deref()
                        .and_then(|r| self.tables.get_mut(key(r)))
                    {
                        if let Some(c) = t.column_mut(from) {
                            c.name = to.clone();
                        }
                        for c in &mut t.constraints {
                            for col in &mut c.columns {
                                if col == from {
                                    *col = to.clone();
                                }
                            }
                        }
                    }
                }
                ObjectKind::Constraint => {
                    if let Some(t) = relation
                        .as_deref()
                        .and_then(|r| self.tables.get_mut(key(r)))
                        && let Some(c) = t
                            .constraints
                            .iter_mut()
                            .find(|c| c.name.as_deref() == Some(from))
                    {
                        c.name = Some(to.clone());
                    }
                }
                ObjectKind::Function | ObjectKind::Procedure => {
                    if let Some(mut r) = self.routines.remove(&key(from).to_ascii_lowercase()) {
                        r.name = to.to_ascii_lowercase();
                        self.routines.insert(r.name.clone(), r);
                    }
                }
                ObjectKind::Index => {
                    if let Some(v) = self.indexes.remove(key(from)) {
                        self.indexes.insert(to.clone(), v);
                    }
                    if let Some(d) = self.index_defs.remove(key(from)) {
                        self.index_defs.insert(to.clone(), d);
                    }
                }
                _ => {}
            },
            Change::AlterTable {
                table,
                cmd: TableCmd::AttachPartition { partition },
            } => {
                if let Some(p) = self.tables.get_mut(key(partition)) {
                    p.partition_of = Some(key(table).to_string());
                }
            }
            Change::AlterTable {
                cmd: TableCmd::DetachPartition { partition, .. },
                ..
            } => {
                if let Some(p) = self.tables.get_mut(key(partition)) {
                    p.partition_of = None;
                }
            }
            Change::AlterTable { table, cmd } => {
                let k = key(table).to_string();
                let Some(t) = self.tables.get_mut(&k) else {
                    return;
                };
                match cmd {
                    TableCmd::AddColumn { column, .. } if t.column(&column.name).is_none() => {
                        t.columns.push(Column {
                            name: column.name.clone(),
                            type_name: column.type_name.clone(),
                            not_null: column.not_null,
                            default: default_key(column),
                        });
                        t.constraints
                            .extend(column.constraints.iter().map(|s| constraint(&k, s)));
                    }
                    TableCmd::DropColumn { column, .. } => {
                        t.columns.retain(|c| &c.name != column);
                        // Indexes and constraints involving the column go with it.
                        t.constraints.retain(|c| !c.columns.contains(column));
                    }
                    TableCmd::AlterColumnType {
                        column, type_name, ..
                    } => {
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
                    TableCmd::SetDefault { column } => {
                        // The expression is not in the facts; a default is a default.
                        if let Some(c) = t.column_mut(column)
                            && c.default.is_none()
                        {
                            c.default = Some("constant".into());
                        }
                    }
                    TableCmd::DropDefault { column } => {
                        if let Some(c) = t.column_mut(column) {
                            c.default = None;
                        }
                    }
                    TableCmd::AddConstraint(spec) => {
                        t.constraints.push(constraint(&k, spec));
                        // `USING INDEX idx` with a constraint name renames the index.
                        if let (Some(index), Some(name)) = (&spec.using_index, &spec.name)
                            && let Some(v) = self.indexes.remove(key(index))
                        {
                            self.indexes.insert(name.clone(), v);
                        }
                    }
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

fn constraint(table: &str, spec: &ConstraintSpec) -> Constraint {
    Constraint {
        name: spec
            .name
            .clone()
            .or_else(|| default_constraint_name(table, spec)),
        kind: spec.kind,
        validated: !spec.not_valid,
        proves_not_null: spec.proves_not_null.clone(),
        columns: spec.columns.clone(),
        references: spec.references.as_deref().map(|r| key(r).to_string()),
    }
}

/// PostgreSQL's default constraint name: `<table>_<columns>_<suffix>`.
pub fn default_name(table: &str, columns: &[String], suffix: &str) -> String {
    let table = table.rsplit('.').next().unwrap_or(table);
    if columns.is_empty() {
        format!("{table}_{suffix}")
    } else {
        format!("{table}_{}_{suffix}", columns.join("_"))
    }
}

/// The name PostgreSQL gives an unnamed constraint: `users_pkey`, `users_email_key`,
/// `orders_user_id_fkey`, `users_age_check` (a CHECK written on a column). `None` when it
/// depends on more than rollsafe knows (a table CHECK names the first column its expression
/// uses). A name already taken gets a number appended by PostgreSQL; that is not modelled.
pub fn default_constraint_name(table: &str, spec: &ConstraintSpec) -> Option<String> {
    let relname = table.rsplit('.').next().unwrap_or(table);
    let columns = spec.columns.join("_");
    if let Some(index) = &spec.using_index {
        // `ADD PRIMARY KEY / UNIQUE USING INDEX idx` names the constraint after the index.
        return Some(index.clone());
    }
    let (middle, label) = match spec.kind {
        ConstraintKind::PrimaryKey => ("", "pkey"),
        ConstraintKind::Unique if !columns.is_empty() => (columns.as_str(), "key"),
        ConstraintKind::ForeignKey if !columns.is_empty() => (columns.as_str(), "fkey"),
        // PostgreSQL names a CHECK after the one column it reads, or after the table alone.
        ConstraintKind::Check if spec.columns.len() == 1 => (columns.as_str(), "check"),
        ConstraintKind::Check => ("", "check"),
        _ => return None,
    };
    Some(object_name(relname, middle, label))
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, truncating the longer of `name1` and
/// `name2` until it fits in 63 bytes.
fn object_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(!name2.is_empty());
    let avail = MAX.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.len();
    while n1 + n2 > avail {
        if n1 > n2 { n1 -= 1 } else { n2 -= 1 }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if !name2.is_empty() {
        out.push('_');
        out.push_str(&clip(name2, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}
