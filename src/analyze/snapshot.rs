//! Snapshot and comparison of the replayed schema model, for down migrations (RS405) and the
//! generated inverses of `rollsafe plan`.
//!
//! Only the objects an up and its down touch are copied into a small model: applying the up
//! and then the down to that copy and comparing it with the state before the up costs time in
//! proportion to the pair, so checking every pair stays linear in statements.

use std::collections::{BTreeMap, HashMap};

use super::StatementFacts;
use super::change::*;
use super::inverse::{self, StatementInverse};
use super::schema::{self, Column, Constraint, IndexDef, Schema, Table, key, object_key};

/// An object the model can compare: relations share one namespace (tables, indexes, views,
/// sequences), other objects are keyed by kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Touch {
    Relation(String),
    Object(ObjectKindKey, String),
}

/// [`ObjectKind`] with an order, so touches can be sorted for stable messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKindKey(u8);

impl ObjectKindKey {
    const KINDS: [ObjectKind; 9] = [
        ObjectKind::Type,
        ObjectKind::Domain,
        ObjectKind::Function,
        ObjectKind::Procedure,
        ObjectKind::Schema,
        ObjectKind::Extension,
        ObjectKind::Trigger,
        ObjectKind::Policy,
        ObjectKind::Rule,
    ];
    fn of(kind: ObjectKind) -> Option<ObjectKindKey> {
        Self::KINDS
            .iter()
            .position(|k| *k == kind)
            .map(|i| ObjectKindKey(i as u8))
    }
    pub fn kind(self) -> ObjectKind {
        Self::KINDS[usize::from(self.0)]
    }
}

/// One difference between the schema before an up and after its down (RS405).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownDiff {
    pub message: String,
    /// The down statement the difference comes from, when one caused it.
    pub down_statement: Option<usize>,
    /// The down drops something that existed before its up (the up did not create it): a
    /// rollback that destroys what was there, which the contract gate covers (RS001).
    pub drops_existing: bool,
    /// What it drops is an index: no data is lost, so the gate covers it only when
    /// `[contract] approve-index-drops` says so (RS405 reports it otherwise).
    pub index: bool,
}

/// What the replay learned about rolling one unit back.
#[derive(Debug, Clone, Default)]
pub struct UnitRollback {
    /// Up and repeatable units: how to undo each statement, in statement order.
    pub inverses: Vec<StatementInverse>,
    /// Down units paired with an up: how the schema after the up and this down differs from
    /// the schema before the up (empty: the down is exact). `None`: not compared.
    pub down_diffs: Option<Vec<DownDiff>>,
    /// Up units of a tool that has down migrations (Flyway: only when the folder has undo
    /// files), so a missing down is worth reporting (RS404).
    pub expects_down: bool,
    /// Up units with a down: its statements and whether RS405 found it exact.
    pub down: Option<DownSummary>,
}

/// An up's down migration, as the plan needs it.
#[derive(Debug, Clone)]
pub struct DownSummary {
    pub path: std::path::PathBuf,
    /// How many differences RS405 found (0: the down is exact).
    pub differences: usize,
    /// Its statements in order, transaction control left out (the runbook groups them).
    pub statements: Vec<inverse::Step>,
}

/// The statements of a down, for [`DownSummary`].
pub fn down_steps(
    source: &crate::source::SourceFile,
    statements: &[StatementFacts],
) -> Vec<inverse::Step> {
    statements
        .iter()
        .filter(|s| {
            !s.is_psql_meta()
                && s.syntax_error.is_none()
                && !s
                    .changes
                    .iter()
                    .any(|c| matches!(c, Change::Transaction(_)))
        })
        .map(|s| {
            let text = source.slice(s.span).trim();
            inverse::Step {
                sql: if text.ends_with(';') {
                    text.to_string()
                } else {
                    format!("{text};")
                },
                transactional: s.transactional,
            }
        })
        .collect()
}

