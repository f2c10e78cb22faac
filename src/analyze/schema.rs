//! The schema model replayed through the migrations in order: tables, columns, indexes and
//! constraints created so far, and by which unit. Rules use it to avoid false positives (a lock
//! on a table created earlier in the same change blocks no one) and lock analysis uses it for
//! facts that depend on the current column type or constraints.

/// The model's maps and sets. The replay runs serially and looks names up at every statement;
/// foldhash costs a fraction of std's SipHash on these short keys and is still seeded per
/// process. No listing of the model reaches the output in their order: every one is sorted.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use super::change::*;
use super::facts::Cascaded;
use super::identity::{base_name, qualify, schema_of};
use super::procedural::{Body, TriggerEvents};
use std::sync::Arc;

/// A function or procedure created by the migrations, as the replay last saw it.
#[derive(Debug, Clone)]
pub struct Routine {
    pub name: String,
    /// The input parameters' names, in order.
    pub params: Vec<String>,
    pub body: Body,
    /// The positions of the statement that defines it, without the file's text
    /// ([`crate::source::SourceFile::excerpt`]): the body's spans are offsets into the file.
    pub source: std::sync::Arc<crate::source::SourceFile>,
}

/// A trigger created by the migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub name: String,
    pub function: String,
    pub events: TriggerEvents,
}

/// One per column of every table alive in the history, 24 bytes: all but its name is a
/// [`ColumnShape`] shared with every column alike ([`Shared`]); a long history has thousands of
/// columns and a few dozen distinct shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: Box<str>,
    shape: Arc<ColumnShape>,
}

/// A column's type, nullability and default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ColumnShape {
    type_name: Arc<TypeName>,
    not_null: bool,
    default: Option<Arc<str>>,
    sequence: Option<Box<str>>,
}

impl Column {
    pub fn type_name(&self) -> &TypeName {
        &self.shape.type_name
    }
    pub fn not_null(&self) -> bool {
        self.shape.not_null
    }
    /// Whether it has a default, and what decides it (the function called, or `constant`).
    pub fn default(&self) -> Option<&str> {
        self.shape.default.as_deref()
    }
    /// The sequence its default draws from (`nextval('seq')`, or a serial column's own).
    pub fn sequence(&self) -> Option<&str> {
        self.shape.sequence.as_deref()
    }
}

/// 72 bytes: its strings never grow, so they are boxed without spare capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// As written, or the name PostgreSQL chooses for an unnamed PRIMARY KEY, UNIQUE, FOREIGN
    /// KEY or column CHECK constraint (`users_pkey`, `orders_user_id_fkey`, ...).
    pub name: Option<Box<str>>,
    pub kind: ConstraintKind,
    pub validated: bool,
    pub proves_not_null: Option<Box<str>>,
    /// The constrained columns (for a FOREIGN KEY: the referencing columns).
    pub columns: Box<[String]>,
    /// The referenced table of a FOREIGN KEY (a [`key`]).
    pub references: Option<Box<str>>,
}

/// 72 bytes, boxed in [`Schema::tables`] (a map at a quarter load stores its values inline).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// The unit (index into the migration set) that created it.
    pub created_by: Option<usize>,
    /// What few tables have; `None` when empty.
    links: Option<Box<Links>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Links {
    partition_of: Option<String>,
    inherits: Vec<String>,
}

impl Table {
    /// The partitioned table this table is a partition of (a [`key`]).
    pub fn partition_of(&self) -> Option<&str> {
        self.links.as_ref()?.partition_of.as_deref()
    }
    /// The tables it inherits from (keys).
    pub fn inherits(&self) -> &[String] {
        self.links.as_ref().map_or(&[], |l| &l.inherits)
    }
    /// Change its links, keeping `None` for none.
    fn relink(&mut self, change: impl FnOnce(&mut Links)) {
        let mut links = self.links.take().unwrap_or_default();
        change(&mut links);
        if links.partition_of.is_some() || !links.inherits.is_empty() {
            self.links = Some(links);
        }
    }
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| &*c.name == name)
    }
    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| &*c.name == name)
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
    pub tables: HashMap<String, Box<Table>>,
    /// Index name → (table, creating unit).
    /// (Index names are shared with `index_defs` and `index_of_table`.)
    pub indexes: HashMap<Arc<str>, (String, Option<usize>)>,
    /// Other relations (views, materialized views, sequences) → creating unit.
    pub others: HashMap<String, Option<usize>>,
    /// What each of `others` is (view, materialized view, sequence, foreign table).
    pub other_kinds: HashMap<String, ObjectKind>,
    /// Table → the indexes on it (a superset: a dropped or renamed index may stay listed;
    /// `indexes` decides). Lets a table rename or move retarget its indexes without a scan of
    /// every index.
    index_of_table: HashMap<String, Vec<Arc<str>>>,
    /// Tables that are (or were) inherited from and sequences column defaults draw from:
    /// supersets that let a rename or move skip its scans of every
    /// table, view and column in the common case.
    inherited: HashSet<String>,
    drawn: HashSet<String>,
    /// Relation → the views that read it (a superset, like `index_of_table`).
    readers_of: HashMap<String, Vec<String>>,
    /// Tables that have (or once had) partitions, and tables that are (or once were) referenced
    /// by a foreign key. Supersets, kept so `partitions` and `referencing` can skip their scan of
    /// every table in the common case: without them the replay is quadratic.
    parents: HashSet<String>,
    referenced: HashSet<String>,
    /// Referenced table → the tables that declared a foreign key to it (a superset, like
    /// `index_of_table`; `referencing` checks each against the model), so `referencing` costs
    /// what references the table, not a scan of every table.
    referencers: HashMap<String, Vec<String>>,
    /// Key columns, method and uniqueness of indexes whose CREATE INDEX the replay saw.
    pub index_defs: HashMap<Arc<str>, IndexDef>,
    /// Types, domains, functions, procedures, schemas, extensions, triggers and policies by
    /// kind and name (a trigger or policy as `table.name`), with the creating unit.
    pub objects: HashMap<(ObjectKind, String), Option<usize>>,
    /// Enum values added with `ALTER TYPE ... ADD VALUE`, per type.
    pub enum_values: HashMap<String, Vec<String>>,
    /// Functions and procedures by name (lower-case, `public.` dropped; overloads share one
    /// entry, the last created).
    pub routines: HashMap<String, Box<Routine>>,
    /// Triggers by the table (a [`key`]) they are on.
    pub triggers: HashMap<String, Vec<Trigger>>,
    /// Functions a table's defaults, checks and index expressions call on every row written,
    /// by table (a [`key`]).
    pub write_calls: HashMap<String, Vec<Arc<str>>>,
    /// The relations each view or materialized view reads (what `DROP ... CASCADE` drops
    /// with them). Kept for views that no longer exist too; [`Schema::dependent_views`] skips
    /// those.
    pub view_reads: HashMap<String, Vec<String>>,
    shared: Shared,
}

