//! Object identity in the schema replay: which object a name means. An unqualified name means
//! the object `SET search_path` finds (or, for a new object, the schema it is created in), so
//! the replay rewrites the names of each statement's changes to the qualified identity before
//! it looks anything up. The model keys a `public` object by its bare name (see
//! [`schema::key`]), so under the default search path nothing is rewritten.

use std::collections::HashSet;

use super::change::*;
use super::schema::{self, Schema};
use super::transaction::Scope;
use super::{Change, StatementFacts};

/// The schemas unqualified names are looked up in, in order, as `SET search_path` leaves
/// them. `None`: PostgreSQL's default (`"$user", public`), which the model reads as `public`.
type Path = Option<Vec<String>>;

/// The search path as the migration sets it: `SET search_path` for the session, `SET LOCAL`
/// for the transaction it runs in. Each unit starts from the default: a tool that runs the
/// next file on a fresh (or reset) session sees the default again, and reading a later file
/// with a path an earlier one set could make an existing object look new.
#[derive(Default)]
pub struct SearchPath {
    session: Path,
    local: Option<(Scope, Path)>,
}

impl SearchPath {
    fn at(&self, scope: Scope) -> Option<&[String]> {
        match &self.local {
            Some((s, path)) if *s == scope => path.as_deref(),
            _ => self.session.as_deref(),
        }
    }

    /// Follow the `SET search_path` / `RESET` in a statement that has run.
    pub fn update(&mut self, facts: &StatementFacts) {
        for change in &facts.changes {
            match change {
                Change::Set { name, value, local } if name == "search_path" => {
                    let path = parse_path(value);
                    if *local {
                        if facts.scope.in_transaction() {
                            self.local = Some((facts.scope, path));
                        }
                    } else {
                        self.session = path;
                        self.local = None;
                    }
                }
                Change::Reset { name }
                    if name == "search_path" || name == "all" || name.is_empty() =>
                {
                    *self = SearchPath::default();
                }
                _ => {}
            }
        }
    }

    /// Rewrite the names in a statement's changes (and in the procedural code it runs, so
    /// [`StatementFacts::inner_of`] still finds each change) to the objects they mean, and
    /// say what kind of relation a rename or move acts on.
    pub fn resolve(&self, facts: &mut StatementFacts, schema: &Schema) {
        let path = self.at(facts.scope);
        let resolver = path.map(|path| Resolver { path, schema });
        let one = |change: &mut Change| {
            if let Some(r) = &resolver {
                r.change(change);
            }
            relation_kind_of(change, schema);
        };
        for change in &mut facts.changes {
            one(change);
        }
        if let Some(body) = facts.procedural.as_deref_mut() {
            for s in &mut body.statements {
                for change in &mut s.changes {
                    one(change);
                }
            }
        }
    }
}

/// [`relation_kind_of`] for each change: what the replay does to every statement.
pub fn relation_kinds(changes: &mut [Change], schema: &Schema) {
    for c in changes {
        relation_kind_of(c, schema);
    }
}

/// `ALTER INDEX users RENAME TO ...` renames the table `users` (PostgreSQL accepts any
/// relation there), and `ALTER TABLE` renames or moves a view or a sequence: a rename or a
/// move acts on the relation the name means, whatever the statement's spelling says. An
/// `ALTER INDEX ... RENAME` of a name the replay does not know as an index may rename a table:
/// its kind becomes unknown ([`ObjectKind::Other`]), a contract step.
fn relation_kind_of(change: &mut Change, schema: &Schema) {
    let (object, name) = match change {
        Change::Rename { object, from, .. } => (object, from),
        Change::SetSchema { object, name, .. } => (object, name),
        _ => return,
    };
    if !schema::is_relation(*object) {
        return;
    }
    match schema.relation_kind(name) {
        // `ALTER TABLE idx RENAME` renames the index, but under the ACCESS EXCLUSIVE lock its
        // spelling asks for: it stays a table-spelled rename (a contract step, conservatively).
        Some(ObjectKind::Index) if *object != ObjectKind::Index => {}
        Some(kind) => *object = kind,
        None if *object == ObjectKind::Index && matches!(change, Change::Rename { .. }) => {
            if let Change::Rename { object, .. } = change {
                *object = ObjectKind::Other;
            }
        }
        None => {}
    }
}