/// Whether an up unit of `layout` is expected to have a down; `flyway_undo` tells whether its
/// Flyway folder uses undo migrations at all.
pub fn tool_has_downs(layout: crate::discover::Layout, flyway_undo: bool) -> bool {
    use crate::discover::Layout as L;
    match layout {
        L::GolangMigrate
        | L::Sqlx
        | L::Diesel
        | L::Goose
        | L::Dbmate
        | L::Sqitch
        | L::Liquibase => true,
        L::Flyway => flyway_undo,
        L::Prisma | L::Plain => false,
    }
}

/// Where up and down statements touched each object, for messages.
#[derive(Default)]
struct Origins {
    /// Object → (line of the first up statement touching it, kind word).
    up: HashMap<Touch, (usize, &'static str)>,
    /// Object → last down statement touching it (the one that left it as it is).
    down: HashMap<Touch, usize>,
    /// (table, column) → line of the first up statement touching it.
    up_columns: HashMap<(String, String), usize>,
    /// (table, constraint) → line of the first up statement adding or dropping it.
    up_constraints: HashMap<(String, String), usize>,
    /// (table, constraint) → last down statement adding or dropping it.
    down_constraints: HashMap<(String, String), usize>,
    /// (table, column) → last down statement touching it, and whether it (re)added it.
    down_columns: HashMap<(String, String), (usize, bool)>,
}

/// Replay an up (and its down, when there is one) against a copy of the objects they touch.
/// `schema` is the model before the up; it is not changed.
pub fn rollback_facts(
    schema: &Schema,
    up: &[StatementFacts],
    up_unit: usize,
    down: Option<(&[StatementFacts], usize)>,
    inverses_wanted: bool,
) -> (Vec<StatementInverse>, Option<Vec<DownDiff>>) {
    let mut origins = Origins::default();
    let mut touches: Vec<Touch> = Vec::new();
    for s in up {
        for c in &s.changes {
            for (t, word) in touches_of(c) {
                origins.up.entry(t.clone()).or_insert((s.start.line, word));
                touches.push(t);
            }
            for col in columns_of(c) {
                origins.up_columns.entry(col.0).or_insert(s.start.line);
            }
            if let Some(k) = constraint_of(c) {
                origins.up_constraints.entry(k).or_insert(s.start.line);
            }
        }
    }
    if let Some((down, _)) = down {
        for (i, s) in down.iter().enumerate() {
            for c in &s.changes {
                for (t, _) in touches_of(c) {
                    origins.down.insert(t.clone(), i);
                    touches.push(t);
                }
                for (col, adds) in columns_of(c) {
                    origins.down_columns.insert(col, (i, adds));
                }
                if let Some(k) = constraint_of(c) {
                    origins.down_constraints.insert(k, i);
                }
            }
        }
    }
    touches.sort();
    touches.dedup();
    let base = with_placeholders(
        subset(schema, &touches),
        up.iter()
            .chain(down.map_or(&[][..], |d| d.0))
            .flat_map(|s| &s.changes),
    );
    let mut copy = base.clone();
    let mut inverses = Vec::with_capacity(if inverses_wanted { up.len() } else { 0 });
    for s in up {
        if inverses_wanted {
            inverses.push(inverse::statement(s, &copy, up_unit));
        }
        for c in &s.changes {
            copy.apply(c, up_unit);
        }
    }
    // A "is gone" check on a relation the up itself renamed or dropped again is true before
    // the rollback too: it proves nothing.
    let vacuous: std::collections::HashSet<String> = touches
        .iter()
        .filter_map(|t| match t {
            Touch::Relation(k) if relation(&copy, k).is_none() => {
                Some(inverse::regclass_is_null(k))
            }
            _ => None,
        })
        .collect();
    if !vacuous.is_empty() {
        for inv in &mut inverses {
            inv.validation.retain(|v| !vacuous.contains(v));
        }
    }
    let diffs = down.map(|(down, down_unit)| {
        for s in down {
            for c in &s.changes {
                copy.apply(c, down_unit);
            }
        }
        let mut diffs = compare(&base, &copy, &touches, &origins);
        diffs.extend(unknown_drops(&base, down, &origins));
        diffs
    });
    (inverses, diffs)
}

/// Relations a down drops that neither its up nor any earlier migration created: they existed
/// before the migrations (the model does not know them), so the rollback destroys them.
fn unknown_drops(base: &Schema, down: &[StatementFacts], origins: &Origins) -> Vec<DownDiff> {
    let mut out = Vec::new();
    for (i, s) in down.iter().enumerate() {
        for c in &s.changes {
            if !matches!(c, Change::Drop { .. }) {
                continue;
            }
            for (t, word) in touches_of(c) {
                let Touch::Relation(k) = &t else { continue };
                if relation(base, k).is_some() || origins.up.contains_key(&t) {
                    continue;
                }
                out.push(DownDiff {
                    message: format!(
                        "{word} {k} is dropped by the down but no migration created it: it existed before them"
                    ),
                    down_statement: Some(i),
                    drops_existing: true,
                    index: word == "index",
                });
            }
        }
    }
    out
}

/// The objects one change touches, with the word messages use for them.
fn touches_of(c: &Change) -> Vec<(Touch, &'static str)> {
    let rel = |n: &str, w: &'static str| (Touch::Relation(key(n).to_string()), w);
    let obj = |kind: ObjectKind, name: &str, on: Option<&str>| {
        ObjectKindKey::of(kind).map(|k| {
            (
                Touch::Object(
                    k,
                    object_key(kind, name.split('(').next().unwrap_or(name), on),
                ),
                kind.name(),
            )
        })
    };
    match c {
        Change::CreateTable { table, .. } => vec![rel(table, "table")],
        Change::CreateIndex {
            index: Some(i),
            table,
            ..
        } => vec![rel(i, "index"), rel(table, "table")],
        Change::CreateIndex { table, .. } => vec![rel(table, "table")],
        Change::Create {
            object:
                o @ (ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence
                | ObjectKind::ForeignTable),
            name,
            ..
        } => vec![rel(name, o.name())],
        Change::Create {
            object,
            name,
            on_table,
            ..
        } => obj(*object, name, on_table.as_deref())
            .into_iter()
            .collect(),
        Change::Drop {
            object,
            names,
            on_table,
            ..
        } => names
            .iter()
            .filter_map(|n| match object {
                ObjectKind::Table
                | ObjectKind::Index
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence
                | ObjectKind::ForeignTable => Some(rel(n, object.name())),
                _ => obj(*object, n, on_table.as_deref()),
            })
            .collect(),
        Change::Rename {
            object:
                o @ (ObjectKind::Table
                | ObjectKind::Index
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Sequence),
            from,
            to,
            ..
        } => vec![rel(from, o.name()), rel(&qualify_like(to, from), o.name())],
        Change::Rename {
            relation: Some(r), ..
        } => vec![rel(r, "table")],
        Change::AlterTable { table, cmd } => {
            let mut out = vec![rel(table, "table")];
            match cmd {
                TableCmd::AttachPartition { partition }
                | TableCmd::DetachPartition { partition, .. } => out.push(rel(partition, "table")),
                TableCmd::AddConstraint(spec) => {
                    if let Some(i) = &spec.using_index {
                        out.push(rel(i, "index"));
                    }
                }
                _ => {}
            }
            out
        }
        Change::AddEnumValue { type_name, .. } => {
            obj(ObjectKind::Type, type_name, None).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// The (table, constraint) one change adds or drops.
fn constraint_of(c: &Change) -> Option<(String, String)> {
    let Change::AlterTable { table, cmd } = c else {
        return None;
    };
    let name = match cmd {
        TableCmd::AddConstraint(spec) => spec
            .name
            .clone()
            .or_else(|| schema::default_constraint_name(key(table), spec))?,
        TableCmd::DropConstraint { name, .. } => name.clone(),
        _ => return None,
    };
    Some((key(table).to_string(), name))
}

/// Columns one change touches, and whether it adds the column.
fn columns_of(c: &Change) -> Vec<((String, String), bool)> {
    let Change::AlterTable { table, cmd } = c else {
        if let Change::Rename {
            object: ObjectKind::Column,
            relation: Some(r),
            from,
            to,
        } = c
        {
            return vec![
                ((key(r).to_string(), from.clone()), false),
                ((key(r).to_string(), to.clone()), true),
            ];
        }
        return Vec::new();
    };
    let t = key(table).to_string();
    match cmd {
        TableCmd::AddColumn { column, .. } => vec![((t, column.name.clone()), true)],
        TableCmd::DropColumn { column, .. }
        | TableCmd::AlterColumnType { column, .. }
        | TableCmd::SetNotNull { column }
        | TableCmd::DropNotNull { column }
        | TableCmd::SetDefault { column, .. }
        | TableCmd::DropDefault { column } => vec![((t, column.clone()), false)],
        _ => Vec::new(),
    }
}

/// `name` in the schema of `like` when `name` is unqualified (an index lives in its table's
/// schema; a renamed table stays in its schema). The model keys indexes as written.
pub fn qualify_like(name: &str, like: &str) -> String {
    match (name.contains('.'), key(like).rsplit_once('.')) {
        (false, Some((schema, _))) => format!("{schema}.{name}"),
        _ => name.to_string(),
    }
}

/// A model holding only the touched objects (and what they need).
fn subset(schema: &Schema, touches: &[Touch]) -> Schema {
    let mut copy = Schema::default();
    for t in touches {
        match t {
            Touch::Relation(k) => {
                if let Some(table) = schema.tables.get(k) {
                    copy.tables.insert(k.clone(), table.clone());
                    copy.note_table_links(k);
                }
                if let Some(v) = schema.indexes.get(k.as_str()) {
                    copy.insert_index(k.as_str().into(), v.clone());
                }
                if let Some(d) = schema.index_defs.get(k.as_str()) {
                    copy.index_defs.insert(k.as_str().into(), d.clone());
                }
                if let Some(v) = schema.others.get(k) {
                    copy.others.insert(k.clone(), *v);
                }
            }
            Touch::Object(kind, k) => {
                let kk = (kind.kind(), k.clone());
                if let Some(v) = schema.objects.get(&kk) {
                    copy.objects.insert(kk, *v);
                }
                if let Some(v) = schema.enum_values.get(k) {
                    copy.enum_values.insert(k.clone(), v.clone());
                }
            }
        }
    }
    copy
}

/// Tables the migrations altered but never created (they predate the migration set, or come
/// from a folder not linted) get an empty stand-in, so what the up adds to them and the down
/// removes is still compared. Nothing is claimed about what they held before.
fn with_placeholders<'a>(mut base: Schema, changes: impl Iterator<Item = &'a Change>) -> Schema {
    let mut created = std::collections::HashSet::new();
    for c in changes {
        match c {
            Change::CreateTable { table, .. } => {
                created.insert(key(table).to_string());
            }
            Change::AlterTable { table, .. } => {
                let k = key(table);
                if !created.contains(k) && !base.tables.contains_key(k) {
                    base.tables.insert(k.to_string(), Box::default());
                }
            }
            _ => {}
        }
    }
    base
}

/// The state of one relation, as far as the comparison is concerned.
#[derive(Debug, Clone, PartialEq)]
enum RelState<'a> {
    Table(&'a Table),
    Index(&'a str, Option<&'a IndexDef>),
    Other,
}

fn relation<'a>(s: &'a Schema, k: &str) -> Option<RelState<'a>> {
    if let Some(t) = s.tables.get(k) {
        return Some(RelState::Table(t));
    }
    if let Some((table, _)) = s.indexes.get(k) {
        return Some(RelState::Index(table, s.index_defs.get(k)));
    }
    s.others.contains_key(k).then_some(RelState::Other)
}

fn compare(before: &Schema, after: &Schema, touches: &[Touch], o: &Origins) -> Vec<DownDiff> {
    let mut out = Vec::new();
    for t in touches {
        let (word_up, line_up) = match o.up.get(t) {
            Some((line, word)) => (*word, Some(*line)),
            None => ("object", None),
        };
        let down_stmt = o.down.get(t).copied();
        match t {
            Touch::Relation(k) => {
                let (b, a) = (relation(before, k), relation(after, k));
                let word = match (&b, &a) {
                    (Some(RelState::Table(_)), _) | (_, Some(RelState::Table(_))) => "table",
                    (Some(RelState::Index(..)), _) | (_, Some(RelState::Index(..))) => "index",
                    _ => word_up,
                };
                match (b, a) {
                    (None, None) => {}
                    (None, Some(_)) => out.push(exists_diff(word, k, line_up, down_stmt, true)),
                    (Some(_), None) => out.push(exists_diff(word, k, line_up, down_stmt, false)),
                    (Some(RelState::Table(tb)), Some(RelState::Table(ta))) => {
                        compare_tables(k, tb, ta, o, down_stmt, &mut out)
                    }
                    (Some(RelState::Index(tb, db)), Some(RelState::Index(ta, da))) => {
                        if tb != ta || (db.is_some() && da.is_some() && db != da) {
                            out.push(DownDiff {
                                message: format!(
                                    "index {k} is {} after the down; before the up it was {}",
                                    describe_index(ta, da),
                                    describe_index(tb, db)
                                ),
                                down_statement: down_stmt,
                                drops_existing: false,
                                index: false,
                            });
                        }
                    }
                    (Some(_), Some(_)) => {}
                }
            }
            Touch::Object(kind, k) => {
                let kk = (kind.kind(), k.clone());
                let (b, a) = (
                    before.objects.contains_key(&kk),
                    after.objects.contains_key(&kk),
                );
                let word = kind.kind().name();
                if b != a {
                    out.push(exists_diff(word, k, line_up, down_stmt, a));
                }
                let (vb, va) = (before.enum_values.get(k), after.enum_values.get(k));
                if a && b && vb != va {
                    let added: Vec<&String> = va
                        .into_iter()
                        .flatten()
                        .filter(|v| !vb.is_some_and(|vb| vb.contains(v)))
                        .collect();
                    for v in added {
                        out.push(DownDiff {
                            message: format!(
                                "enum value '{v}' added to type {k}{} is still there after the down (PostgreSQL cannot drop an enum value; recreate the type)",
                                line_up.map(|l| format!(" on line {l} of the up")).unwrap_or_default()
                            ),
                            down_statement: down_stmt,
                            drops_existing: false,
                            index: false,
                        });
                    }
                }
            }
        }
    }
    out
}

fn exists_diff(
    word: &str,
    name: &str,
    up_line: Option<usize>,
    down_stmt: Option<usize>,
    exists_after: bool,
) -> DownDiff {
    // Whether the up touched the object decides whose doing the difference is.
    let message = match (exists_after, up_line) {
        (true, Some(l)) => {
            format!("{word} {name} created on line {l} of the up is not dropped by the down")
        }
        (true, None) => {
            format!("{word} {name} is created by the down but did not exist before the up")
        }
        (false, Some(l)) => {
            format!("{word} {name} dropped on line {l} of the up is not recreated by the down")
        }
        (false, None) => {
            format!("{word} {name} is dropped by the down but the up did not create it")
        }
    };
    DownDiff {
        message,
        down_statement: down_stmt,
        drops_existing: !exists_after && up_line.is_none(),
        index: word == "index",
    }
}

fn compare_tables(
    table: &str,
    before: &Table,
    after: &Table,
    o: &Origins,
    table_down_stmt: Option<usize>,
    out: &mut Vec<DownDiff>,
) {
    let cols_before: BTreeMap<&str, &Column> =
        before.columns.iter().map(|c| (&*c.name, c)).collect();
    let cols_after: BTreeMap<&str, &Column> = after.columns.iter().map(|c| (&*c.name, c)).collect();
    let mut names: Vec<&str> = cols_before
        .keys()
        .chain(cols_after.keys())
        .copied()
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let ck = (table.to_string(), name.to_string());
        let up_line = o.up_columns.get(&ck).copied();
        let down = o.down_columns.get(&ck).copied();
        let down_stmt = down.map(|d| d.0).or(table_down_stmt);
        let message = match (cols_before.get(name), cols_after.get(name)) {
            (None, Some(_)) => Some(match up_line {
                Some(l) => format!(
                    "column {table}.{name} added on line {l} of the up is not dropped by the down"
                ),
                None => format!(
                    "column {table}.{name} is added by the down but did not exist before the up"
                ),
            }),
            (Some(_), None) => Some(match up_line {
                Some(l) => format!(
                    "column {table}.{name} dropped on line {l} of the up is not re-added by the down"
                ),
                None => format!(
                    "column {table}.{name} is dropped by the down but the up did not add it"
                ),
            }),
            (Some(b), Some(a)) if b != a => {
                let verb = if down.is_some_and(|d| d.1) {
                    "recreates"
                } else {
                    "leaves"
                };
                Some(format!(
                    "the down {verb} {table}.{name} as {}; before the up it was {}",
                    describe_column(a),
                    describe_column(b)
                ))
            }
            _ => None,
        };
        let drops_existing = up_line.is_none()
            && matches!(
                (cols_before.get(name), cols_after.get(name)),
                (Some(_), None)
            );
        if let Some(message) = message {
            out.push(DownDiff {
                message,
                down_statement: down_stmt,
                drops_existing,
                index: false,
            });
        }
    }
    let key_of = |c: &Constraint| {
        c.name.as_deref().map_or_else(
            || format!("{}({})", c.kind.name(), c.columns.join(",")),
            str::to_string,
        )
    };
    let cons_before: BTreeMap<String, &Constraint> =
        before.constraints.iter().map(|c| (key_of(c), c)).collect();
    let cons_after: BTreeMap<String, &Constraint> =
        after.constraints.iter().map(|c| (key_of(c), c)).collect();
    let origin = |name: &str| {
        let k = (table.to_string(), name.to_string());
        (
            o.up_constraints.get(&k).copied(),
            o.down_constraints.get(&k).copied().or(table_down_stmt),
        )
    };
    for (name, c) in &cons_after {
        if !cons_before.contains_key(name) {
            let (up_line, down_statement) = origin(name);
            let kind = c.kind.name();
            out.push(DownDiff {
                message: match up_line {
                    Some(l) => format!(
                        "{kind} constraint {name} on {table} added on line {l} of the up is not dropped by the down"
                    ),
                    None => format!(
                        "{kind} constraint {name} on {table} is added by the down but did not exist before the up"
                    ),
                },
                down_statement,
                drops_existing: false,
                index: false,
            });
        }
    }
    for (name, c) in &cons_before {
        if !cons_after.contains_key(name) {
            let (up_line, down_statement) = origin(name);
            let kind = c.kind.name();
            out.push(DownDiff {
                message: match up_line {
                    Some(l) => format!(
                        "{kind} constraint {name} on {table} dropped on line {l} of the up is not recreated by the down"
                    ),
                    None => format!(
                        "{kind} constraint {name} on {table} is dropped by the down but the up did not add it"
                    ),
                },
                down_statement,
                // A constraint dropped by a down loses no data (a table rebuild drops and
                // recreates them under other names): RS405's, not the contract gate's.
                drops_existing: false,
                index: false,
            });
        }
    }
}

fn describe_column(c: &Column) -> String {
    let mut s = c.type_name().to_string();
    if c.not_null() {
        s.push_str(" NOT NULL");
    }
    // The model keeps what decides a default, not its expression.
    if c.default().is_some() {
        s.push_str(" with a default");
    }
    s
}

fn describe_index(table: &str, def: Option<&IndexDef>) -> String {
    match def {
        Some(d) => format!(
            "{}on {table} using {} ({})",
            if d.unique { "unique " } else { "" },
            d.method,
            d.columns.join(", ")
        ),
        None => format!("on {table}"),
    }
}