/// The column types and shapes of the model and its words (what decides a default, index
/// methods, functions called by writes), each stored once: a long history has thousands of
/// columns, indexes and tables and a few dozen distinct types, shapes and words.
#[derive(Debug, Clone, Default)]
struct Shared {
    types: HashSet<Arc<TypeName>>,
    words: HashSet<Arc<str>>,
    shapes: HashSet<Arc<ColumnShape>>,
}

impl Shared {
    fn type_name(&mut self, type_name: &TypeName) -> Arc<TypeName> {
        if let Some(t) = self.types.get(type_name) {
            return t.clone();
        }
        let t = Arc::new(type_name.clone());
        self.types.insert(t.clone());
        t
    }

    fn word(&mut self, word: &str) -> Arc<str> {
        if let Some(w) = self.words.get(word) {
            return w.clone();
        }
        let w: Arc<str> = Arc::from(word);
        self.words.insert(w.clone());
        w
    }

    fn shape(&mut self, shape: ColumnShape) -> Arc<ColumnShape> {
        if let Some(s) = self.shapes.get(&shape) {
            return s.clone();
        }
        let s = Arc::new(shape);
        self.shapes.insert(s.clone());
        s
    }

    /// A column of the model for `spec`, on the table `table` (a [`key`]).
    fn column(&mut self, table: &str, spec: &ColumnSpec) -> Column {
        let shape = ColumnShape {
            type_name: self.type_name(&spec.type_name),
            not_null: spec.not_null,
            default: default_key(spec).map(|d| self.word(d)),
            sequence: default_sequence(table, spec).map(String::into_boxed_str),
        };
        Column {
            name: spec.name.as_str().into(),
            shape: self.shape(shape),
        }
    }

    /// Change what `column` is beyond its name.
    fn reshape(&mut self, column: &mut Column, change: impl FnOnce(&mut ColumnShape)) {
        let mut shape = (*column.shape).clone();
        change(&mut shape);
        if shape != *column.shape {
            column.shape = self.shape(shape);
        }
    }

    /// `column` without its default (and the sequence it drew from).
    fn drop_default(&mut self, column: &mut Column) {
        self.reshape(column, |s| {
            s.default = None;
            s.sequence = None;
        });
    }
}

/// What the replay knows of an index beyond its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub columns: Vec<String>,
    pub method: Arc<str>,
    pub unique: bool,
}

/// Push onto a list the model keeps to the end of the run: most hold one or two items, for
/// which `Vec::push` would make room for four. Grows by a quarter (still amortised linear).
pub fn push_compact<T>(list: &mut Vec<T>, item: T) {
    if list.len() == list.capacity() {
        list.reserve_exact(list.len() / 4 + 1);
    }
    list.push(item);
}

/// A column's default as the model records it (see [`Column::default`]).
pub fn default_key(spec: &ColumnSpec) -> Option<&str> {
    let d = spec.default.as_ref().filter(|d| !d.is_null)?;
    Some(d.function.as_deref().unwrap_or("constant"))
}