/// `app, "$user", public` → the schemas in order. An empty value (`SET search_path TO
/// DEFAULT`) is the default path.
fn parse_path(value: &str) -> Path {
    let schemas: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(quoted) => quoted.to_string(),
                None => s.to_ascii_lowercase(),
            },
        )
        .collect();
    if schemas.is_empty() || schemas == ["$user", "public"] || schemas == ["public"] {
        return None;
    }
    Some(schemas)
}

/// `schema.name` as the model keys it (`public` dropped).
pub fn qualify(schema_name: &str, name: &str) -> String {
    if schema_name == "public" {
        name.to_string()
    } else {
        format!("{schema_name}.{name}")
    }
}

/// The schema part of a name as the model keys it (`public` for a bare name).
pub fn schema_of(name: &str) -> &str {
    schema::key(name)
        .rsplit_once('.')
        .map_or("public", |(s, _)| s)
}

/// The name without its schema.
pub fn base_name(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}

struct Resolver<'a> {
    path: &'a [String],
    schema: &'a Schema,
}

impl Resolver<'_> {
    /// The schemas an unqualified name can mean, in order. `$user` names a schema rollsafe
    /// cannot know (the connecting role's), and `pg_catalog` / `pg_temp` hold no migration's
    /// tables: they are skipped.
    fn schemas(&self) -> impl Iterator<Item = &str> {
        self.path
            .iter()
            .map(String::as_str)
            .filter(|s| !matches!(*s, "$user" | "pg_catalog" | "pg_temp"))
    }

    /// Where an unqualified new object is created: the first schema of the path. PostgreSQL
    /// skips a schema that does not exist, which the replay cannot always know; taking the
    /// first one named can only make a later statement on the object look like it acts on an
    /// existing one (a finding too many), never the other way round.
    fn creation_schema(&self) -> &str {
        self.schemas().next().unwrap_or("public")
    }

    fn create(&self, name: &mut String) {
        if !name.is_empty() && !name.contains('.') {
            *name = qualify(self.creation_schema(), name);
        }
    }

    /// An existing relation: the first schema of the path that holds it, else where it would
    /// be created (unknown to the replay either way, so not new).
    fn relation(&self, name: &mut String) {
        if name.is_empty() || name.contains('.') {
            return;
        }
        let found = self
            .schemas()
            .map(|s| qualify(s, name))
            .find(|q| self.schema.has_relation(q));
        *name = found.unwrap_or_else(|| qualify(self.creation_schema(), name));
    }

    /// A type: only a type the migrations created is followed (built-in types live in
    /// `pg_catalog`).
    fn type_name(&self, name: &mut String) {
        if name.is_empty() || name.contains('.') {
            return;
        }
        if let Some(q) = self
            .schemas()
            .map(|s| qualify(s, name))
            .find(|q| self.schema.has_type(q))
        {
            *name = q;
        }
    }

    fn column(&self, c: &mut ColumnSpec) {
        self.type_name(&mut c.type_name.name);
        if let Some(seq) = c.default.as_mut().and_then(|d| d.sequence.as_mut()) {
            self.relation(seq);
        }
        for k in &mut c.constraints {
            self.constraint(k);
        }
    }

    fn constraint(&self, c: &mut ConstraintSpec) {
        if let Some(r) = &mut c.references {
            self.relation(r);
        }
    }

    fn change(&self, change: &mut Change) {
        let is_relation = |k: ObjectKind| {
            matches!(
                k,
                ObjectKind::Table
                    | ObjectKind::View
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
                    | ObjectKind::Index
                    | ObjectKind::ForeignTable
            )
        };
        let is_type = |k: ObjectKind| matches!(k, ObjectKind::Type | ObjectKind::Domain);
        match change {
            Change::CreateTable {
                table,
                columns,
                constraints,
                partition_of,
                inherits,
                ..
            } => {
                // IF NOT EXISTS looks only in the creation schema, too.
                self.create(table);
                if let Some(p) = partition_of {
                    self.relation(p);
                }
                for p in inherits {
                    self.relation(p);
                }
                for c in columns {
                    self.column(c);
                }
                for c in constraints {
                    self.constraint(c);
                }
            }
            Change::CreateIndex { index, table, .. } => {
                self.relation(table);
                // An index is created in its table's schema, whatever the search path.
                if let Some(i) = index
                    && !i.contains('.')
                {
                    *i = qualify(schema_of(table), i);
                }
            }
            Change::Create {
                object,
                name,
                on_table,
                ..
            } => {
                if is_relation(*object) || is_type(*object) {
                    self.create(name);
                }
                if let Some(t) = on_table {
                    self.relation(t);
                }
            }
            Change::Drop {
                object,
                names,
                on_table,
                ..
            } => {
                for n in names.iter_mut() {
                    if is_relation(*object) {
                        self.relation(n);
                    } else if is_type(*object) {
                        self.type_name(n);
                    }
                }
                if let Some(t) = on_table {
                    self.relation(t);
                }
            }
            Change::Rename {
                object,
                relation,
                from,
                ..
            } => {
                if let Some(r) = relation {
                    self.relation(r);
                }
                if is_relation(*object) {
                    self.relation(from);
                } else if is_type(*object) {
                    self.type_name(from);
                }
            }
            Change::SetSchema { object, name, .. } => {
                if is_relation(*object) {
                    self.relation(name);
                } else if is_type(*object) {
                    self.type_name(name);
                }
            }
            Change::AlterTable { table, cmd } => {
                self.relation(table);
                match cmd {
                    TableCmd::AddColumn { column, .. } => self.column(column),
                    TableCmd::AlterColumnType { type_name, .. } => {
                        self.type_name(&mut type_name.name)
                    }
                    TableCmd::AddConstraint(c) => self.constraint(c),
                    TableCmd::SetDefault {
                        expr:
                            Some(DefaultExpr {
                                sequence: Some(seq),
                                ..
                            }),
                        ..
                    } => self.relation(seq),
                    TableCmd::AttachPartition { partition }
                    | TableCmd::DetachPartition { partition, .. } => self.relation(partition),
                    _ => {}
                }
            }
            Change::AddEnumValue { type_name, .. } | Change::RenameEnumValue { type_name, .. } => {
                self.type_name(type_name)
            }
            Change::Truncate { tables }
            | Change::Vacuum { tables, .. }
            | Change::LockTable { tables, .. }
            | Change::Read { relations: tables } => {
                for t in tables {
                    self.relation(t);
                }
            }
            Change::Grant {
                object:
                    ObjectKind::Table
                    | ObjectKind::View
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
                    | ObjectKind::ForeignTable,
                names,
                ..
            } => {
                for t in names {
                    self.relation(t);
                }
            }
            Change::Insert { table, .. }
            | Change::Update { table, .. }
            | Change::Delete { table, .. }
            | Change::Merge { table }
            | Change::RefreshMaterializedView { name: table, .. }
            | Change::AlterSequence { name: table } => self.relation(table),
            Change::Copy { table, .. }
            | Change::Cluster { table }
            | Change::Comment { relation: table } => {
                if let Some(t) = table {
                    self.relation(t);
                }
            }
            Change::Reindex { target, table, .. } => {
                if *table {
                    self.relation(target);
                }
            }
            // A prepared statement's names mean what they mean where it is prepared.
            Change::Prepare { changes, .. } => {
                for c in changes {
                    self.change(c);
                }
            }
            Change::Restrict { object, name, .. } if is_relation(*object) => self.relation(name),
            Change::Restrict { .. }
            | Change::Grant { .. }
            | Change::Execute { .. }
            | Change::Deallocate { .. }
            | Change::Transaction(_)
            | Change::Set { .. }
            | Change::Reset { .. }
            | Change::AlterSystem
            | Change::Opaque
            | Change::Other => {}
        }
    }
}