/// The sequence a column's default draws from, as a relation key: `nextval('seq')`'s, or the
/// `<table>_<column>_seq` a serial column creates in its table's schema.
fn default_sequence(table: &str, spec: &ColumnSpec) -> Option<String> {
    if spec.is_serial() {
        let name = object_name(base_name(table), &spec.name, "seq");
        return Some(qualify(schema_of(table), &name));
    }
    let seq = spec.default.as_ref()?.sequence.as_deref()?;
    Some(key(seq).to_string())
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

/// Tables, views, materialized views, sequences, indexes and foreign tables share one
/// namespace per schema: a name means one of them.
pub fn is_relation(object: ObjectKind) -> bool {
    matches!(
        object,
        ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::Index
            | ObjectKind::ForeignTable
    )
}

/// The key of `from` renamed to `to`: a rename keeps the schema.
pub fn renamed_key(from: &str, to: &str) -> String {
    qualify(schema_of(from), to)
}

/// Unqualified `public.x` and `x` name the same relation for our purposes.
pub fn key(name: &str) -> &str {
    name.strip_prefix("public.").unwrap_or(name)
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(key(name)).map(|t| &**t)
    }

    /// Whether the replay knows a relation (table, index, view, sequence, ...) by this name.
    pub fn has_relation(&self, name: &str) -> bool {
        let k = key(name);
        self.tables.contains_key(k) || self.indexes.contains_key(k) || self.others.contains_key(k)
    }

    /// Whether the replay knows a type or domain by this name.
    pub fn has_type(&self, name: &str) -> bool {
        let k = key(name).to_string();
        self.enum_values.contains_key(&k)
            || [ObjectKind::Type, ObjectKind::Domain]
                .into_iter()
                .any(|kind| self.objects.contains_key(&(kind, k.clone())))
    }

    /// What kind of relation the replay knows by this name: a table, an index (one created
    /// with CREATE INDEX, or the index of a PRIMARY KEY, UNIQUE or EXCLUDE constraint), or
    /// what it was created as.
    pub fn relation_kind(&self, name: &str) -> Option<ObjectKind> {
        let k = key(name);
        if self.tables.contains_key(k) {
            return Some(ObjectKind::Table);
        }
        if self.indexes.contains_key(k) {
            return Some(ObjectKind::Index);
        }
        if self.others.contains_key(k) {
            return Some(self.other_kinds.get(k).copied().unwrap_or(ObjectKind::View));
        }
        let (schema, base) = (schema_of(k), base_name(k));
        let constraint_index = self.tables.iter().any(|(t, table)| {
            schema_of(t) == schema
                && table.constraints.iter().any(|c| {
                    matches!(
                        c.kind,
                        ConstraintKind::PrimaryKey
                            | ConstraintKind::Unique
                            | ConstraintKind::Exclusion
                    ) && c.name.as_deref() == Some(base)
                })
        });
        constraint_index.then_some(ObjectKind::Index)
    }

    /// Whether the replay knows `name` as a relation other than an index (what `ALTER INDEX
    /// ... RENAME` also renames).
    pub fn is_non_index_relation(&self, name: &str) -> bool {
        let k = key(name);
        self.tables.contains_key(k) || self.others.contains_key(k)
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
        let mut children: HashMap<&str, Vec<&str>> = HashMap::default();
        for (name, t) in &self.tables {
            if let Some(parent) = t.partition_of() {
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
        self.table(table).and_then(|t| t.partition_of())
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
            .referencers
            .get(k)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|name| {
                name.as_str() != k
                    && self.tables.get(name.as_str()).is_some_and(|t| {
                        t.constraints.iter().any(|c| {
                            c.kind == ConstraintKind::ForeignKey
                                && c.references.as_deref() == Some(k)
                        })
                    })
            })
            .cloned()
            .collect();
        out.sort_unstable();
        out.dedup();
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
            .map(|c| c.columns.to_vec())
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
            let reads: Vec<String> = reads.iter().map(|r| key(r).to_string()).collect();
            for r in &reads {
                let readers = self.readers_of.entry(r.clone()).or_default();
                push_compact(readers, view.clone());
            }
            self.view_reads.insert(view, reads);
        }
    }

    /// What `DROP <object> <names> CASCADE` drops besides what it names, as far as the replay
    /// knows: views on a dropped relation (and views on those), the foreign keys that
    /// reference a dropped table, tables that inherit from one, the defaults that draw from a
    /// dropped sequence, the columns of a dropped type, the defaults, triggers and checks that
    /// call a dropped function, everything in a dropped schema, and in turn what depends on
    /// those. The reverse links are built once per call: linear in the model.
    pub fn cascade(&self, object: ObjectKind, names: &[String]) -> Vec<Cascaded> {
        use std::collections::HashSet;
        let mut out: Vec<Cascaded> = Vec::new();
        // Relations dropped (named, partitions of named tables, and reached), to walk.
        let mut dropped: Vec<String> = Vec::new();
        let mut gone: HashSet<String> = HashSet::new();
        // Every table, sorted (deterministic output): only the kinds that must look at every
        // table pay for it; a relation's dependants come from the reverse indexes below.
        let all_tables = || {
            let mut tables: Vec<(&String, &Table)> =
                self.tables.iter().map(|(k, t)| (k, &**t)).collect();
            tables.sort_by(|x, y| x.0.cmp(y.0));
            tables
        };
        match object {
            ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::ForeignTable => {
                for n in names {
                    let k = key(n).to_string();
                    if object == ObjectKind::Table {
                        for p in self.partitions(&k) {
                            if gone.insert(p.clone()) {
                                dropped.push(p);
                            }
                        }
                    }
                    if gone.insert(k.clone()) {
                        dropped.push(k);
                    }
                }
            }
            ObjectKind::Type | ObjectKind::Domain => {
                let types: HashSet<&str> = names.iter().map(|n| key(n)).collect();
                for (t, table) in &all_tables() {
                    for c in &table.columns {
                        if types.contains(key(&c.type_name().name)) {
                            out.push(Cascaded::Column {
                                table: (*t).clone(),
                                column: c.name.to_string(),
                            });
                        }
                    }
                }
            }
            ObjectKind::Function | ObjectKind::Procedure => {
                let plain = |f: &str| {
                    base_name(f.split('(').next().unwrap_or(f))
                        .trim()
                        .to_ascii_lowercase()
                };
                let functions: HashSet<String> = names.iter().map(|n| plain(n)).collect();
                for (t, table) in &all_tables() {
                    let mut by_default = false;
                    for c in &table.columns {
                        if c.default().is_some_and(|f| functions.contains(&plain(f))) {
                            by_default = true;
                            out.push(Cascaded::Default {
                                table: (*t).clone(),
                                column: c.name.to_string(),
                            });
                        }
                    }
                    for tr in self.triggers.get(t.as_str()).map_or(&[][..], Vec::as_slice) {
                        if functions.contains(&plain(&tr.function)) {
                            out.push(Cascaded::Trigger {
                                table: (*t).clone(),
                                name: tr.name.clone(),
                            });
                        }
                    }
                    let calls = self.write_calls.get(t.as_str());
                    if !by_default
                        && calls.is_some_and(|fs| fs.iter().any(|f| functions.contains(&plain(f))))
                    {
                        out.push(Cascaded::Expressions {
                            table: (*t).clone(),
                        });
                    }
                }
            }
            ObjectKind::Schema => {
                let schemas: HashSet<&str> = names.iter().map(String::as_str).collect();
                let mut in_schema: Vec<(String, Cascaded)> = Vec::new();
                for (t, _) in &all_tables() {
                    if schemas.contains(schema_of(t)) {
                        in_schema.push(((*t).clone(), Cascaded::Table { name: (*t).clone() }));
                    }
                }
                let mut others: Vec<(&String, &Option<usize>)> = self.others.iter().collect();
                others.sort_by(|x, y| x.0.cmp(y.0));
                for (o, _) in others {
                    if schemas.contains(schema_of(o)) {
                        let c = match self.other_kinds.get(o) {
                            Some(ObjectKind::View | ObjectKind::MaterializedView) => {
                                Cascaded::View { name: o.clone() }
                            }
                            _ => Cascaded::Relation { name: o.clone() },
                        };
                        in_schema.push((o.clone(), c));
                    }
                }
                for (k, c) in in_schema {
                    if gone.insert(k.clone()) {
                        dropped.push(k);
                        out.push(c);
                    }
                }
                // Columns elsewhere of the schema's types.
                let mut types: Vec<String> = self
                    .objects
                    .keys()
                    .filter(|(kind, n)| {
                        matches!(kind, ObjectKind::Type | ObjectKind::Domain)
                            && schemas.contains(schema_of(n))
                    })
                    .map(|(_, n)| n.clone())
                    .collect();
                types.sort();
                for c in self.cascade(ObjectKind::Type, &types) {
                    if !gone.contains(c.relation()) {
                        out.push(c);
                    }
                }
            }
            _ => {}
        }
        if dropped.is_empty() {
            return out;
        }
        // Dependants of each dropped relation, from the replay's reverse indexes (supersets,
        // checked against the model), so a CASCADE costs what it reaches, not the whole schema.
        let mut fks: Vec<String> = Vec::new();
        let mut i = 0;
        while i < dropped.len() {
            let r = dropped[i].clone();
            i += 1;
            let mut readers: Vec<&str> = self
                .readers_of
                .get(r.as_str())
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(String::as_str)
                .filter(|v| {
                    self.others.contains_key(*v)
                        && self
                            .view_reads
                            .get(*v)
                            .is_some_and(|reads| reads.contains(&r))
                })
                .collect();
            readers.sort_unstable();
            readers.dedup();
            for v in readers {
                if gone.insert(v.to_string()) {
                    dropped.push(v.to_string());
                    out.push(Cascaded::View {
                        name: v.to_string(),
                    });
                }
            }
            if self.inherited.contains(r.as_str()) {
                let mut heirs: Vec<&String> = self
                    .tables
                    .iter()
                    .filter(|(_, t)| t.inherits().contains(&r))
                    .map(|(name, _)| name)
                    .collect();
                heirs.sort();
                for c in heirs {
                    if gone.insert(c.clone()) {
                        dropped.push(c.clone());
                        for p in self.partitions(c) {
                            if gone.insert(p.clone()) {
                                dropped.push(p);
                            }
                        }
                        out.push(Cascaded::Table { name: c.clone() });
                    }
                }
            }
            for t in self.referencing(&r) {
                if !fks.contains(&t) {
                    fks.push(t);
                }
            }
            if self.drawn.contains(r.as_str()) {
                let mut drawers: Vec<(&String, &str)> = self
                    .tables
                    .iter()
                    .flat_map(|(t, table)| {
                        table
                            .columns
                            .iter()
                            .filter(|c| c.sequence() == Some(r.as_str()))
                            .map(move |c| (t, &*c.name))
                    })
                    .collect();
                drawers.sort_by(|x, y| x.0.cmp(y.0));
                for (t, c) in drawers {
                    out.push(Cascaded::Default {
                        table: t.clone(),
                        column: c.to_string(),
                    });
                }
            }
        }
        // A foreign key of a table that is itself dropped goes with it.
        for t in fks {
            if !gone.contains(&t) {
                out.push(Cascaded::ForeignKeys { table: t });
            }
        }
        out.retain(|c| match c {
            Cascaded::Default { table, .. } | Cascaded::Column { table, .. } => {
                !gone.contains(table)
            }
            _ => true,
        });
        out
    }

    /// Forget what a CASCADE dropped with the objects it names.
    fn drop_reached(&mut self, reached: &[Cascaded]) {
        let mut tables_gone = false;
        for c in reached {
            match c {
                Cascaded::View { name } | Cascaded::Relation { name } => {
                    self.others.remove(name);
                    self.other_kinds.remove(name);
                }
                Cascaded::Table { name } => {
                    self.tables.remove(name);
                    self.triggers.remove(name);
                    self.write_calls.remove(name);
                    tables_gone = true;
                }
                Cascaded::Column { table, column } => {
                    if let Some(t) = self.tables.get_mut(table) {
                        t.columns.retain(|c| *c.name != **column);
                        t.constraints.retain(|c| !c.columns.contains(column));
                    }
                }
                Cascaded::Default { table, column } => {
                    if let Some(c) = self
                        .tables
                        .get_mut(table)
                        .and_then(|t| t.column_mut(column))
                    {
                        self.shared.drop_default(c);
                    }
                }
                Cascaded::Trigger { table, name } => {
                    if let Some(list) = self.triggers.get_mut(table) {
                        list.retain(|t| &t.name != name);
                    }
                }
                Cascaded::ForeignKeys { .. } | Cascaded::Expressions { .. } => {}
            }
        }
        if tables_gone {
            let tables = &self.tables;
            self.indexes.retain(|_, (t, _)| tables.contains_key(t));
        }
    }

    /// Tables that inherit from `table` (directly), sorted.
    pub fn inheritors(&self, table: &str) -> Vec<String> {
        let k = key(table);
        let mut out: Vec<String> = self
            .tables
            .iter()
            .filter(|(_, t)| t.inherits().iter().any(|p| p == k))
            .map(|(name, _)| name.clone())
            .collect();
        out.sort();
        out
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

    /// Record the functions that `table`'s defaults, checks and index expressions call.
    pub fn note_write_calls(&mut self, table: &str, functions: &[String]) {
        let list = self.write_calls.entry(key(table).to_string()).or_default();
        for f in functions {
            if !list.iter().any(|g| **g == **f) {
                push_compact(list, self.shared.word(f));
            }
        }
    }

    /// Record that `table` holds a foreign key to `referenced` (a [`key`]), for `referencing`.
    fn note_referencer(&mut self, referenced: &str, table: &str) {
        let list = self.referencers.entry(referenced.to_string()).or_default();
        if list.last().map(String::as_str) != Some(table) {
            push_compact(list, table.to_string());
        }
    }

    /// Record the foreign keys of a table put into the model as a whole (the snapshot's copies
    /// of the model), for `referencing`.
    pub fn note_table_links(&mut self, table: &str) {
        let Some(t) = self.tables.get(table) else {
            return;
        };
        let targets: Vec<Box<str>> = t
            .constraints
            .iter()
            .filter_map(|c| c.references.clone())
            .collect();
        for r in targets {
            self.note_referencer(&r, table);
        }
    }

    /// Record partition parents and foreign-key targets for the fast paths above.
    fn note_links(&mut self, change: &Change) {
        let note_fk = |c: &ConstraintSpec, table: &str, schema: &mut Schema| {
            if let Some(r) = &c.references {
                schema.referenced.insert(key(r).to_string());
                schema.note_referencer(key(r), key(table));
            }
        };
        match change {
            Change::CreateTable {
                table,
                columns,
                constraints,
                partition_of,
                inherits,
                ..
            } => {
                if let Some(p) = partition_of {
                    self.parents.insert(key(p).to_string());
                }
                self.inherited
                    .extend(inherits.iter().map(|p| key(p).to_string()));
                let k = key(table).to_string();
                self.drawn
                    .extend(columns.iter().filter_map(|c| default_sequence(&k, c)));
                for c in columns
                    .iter()
                    .flat_map(|c| &c.constraints)
                    .chain(constraints)
                {
                    note_fk(c, table, self);
                }
            }
            Change::AlterTable { table, cmd } => match cmd {
                TableCmd::AttachPartition { .. } => {
                    self.parents.insert(key(table).to_string());
                }
                TableCmd::AddColumn { column, .. } => {
                    for c in &column.constraints {
                        note_fk(c, table, self);
                    }
                    self.drawn.extend(default_sequence(key(table), column));
                }
                TableCmd::SetDefault {
                    expr:
                        Some(DefaultExpr {
                            sequence: Some(seq),
                            ..
                        }),
                    ..
                } => {
                    self.drawn.insert(key(seq).to_string());
                }
                TableCmd::AddConstraint(c) => note_fk(c, table, self),
                _ => {}
            },
            Change::Rename {
                object, from, to, ..
            } if is_relation(*object) => {
                self.note_moved(key(from), &renamed_key(from, to));
            }
            Change::SetSchema {
                object,
                name,
                schema,
            } if is_relation(*object) => {
                self.note_moved(key(name), &qualify(schema, base_name(name)));
            }
            _ => {}
        }
    }

    /// The object `change` created is not `unit`'s own: it existed before (see
    /// `identity::BaseObjects`). Nothing changes if `unit` did not create it.
    pub fn disown(&mut self, change: &Change, unit: usize) {
        let mine = |u: &mut Option<usize>| {
            if *u == Some(unit) {
                *u = None;
            }
        };
        match change {
            Change::CreateTable { table, .. } => {
                if let Some(t) = self.tables.get_mut(key(table)) {
                    mine(&mut t.created_by);
                }
            }
            Change::CreateIndex {
                index: Some(index), ..
            } => {
                if let Some((_, u)) = self.indexes.get_mut(key(index)) {
                    mine(u);
                }
            }
            Change::Create {
                object,
                name,
                on_table,
                ..
            } => {
                if let Some(u) = self.others.get_mut(key(name)) {
                    mine(u);
                }
                if let Some(u) = self
                    .objects
                    .get_mut(&(*object, object_key(*object, name, on_table.as_deref())))
                {
                    mine(u);
                }
            }
            _ => {}
        }
    }

    /// Record an index on a table (also for the snapshot's copies of the model).
    pub fn insert_index(&mut self, name: Arc<str>, entry: (String, Option<usize>)) {
        let on_table = self.index_of_table.entry(entry.0.clone()).or_default();
        push_compact(on_table, name.clone());
        self.indexes.insert(name, entry);
    }

    /// Relations share a namespace: `CREATE SEQUENCE IF NOT EXISTS users` when a table `users`
    /// exists creates nothing.
    fn create_other(&mut self, object: ObjectKind, name: &str, unit: usize) {
        if !self.has_relation(name) {
            self.others.insert(key(name).to_string(), Some(unit));
            self.other_kinds.insert(key(name).to_string(), object);
        }
    }

    /// A serial column creates its sequence with the column.
    fn note_serial_sequences(&mut self, columns: &[Column], specs: &[ColumnSpec], unit: usize) {
        for (c, spec) in columns.iter().zip(specs) {
            if let (true, Some(seq)) = (spec.is_serial(), c.sequence())
                && !self.has_relation(seq)
            {
                self.others.insert(seq.to_string(), Some(unit));
                self.other_kinds
                    .insert(seq.to_string(), ObjectKind::Sequence);
            }
        }
    }

    fn note_moved(&mut self, old: &str, new: &str) {
        for set in [&mut self.parents, &mut self.referenced, &mut self.inherited] {
            if set.contains(old) {
                set.insert(new.to_string());
            }
        }
    }

    /// A relation renamed or moved to another schema: whatever the model holds under `old`
    /// (with its creating unit) is now under `new`, and what refers to it follows.
    fn move_relation(&mut self, old: &str, new: String) {
        if old == new {
            return;
        }
        let old = old.to_string();
        if let Some(t) = self.tables.remove(&old) {
            // Its indexes move with a table to its new schema.
            let moved_schema = (schema_of(&old) != schema_of(&new)).then(|| schema_of(&new));
            for index in self.index_of_table.remove(&old).unwrap_or_default() {
                let Some((t_name, unit)) = self.indexes.get(&index).cloned() else {
                    continue;
                };
                if t_name != old {
                    continue; // listed, but no longer on this table
                }
                let to = match moved_schema {
                    Some(schema) => qualify(schema, base_name(&index)).into(),
                    None => index.clone(),
                };
                self.indexes.remove(&index);
                if let Some(d) = self.index_defs.remove(&index) {
                    self.index_defs.insert(to.clone(), d);
                }
                self.insert_index(to, (new.clone(), unit));
            }
            let linked = self.parents.contains(&old)
                || self.referenced.contains(&old)
                || self.inherited.contains(&old);
            for other in self.tables.values_mut().filter(|_| linked) {
                if other.partition_of() == Some(old.as_str()) || other.inherits().contains(&old) {
                    other.relink(|links| {
                        if links.partition_of.as_deref() == Some(old.as_str()) {
                            links.partition_of = Some(new.clone());
                        }
                        for parent in &mut links.inherits {
                            if *parent == old {
                                *parent = new.clone();
                            }
                        }
                    });
                }
                for c in &mut other.constraints {
                    if c.references.as_deref() == Some(old.as_str()) {
                        c.references = Some(new.as_str().into());
                    }
                }
            }
            if let Some(triggers) = self.triggers.remove(&old) {
                self.triggers.insert(new.clone(), triggers);
            }
            if let Some(calls) = self.write_calls.remove(&old) {
                self.write_calls.insert(new.clone(), calls);
            }
            // Its foreign keys now belong to `new`, and what referenced it references `new`.
            for r in t.constraints.iter().filter_map(|c| c.references.as_deref()) {
                let list = self.referencers.entry(r.to_string()).or_default();
                list.push(new.clone());
            }
            // Copied, not moved: a foreign key the model did not retarget (its own, to itself)
            // still names `old`.
            if let Some(list) = self.referencers.get(&old).cloned() {
                self.referencers
                    .entry(new.clone())
                    .or_default()
                    .extend(list);
            }
            self.tables.insert(new.clone(), t);
        } else if let Some(u) = self.others.remove(&old) {
            if let Some(reads) = self.view_reads.remove(&old) {
                for r in &reads {
                    self.readers_of
                        .entry(r.clone())
                        .or_default()
                        .push(new.clone());
                }
                self.view_reads.insert(new.clone(), reads);
            }
            if let Some(kind) = self.other_kinds.remove(&old) {
                self.other_kinds.insert(new.clone(), kind);
            }
            self.others.insert(new.clone(), u);
        } else if let Some(v) = self.indexes.remove(old.as_str()) {
            let new: Arc<str> = new.into();
            self.insert_index(new.clone(), v);
            if let Some(d) = self.index_defs.remove(old.as_str()) {
                self.index_defs.insert(new, d);
            }
            return;
        } else {
            return;
        }
        // Views read relations by identity, and columns default to sequences by identity.
        if let Some(views) = self.readers_of.remove(&old) {
            for v in &views {
                for r in self.view_reads.get_mut(v).into_iter().flatten() {
                    if *r == old {
                        *r = new.clone();
                    }
                }
            }
            self.readers_of
                .entry(new.clone())
                .or_default()
                .extend(views);
        }
        if self.drawn.contains(&old) {
            self.drawn.insert(new.clone());
            let shared = &mut self.shared;
            for t in self.tables.values_mut() {
                for c in &mut t.columns {
                    if c.sequence() == Some(old.as_str()) {
                        shared.reshape(c, |s| s.sequence = Some(new.as_str().into()));
                    }
                }
            }
        }
    }

    /// A type or domain renamed or moved: the columns of that type follow it.
    fn move_type(&mut self, kind: ObjectKind, old: &str, new: String) {
        if old == new {
            return;
        }
        if let Some(u) = self.objects.remove(&(kind, old.to_string())) {
            self.objects.insert((kind, new.clone()), u);
        }
        if let Some(values) = self.enum_values.remove(old) {
            self.enum_values.insert(new.clone(), values);
        }
        let shared = &mut self.shared;
        for t in self.tables.values_mut() {
            for c in &mut t.columns {
                if key(&c.type_name().name) == old {
                    let type_name = shared.type_name(&TypeName {
                        name: new.clone(),
                        ..c.type_name().clone()
                    });
                    shared.reshape(c, |s| s.type_name = type_name);
                }
            }
        }
    }

    fn apply_change(&mut self, change: &Change, unit: usize) {
        match change {
            Change::CreateTable {
                table,
                columns,
                constraints,
                partition_of,
                inherits,
                ..
            } => {
                let k = key(table).to_string();
                if self.has_relation(&k) {
                    // IF NOT EXISTS of an existing relation (of any kind: they share a
                    // namespace) changes nothing; without it the server refuses.
                    return;
                }
                // Exactly as many as it has: every table stays in the model to the end.
                let mut t = Box::new(Table {
                    columns: Vec::with_capacity(columns.len()),
                    constraints: Vec::with_capacity(
                        constraints.len()
                            + columns.iter().map(|c| c.constraints.len()).sum::<usize>(),
                    ),
                    created_by: Some(unit),
                    links: None,
                });
                t.relink(|links| {
                    links.partition_of = partition_of.as_deref().map(|p| key(p).to_string());
                    links.inherits = inherits.iter().map(|p| key(p).to_string()).collect();
                });
                for c in columns {
                    t.columns.push(self.shared.column(&k, c));
                    t.constraints
                        .extend(c.constraints.iter().map(|s| constraint(&k, s)));
                }
                t.constraints
                    .extend(constraints.iter().map(|s| constraint(&k, s)));
                self.note_serial_sequences(&t.columns, columns, unit);
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
                if self.has_relation(index) {
                    return; // IF NOT EXISTS of an existing relation changes nothing.
                }
                let name: Arc<str> = key(index).into();
                self.index_defs.insert(
                    name.clone(),
                    IndexDef {
                        columns: columns.clone(),
                        method: self.shared.word(method),
                        unique: *unique,
                    },
                );
                self.insert_index(name, (key(table).to_string(), Some(unit)));
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
                    object @ (ObjectKind::View
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
                    | ObjectKind::ForeignTable),
                name,
                ..
            } => {
                self.create_other(*object, name, unit);
            }
            Change::Drop {
                object,
                names,
                on_table,
                cascade,
                ..
            } => {
                if *cascade {
                    let reached = self.cascade(*object, names);
                    self.drop_reached(&reached);
                }
                // A DROP FUNCTION that succeeded left no trigger calling it: its triggers went
                // with it (CASCADE) or there were none. One pass for all the names dropped.
                if *object == ObjectKind::Function && !self.triggers.is_empty() {
                    let gone: std::collections::HashSet<String> =
                        names.iter().map(|n| key(n).to_ascii_lowercase()).collect();
                    for list in self.triggers.values_mut() {
                        list.retain(|t| !gone.contains(&key(&t.function).to_ascii_lowercase()));
                    }
                }
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
                        ObjectKind::MaterializedView => {
                            // Its indexes go with it.
                            self.others.remove(k);
                            let defs = &mut self.index_defs;
                            self.indexes.retain(|name, (t, _)| {
                                let keep = t != k;
                                if !keep {
                                    defs.remove(name);
                                }
                                keep
                            });
                        }
                        _ => {
                            self.others.remove(k);
                            self.other_kinds.remove(k);
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
                ObjectKind::Table
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence
                | ObjectKind::Index
                | ObjectKind::ForeignTable
                | ObjectKind::Other => {
                    // The server renames whatever relation has the name, whichever of these
                    // spellings is used (`ALTER INDEX ... RENAME` renames a table too).
                    self.move_relation(key(from), renamed_key(from, to));
                }
                ObjectKind::Type | ObjectKind::Domain => {
                    self.move_type(*object, key(from), renamed_key(from, to));
                }
                ObjectKind::Column => {
                    if let Some(t) = relation
                        .as_deref()
                        .and_then(|r| self.tables.get_mut(key(r)))
                    {
                        if let Some(c) = t.column_mut(from) {
                            c.name = to.as_str().into();
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
                        c.name = Some(to.as_str().into());
                    }
                }
                ObjectKind::Function | ObjectKind::Procedure => {
                    if let Some(mut r) = self.routines.remove(&key(from).to_ascii_lowercase()) {
                        r.name = to.to_ascii_lowercase();
                        self.routines.insert(r.name.clone(), r);
                    }
                }
                _ => {}
            },
            Change::SetSchema {
                object,
                name,
                schema,
            } => {
                let to = qualify(schema, base_name(name));
                if is_relation(*object) {
                    self.move_relation(key(name), to);
                } else if matches!(object, ObjectKind::Type | ObjectKind::Domain) {
                    self.move_type(*object, key(name), to);
                }
            }
            Change::AlterTable {
                table,
                cmd: TableCmd::AttachPartition { partition },
            } => {
                if let Some(p) = self.tables.get_mut(key(partition)) {
                    p.relink(|links| links.partition_of = Some(key(table).to_string()));
                }
            }
            Change::AlterTable {
                cmd: TableCmd::DetachPartition { partition, .. },
                ..
            } => {
                if let Some(p) = self.tables.get_mut(key(partition)) {
                    p.relink(|links| links.partition_of = None);
                }
            }
            Change::AlterTable { table, cmd } => {
                let k = key(table).to_string();
                let Some(t) = self.tables.get_mut(&k) else {
                    return;
                };
                match cmd {
                    TableCmd::AddColumn { column, .. } if t.column(&column.name).is_none() => {
                        // A table built with room for exactly its columns would double it
                        // for one more.
                        push_compact(&mut t.columns, self.shared.column(&k, column));
                        t.constraints
                            .extend(column.constraints.iter().map(|s| constraint(&k, s)));
                    }
                    TableCmd::DropColumn { column, .. } => {
                        t.columns.retain(|c| *c.name != **column);
                        // Indexes and constraints involving the column go with it.
                        t.constraints.retain(|c| !c.columns.contains(column));
                    }
                    TableCmd::AlterColumnType {
                        column, type_name, ..
                    } => {
                        if let Some(c) = t.column_mut(column) {
                            let type_name = self.shared.type_name(type_name);
                            self.shared.reshape(c, |s| s.type_name = type_name);
                        }
                    }
                    TableCmd::SetNotNull { column } => {
                        if let Some(c) = t.column_mut(column) {
                            self.shared.reshape(c, |s| s.not_null = true);
                        }
                    }
                    TableCmd::DropNotNull { column } => {
                        if let Some(c) = t.column_mut(column) {
                            self.shared.reshape(c, |s| s.not_null = false);
                        }
                    }
                    TableCmd::SetDefault { column, expr } => {
                        if let Some(c) = t.column_mut(column) {
                            let shared = &mut self.shared;
                            match expr {
                                Some(e) if e.is_null => shared.drop_default(c),
                                Some(e) => {
                                    let default =
                                        shared.word(e.function.as_deref().unwrap_or("constant"));
                                    shared.reshape(c, |s| {
                                        s.default = Some(default);
                                        s.sequence = e.sequence.as_deref().map(|s| key(s).into());
                                    });
                                }
                                // Unread: a default is a default.
                                None if c.default().is_none() => {
                                    let default = shared.word("constant");
                                    shared.reshape(c, |s| s.default = Some(default));
                                }
                                None => {}
                            }
                        }
                    }
                    TableCmd::DropDefault { column } => {
                        if let Some(c) = t.column_mut(column) {
                            self.shared.drop_default(c);
                        }
                    }
                    TableCmd::AddConstraint(spec) => {
                        push_compact(&mut t.constraints, constraint(&k, spec));
                        // `USING INDEX idx` with a constraint name renames the index.
                        if let (Some(index), Some(name)) = (&spec.using_index, &spec.name)
                            && let Some(v) = self.indexes.remove(key(index))
                        {
                            self.insert_index(name.as_str().into(), v);
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
            .or_else(|| default_constraint_name(table, spec))
            .map(String::into_boxed_str),
        kind: spec.kind,
        validated: !spec.not_valid,
        proves_not_null: spec.proves_not_null.as_deref().map(Box::from),
        columns: spec.columns.as_slice().into(),
        references: spec.references.as_deref().map(|r| key(r).into()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::postgres::classify::classify;

    fn replayed(sql: &str) -> Schema {
        let parsed = pg_query::parse(sql, pg_query::ParserOptions::DEFAULT).expect("parses");
        let mut schema = Schema::default();
        for node in parsed
            .protobuf
            .stmts
            .into_iter()
            .filter_map(|s| s.stmt?.node)
        {
            for change in classify(&node).changes {
                schema.apply(&change, 0);
            }
        }
        schema
    }

    /// The model keeps one of each per column, constraint and table of the whole history: their
    /// size is most of its memory (issue 12).
    #[test]
    fn the_model_keeps_columns_constraints_and_tables_small() {
        assert_eq!(std::mem::size_of::<Column>(), 24);
        assert_eq!(std::mem::size_of::<Constraint>(), 72);
        assert_eq!(std::mem::size_of::<Table>(), 72);
    }

    #[test]
    fn columns_alike_share_a_shape_and_change_alone() {
        let s = replayed(
            "CREATE TABLE a (x int NOT NULL DEFAULT 0, y int NOT NULL DEFAULT 0);
             CREATE TABLE b (z int NOT NULL DEFAULT 0);
             ALTER TABLE a ALTER COLUMN y DROP NOT NULL, ALTER COLUMN x TYPE bigint;",
        );
        let col = |t: &str, c: &str| s.table(t).and_then(|t| t.column(c)).expect("column");
        let (x, y, z) = (col("a", "x"), col("a", "y"), col("b", "z"));
        assert!(x.not_null() && !y.not_null() && z.not_null());
        assert_eq!(
            (x.type_name().name.as_str(), y.type_name().name.as_str()),
            ("int8", "int4")
        );
        assert_eq!(
            (x.default(), y.default()),
            (Some("constant"), Some("constant"))
        );
        // `y` back to what `z` is: one shape again.
        let s = replayed(
            "CREATE TABLE a (y int NOT NULL DEFAULT 0); CREATE TABLE b (z int DEFAULT 0);
             ALTER TABLE b ALTER COLUMN z SET NOT NULL;",
        );
        let col = |t: &str, c: &str| s.table(t).and_then(|t| t.column(c)).expect("column");
        assert!(Arc::ptr_eq(&col("a", "y").shape, &col("b", "z").shape));
    }

    #[test]
    fn a_detached_partition_is_a_table_without_links() {
        let s = replayed(
            "CREATE TABLE p (id int) PARTITION BY RANGE (id); CREATE TABLE c (id int);
             CREATE TABLE d (id int);
             ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (0) TO (10);",
        );
        assert_eq!(s.parent("c"), Some("p"));
        let s2 = replayed(
            "CREATE TABLE p (id int) PARTITION BY RANGE (id); CREATE TABLE c (id int);
             CREATE TABLE d (id int);
             ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (0) TO (10);
             ALTER TABLE p DETACH PARTITION c;",
        );
        assert_eq!(s2.parent("c"), None);
        assert_eq!(s2.table("c"), s2.table("d"));
    }
}