/// What the migrations that already existed at the diff base leave in the database: the
/// relations and other objects they create and do not drop again (by identity). A new migration's
/// `CREATE ... IF NOT EXISTS` or `CREATE OR REPLACE` of one of them creates nothing, wherever
/// the new migration sorts: it runs against a database that already has them.
#[derive(Default)]
pub struct BaseObjects {
    relations: HashSet<String>,
    /// Types, functions, schemas, extensions, triggers, ... by kind and key.
    objects: HashSet<(ObjectKind, String)>,
}

/// How the model keys a non-relation object (a function without its argument list).
fn object_id(kind: ObjectKind, name: &str, on_table: Option<&str>) -> (ObjectKind, String) {
    let name = name.split('(').next().unwrap_or(name);
    (kind, schema::object_key(kind, name, on_table))
}

impl BaseObjects {
    /// Follow one statement of a base migration.
    pub fn follow(&mut self, facts: &StatementFacts, path: &mut SearchPath) {
        let empty = Schema::default();
        let mut changes = facts.changes.clone();
        if let Some(p) = path.at(facts.scope) {
            let resolver = Resolver {
                path: p,
                schema: &empty,
            };
            for c in &mut changes {
                resolver.change(c);
            }
        }
        for c in &changes {
            match c {
                Change::CreateTable { table, .. } => {
                    self.relations.insert(schema::key(table).to_string());
                }
                Change::CreateIndex {
                    index: Some(index), ..
                } => {
                    self.relations.insert(schema::key(index).to_string());
                }
                Change::Create { object, name, .. } if schema::is_relation(*object) => {
                    self.relations.insert(schema::key(name).to_string());
                }
                Change::Create {
                    object,
                    name,
                    on_table,
                    ..
                } => {
                    self.objects
                        .insert(object_id(*object, name, on_table.as_deref()));
                }
                Change::Drop { object, names, .. } if schema::is_relation(*object) => {
                    for n in names {
                        self.relations.remove(schema::key(n));
                    }
                }
                Change::Drop {
                    object,
                    names,
                    on_table,
                    ..
                } => {
                    for n in names {
                        self.objects
                            .remove(&object_id(*object, n, on_table.as_deref()));
                    }
                }
                Change::Rename {
                    object, from, to, ..
                } if schema::is_relation(*object) => {
                    self.moved(from, schema::renamed_key(from, to));
                }
                Change::SetSchema {
                    object,
                    name,
                    schema: to,
                } if schema::is_relation(*object) => {
                    self.moved(name, qualify(to, base_name(name)));
                }
                _ => {}
            }
        }
        path.update(facts);
    }

    fn moved(&mut self, from: &str, to: String) {
        if self.relations.remove(schema::key(from)) {
            self.relations.insert(to);
        }
    }

    /// Whether a created object (a change of a new migration, names resolved) already exists
    /// in the base's database.
    pub fn has<'a>(&self, change: &'a Change) -> Option<&'a str> {
        match change {
            Change::CreateTable { table: name, .. }
            | Change::CreateIndex {
                index: Some(name), ..
            } if self.relations.contains(schema::key(name)) => Some(name),
            Change::Create {
                object,
                name,
                on_table,
                ..
            } if (schema::is_relation(*object) && self.relations.contains(schema::key(name)))
                || self
                    .objects
                    .contains(&object_id(*object, name, on_table.as_deref())) =>
            {
                Some(name)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_path_values() {
        assert_eq!(parse_path(""), None);
        assert_eq!(parse_path("$user, public"), None);
        assert_eq!(
            parse_path("app, public"),
            Some(vec!["app".to_string(), "public".to_string()])
        );
        assert_eq!(parse_path("\"App\""), Some(vec!["App".to_string()]));
        assert_eq!(qualify("public", "t"), "t");
        assert_eq!(qualify("app", "t"), "app.t");
        assert_eq!(schema_of("app.t"), "app");
        assert_eq!(schema_of("public.t"), "public");
        assert_eq!(schema_of("t"), "public");
    }
}
