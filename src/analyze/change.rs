//! What a statement changes, in terms rules and lock analysis care about. Built once from the
//! parse tree by `classify`; nothing downstream reads the tree again.

/// A column's type as written, normalised (`pg_catalog.` dropped, `int4` for `integer`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TypeName {
    pub name: String,
    /// Type modifiers: `varchar(100)` → `[100]`, `numeric(10,2)` → `[10, 2]`.
    pub modifiers: Vec<i64>,
    pub array: bool,
}

impl std::fmt::Display for TypeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Messages use the names people write, not PostgreSQL's internal ones.
        let name = match self.name.as_str() {
            "int2" => "smallint",
            "int4" => "integer",
            "int8" => "bigint",
            "float4" => "real",
            "float8" => "double precision",
            "bool" => "boolean",
            "bpchar" => "char",
            other => other,
        };
        write!(f, "{name}")?;
        if !self.modifiers.is_empty() {
            let mods: Vec<String> = self.modifiers.iter().map(i64::to_string).collect();
            write!(f, "({})", mods.join(","))?;
        }
        if self.array {
            write!(f, "[]")?;
        }
        Ok(())
    }
}

/// How a default expression behaves when `ADD COLUMN` fills existing rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    /// Constants and stable functions such as `now()`: evaluated once (PostgreSQL 11+).
    NonVolatile,
    /// `random()`, `gen_random_uuid()`, `clock_timestamp()`, `nextval()`: one value per row.
    Volatile,
    /// A function rollsafe does not know.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultExpr {
    pub volatility: Volatility,
    /// The function that decided the volatility, for messages.
    pub function: Option<String>,
    /// `DEFAULT NULL` changes nothing.
    pub is_null: bool,
    /// The sequence a `nextval('seq')` default draws from (what `DROP SEQUENCE ... CASCADE`
    /// takes the default away from).
    pub sequence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    No,
    Stored,
    Virtual,
    /// `GENERATED ... AS IDENTITY` (or `serial`): fills every existing row.
    Identity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub type_name: TypeName,
    pub not_null: bool,
    pub default: Option<DefaultExpr>,
    pub generated: Generated,
    /// Inline constraints other than NOT NULL / DEFAULT (PRIMARY KEY, UNIQUE, CHECK, REFERENCES).
    pub constraints: Vec<ConstraintSpec>,
}

impl ColumnSpec {
    /// `serial`, `bigserial`, `smallserial`: an implicit sequence default.
    pub fn is_serial(&self) -> bool {
        matches!(
            self.type_name.name.as_str(),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
    Exclusion,
    NotNull,
}

impl ConstraintKind {
    pub fn name(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "PRIMARY KEY",
            ConstraintKind::Unique => "UNIQUE",
            ConstraintKind::Check => "CHECK",
            ConstraintKind::ForeignKey => "FOREIGN KEY",
            ConstraintKind::Exclusion => "EXCLUDE",
            ConstraintKind::NotNull => "NOT NULL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintSpec {
    pub kind: ConstraintKind,
    pub name: Option<String>,
    /// `NOT VALID`: existing rows are not checked now.
    pub not_valid: bool,
    /// A `CHECK` whose expression is a constant that is never true (`CHECK (false)`,
    /// `CHECK (1 = 0)`): it refuses every row written from now on.
    pub always_false: bool,
    /// `USING INDEX idx`: PRIMARY KEY / UNIQUE built from an existing index.
    pub using_index: Option<String>,
    /// The referenced table of a FOREIGN KEY.
    pub references: Option<String>,
    pub columns: Vec<String>,
    /// For `CHECK (col IS NOT NULL)`: the column it proves non-null.
    pub proves_not_null: Option<String>,
}

/// Kinds of schema objects, for CREATE / DROP / RENAME.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Table,
    Column,
    Index,
    View,
    MaterializedView,
    Sequence,
    Type,
    Domain,
    Function,
    Procedure,
    Aggregate,
    Trigger,
    Schema,
    Extension,
    Constraint,
    Policy,
    Rule,
    EnumValue,
    ForeignTable,
    Database,
    Role,
    Other,
}

impl ObjectKind {
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Index => "index",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Type => "type",
            ObjectKind::Domain => "domain",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Policy => "policy",
            ObjectKind::Rule => "rule",
            ObjectKind::EnumValue => "enum value",
            ObjectKind::ForeignTable => "foreign table",
            ObjectKind::Database => "database",
            ObjectKind::Role => "role",
            ObjectKind::Other => "object",
        }
    }
}

/// Per-column settings of `ALTER TABLE ... ALTER COLUMN`; their lock level and whether they
/// recurse to partitions differ (see `locks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSetting {
    /// `SET STATISTICS n`
    Statistics,
    /// `SET (n_distinct = ...)` / `RESET (...)`
    Options,
    /// `SET STORAGE ...`
    Storage,
    /// `SET COMPRESSION ...`
    Compression,
    /// `SET EXPRESSION AS (...)` (PostgreSQL 17+)
    Expression,
}

impl ColumnSetting {
    pub fn name(self) -> &'static str {
        match self {
            ColumnSetting::Statistics => "SET STATISTICS",
            ColumnSetting::Options => "SET (options)",
            ColumnSetting::Storage => "SET STORAGE",
            ColumnSetting::Compression => "SET COMPRESSION",
            ColumnSetting::Expression => "SET EXPRESSION",
        }
    }
}

/// One ALTER TABLE subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableCmd {
    AddColumn {
        /// Boxed: a column is the largest part of a change, and most changes are not one.
        column: Box<ColumnSpec>,
        if_not_exists: bool,
    },
    DropColumn {
        column: String,
        if_exists: bool,
    },
    AlterColumnType {
        column: String,
        type_name: TypeName,
        /// A `USING` expression that computes the new value (not just `col` or `col::type`).
        using: bool,
    },
    SetNotNull {
        column: String,
    },
    DropNotNull {
        column: String,
    },
    SetDefault {
        column: String,
        /// The default, when rollsafe reads it (what it calls, the sequence it draws from).
        expr: Option<DefaultExpr>,
    },
    DropDefault {
        column: String,
    },
    AddConstraint(ConstraintSpec),
    ValidateConstraint {
        name: String,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
    },
    SetLogged,
    SetUnlogged,
    SetTablespace,
    SetAccessMethod,
    AttachPartition {
        partition: String,
    },
    DetachPartition {
        partition: String,
        concurrently: bool,
    },
    EnableRowSecurity,
    DisableRowSecurity,
    AddIdentity {
        column: String,
    },
    DropIdentity {
        column: String,
    },
    DropExpression {
        column: String,
    },
    NoInherit,
    /// A per-column setting that changes no data (`ALTER COLUMN c SET STATISTICS`, ...).
    ColumnSetting {
        column: String,
        setting: ColumnSetting,
    },
    /// SHARE UPDATE EXCLUSIVE maintenance settings: cluster on, vacuum/planner storage options.
    Maintenance(&'static str),
    /// Triggers and rules enabled/disabled: SHARE ROW EXCLUSIVE. `stops` when the trigger or
    /// rule no longer fires for the application's own writes (`DISABLE`, `ENABLE REPLICA`).
    TriggerState {
        stops: bool,
        /// As written: `DISABLE TRIGGER`, `ENABLE REPLICA RULE`, ...
        label: &'static str,
    },
    /// `ALTER COLUMN ... RESTART`: the identity's sequence moves to a fixed value.
    RestartIdentity {
        column: String,
    },
    /// `OWNER TO`: the old owner loses the owner's rights (and the privileges it held).
    OwnerTo,
    Other(&'static str),
}

/// What a [`Change::Restrict`] takes away from the application version that runs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restriction {
    /// `ALTER DEFAULT PRIVILEGES ... REVOKE`.
    DefaultPrivileges,
    /// `ALTER <object> OWNER TO` of an object other than a relation.
    Owner,
    /// `REASSIGN OWNED BY`.
    ReassignOwned,
    /// `CREATE POLICY ... AS RESTRICTIVE`.
    RestrictivePolicy,
    /// `ALTER POLICY` changing who or what it allows.
    AlterPolicy,
    /// `CREATE RULE ... DO INSTEAD` (`NOTHING` or another command) on a write or read.
    InsteadRule { event: &'static str, nothing: bool },
    /// `CREATE OR REPLACE VIEW` whose query returns no row (`WHERE false`, `LIMIT 0`).
    EmptyView,
    /// `ALTER ROLE ... NOLOGIN`, `VALID UNTIL`, `CONNECTION LIMIT`, `PASSWORD`.
    Role(&'static str),
    /// `ALTER SEQUENCE ... RESTART`, `setval(seq, constant)`.
    SequenceRestart,
    /// `ALTER DATABASE ... CONNECTION LIMIT`, `ALLOW_CONNECTIONS false`.
    Database(&'static str),
    /// `ALTER ROLE | DATABASE ... SET | RESET` of a setting that changes what the
    /// application's queries mean or whether they succeed (`search_path`,
    /// `default_transaction_read_only`, `statement_timeout`, ...).
    SessionDefault { setting: String },
    /// `ALTER FUNCTION ... SECURITY INVOKER`, `ALTER VIEW ... SET (security_invoker = true)`.
    SecurityInvoker,
    /// `ALTER VIEW ... SET (check_option = ...)`.
    ViewCheckOption,
}

impl Restriction {
    /// What it does and why the application version running now breaks, for messages.
    pub fn describe(&self, object: ObjectKind, name: &str) -> String {
        match self {
            Restriction::DefaultPrivileges => format!(
                "revokes default privileges{}: tables, sequences and functions created from now on (also \
                 by the running application, or when a table it uses is rebuilt) no longer grant what it \
                 relies on",
                if name.is_empty() {
                    String::new()
                } else {
                    format!(" of {name}")
                }
            ),
            Restriction::Owner => format!(
                "changes the owner of {name}: the role that owned it, maybe the running application's, \
                 loses the owner's rights and the privileges it held"
            ),
            Restriction::ReassignOwned => format!(
                "reassigns every object owned by {name}: if the running application connects as that \
                 role, it loses the owner's rights on all of them"
            ),
            Restriction::RestrictivePolicy => format!(
                "adds a restrictive row-security policy on {name}: rows the running application reads \
                 and writes today can become invisible or refused"
            ),
            Restriction::AlterPolicy => format!(
                "changes a row-security policy on {name}: rows the running application reads and \
                 writes today can become invisible or refused"
            ),
            Restriction::InsteadRule { event, nothing } => format!(
                "creates a DO INSTEAD rule on {event} to {name}: the running application's {event} \
                 {}",
                if *nothing {
                    "silently does nothing"
                } else {
                    "runs another command instead"
                }
            ),
            Restriction::EmptyView => format!(
                "redefines view {name} to return no rows: the running application reads nothing from it"
            ),
            Restriction::Role(what) => format!(
                "alters role {name} ({what}): if the running application connects as it, its new \
                 connections are refused"
            ),
            Restriction::Database(what) => format!(
                "alters database {name} ({what}): the running application's new connections can be \
                 refused"
            ),
            Restriction::SessionDefault { setting } => format!(
                "changes the default of {setting} for {} {name}: every new session of the running application runs \
                 with it, and it can change what its queries mean (names, time zone, formats) or make \
                 them fail (read-only, timeouts)",
                object.name()
            ),
            Restriction::SecurityInvoker => format!(
                "makes {} {name} run with the caller's privileges: the running application now \
                 needs privileges on everything it reads, which it may not have",
                object.name()
            ),
            Restriction::ViewCheckOption => format!(
                "adds a check option to view {name}: the running application's writes through it \
                 that the view would not show are refused"
            ),
            Restriction::SequenceRestart => format!(
                "moves sequence {name} to a fixed value: the running application's next inserts can \
                 reuse keys that exist and fail (or duplicate them)"
            ),
        }
    }

    /// Whether it can lose data the old version writes (a rule that discards its writes).
    pub fn loses_data(&self) -> bool {
        matches!(self, Restriction::InsteadRule { event, .. } if *event != "SELECT")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxControl {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    PrepareTransaction,
    CommitPrepared,
    RollbackPrepared,
}

/// What one statement does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTable {
        table: String,
        if_not_exists: bool,
        columns: Vec<ColumnSpec>,
        constraints: Vec<ConstraintSpec>,
        partition_of: Option<String>,
        /// The tables it inherits from (`INHERITS (...)`), whose `DROP ... CASCADE` drops it.
        inherits: Vec<String>,
        /// `CREATE TABLE ... AS SELECT` / `SELECT INTO`.
        as_select: bool,
    },
    CreateIndex {
        index: Option<String>,
        table: String,
        concurrently: bool,
        /// `ON ONLY table`: the index of a partitioned table alone, not its partitions'.
        only: bool,
        unique: bool,
        if_not_exists: bool,
        /// Key columns as written (`(expr)` for an expression), for the down-migration check.
        columns: Vec<String>,
        /// Access method (`btree` unless written).
        method: String,
    },
    /// Any other CREATE: views, functions, types, sequences, schemas, extensions, triggers ...
    Create {
        object: ObjectKind,
        name: String,
        /// The table a trigger, policy or rule is created on.
        on_table: Option<String>,
        if_not_exists: bool,
        or_replace: bool,
    },
    Drop {
        object: ObjectKind,
        names: Vec<String>,
        if_exists: bool,
        cascade: bool,
        concurrently: bool,
        /// For triggers, policies and rules: the table they are on.
        on_table: Option<String>,
    },
    Rename {
        object: ObjectKind,
        /// The table a column, constraint or trigger belongs to (or the renamed relation).
        relation: Option<String>,
        from: String,
        to: String,
    },
    /// `ALTER TABLE ... SET SCHEMA` and friends.
    SetSchema {
        object: ObjectKind,
        name: String,
        /// The schema it moves to.
        schema: String,
    },
    AlterTable {
        table: String,
        cmd: TableCmd,
    },
    AddEnumValue {
        type_name: String,
        value: String,
        if_not_exists: bool,
    },
    RenameEnumValue {
        type_name: String,
        from: String,
        to: String,
    },
    Truncate {
        tables: Vec<String>,
    },
    Insert {
        table: String,
        on_conflict: bool,
        /// `INSERT ... SELECT` (work that grows with the data), not `INSERT ... VALUES`.
        from_query: bool,
    },
    Update {
        table: String,
        /// False when it writes every row: no `WHERE`, or one that is always true.
        has_where: bool,
        /// The columns it sets (a backfill of columns added in this change is no contract).
        columns: Vec<String>,
        /// Columns whose values alone decide the `WHERE`: it selects every row where they are
        /// not NULL (`WHERE id IS NOT NULL`, `WHERE id = id`), so every row if they are `NOT
        /// NULL` (the replay knows). Empty when the `WHERE` says more.
        every_row_unless_null: Vec<String>,
    },
    Delete {
        table: String,
        has_where: bool,
        /// As for `Update`.
        every_row_unless_null: Vec<String>,
    },
    Merge {
        table: String,
    },
    Copy {
        table: Option<String>,
        from: bool,
    },
    Reindex {
        target: String,
        /// `REINDEX TABLE` (true) or `REINDEX INDEX` (false); SCHEMA/DATABASE/SYSTEM count as tables.
        table: bool,
        whole_database: bool,
        concurrently: bool,
    },
    Vacuum {
        tables: Vec<String>,
        full: bool,
        /// `ANALYZE` alone.
        analyze_only: bool,
    },
    Cluster {
        table: Option<String>,
    },
    RefreshMaterializedView {
        name: String,
        concurrently: bool,
    },
    Transaction(TxControl),
    Set {
        name: String,
        value: String,
        local: bool,
    },
    Reset {
        name: String,
    },
    LockTable {
        tables: Vec<String>,
        mode: super::facts::LockLevel,
    },
    /// `GRANT` / `REVOKE` on `names` (empty for `ALL ... IN SCHEMA`, roles and what rollsafe
    /// does not name).
    Grant {
        revoke: bool,
        object: ObjectKind,
        names: Vec<String>,
    },
    /// `COMMENT ON ...`; `relation` is the table, view or column's table it is on, if any.
    Comment {
        relation: Option<String>,
    },
    /// `ALTER SEQUENCE ... (options)`: blocks `nextval` while it runs.
    AlterSequence {
        name: String,
    },
    /// `ALTER SYSTEM`: writes postgresql.auto.conf, refused inside a transaction block.
    AlterSystem,
    /// `PREPARE name AS statement`: nothing runs yet; `EXECUTE name` later in the unit runs
    /// `changes` (see `analyze::prepared`).
    Prepare {
        name: String,
        /// The prepared statement's kind (`DELETE`, ...).
        kind: String,
        changes: Vec<Change>,
    },
    /// `EXECUTE name`: runs the statement prepared under `name` earlier in the unit.
    Execute {
        name: String,
    },
    /// `DEALLOCATE name` (`None`: `DEALLOCATE ALL`).
    Deallocate {
        name: Option<String>,
    },
    /// A statement that narrows what the running application may do without dropping
    /// anything: privileges, owners, row security, rules, roles, sequences (see
    /// `docs/phases.md`). `object` is what it acts on (a relation, routine, role, ...).
    Restrict {
        restriction: Restriction,
        object: ObjectKind,
        name: String,
    },
    /// Code rollsafe cannot see into runs here (the statement's `body.opaque` says what).
    Opaque,
    /// Relations the statement reads (a query's `FROM`, `LIKE`): ACCESS SHARE on each.
    Read {
        relations: Vec<String>,
    },
    /// Queries and other statements without schema effect.
    Other,
}

impl Change {
    /// Give back the spare capacity of the lists built by pushing (see
    /// [`StatementFacts::shrink`](super::StatementFacts::shrink)).
    pub fn shrink(&mut self) {
        match self {
            Change::CreateTable {
                columns,
                constraints,
                ..
            } => {
                columns.iter_mut().for_each(ColumnSpec::shrink);
                columns.shrink_to_fit();
                constraints.shrink_to_fit();
            }
            Change::AlterTable {
                cmd: TableCmd::AddColumn { column, .. },
                ..
            } => column.shrink(),
            Change::Prepare { changes, .. } => {
                changes.iter_mut().for_each(Change::shrink);
                changes.shrink_to_fit();
            }
            _ => {}
        }
    }
}

impl ColumnSpec {
    fn shrink(&mut self) {
        self.constraints.shrink_to_fit();
    }
}

impl TableCmd {
    /// The subcommand as written in SQL, for messages (`ALTER COLUMN email SET NOT NULL`).
    pub fn describe(&self) -> String {
        match self {
            TableCmd::AddColumn { column, .. } => format!("ADD COLUMN {}", column.name),
            TableCmd::DropColumn { column, .. } => format!("DROP COLUMN {column}"),
            TableCmd::AlterColumnType {
                column, type_name, ..
            } => format!("ALTER COLUMN {column} TYPE {type_name}"),
            TableCmd::SetNotNull { column } => format!("ALTER COLUMN {column} SET NOT NULL"),
            TableCmd::DropNotNull { column } => format!("ALTER COLUMN {column} DROP NOT NULL"),
            TableCmd::SetDefault { column, .. } => format!("ALTER COLUMN {column} SET DEFAULT"),
            TableCmd::DropDefault { column } => format!("ALTER COLUMN {column} DROP DEFAULT"),
            TableCmd::AddConstraint(c) => format!(
                "ADD {}{}",
                c.name
                    .as_ref()
                    .map(|n| format!("CONSTRAINT {n} "))
                    .unwrap_or_default(),
                c.kind.name()
            ),
            TableCmd::ValidateConstraint { name } => format!("VALIDATE CONSTRAINT {name}"),
            TableCmd::DropConstraint { name, .. } => format!("DROP CONSTRAINT {name}"),
            TableCmd::SetLogged => "SET LOGGED".into(),
            TableCmd::SetUnlogged => "SET UNLOGGED".into(),
            TableCmd::SetTablespace => "SET TABLESPACE".into(),
            TableCmd::SetAccessMethod => "SET ACCESS METHOD".into(),
            TableCmd::AttachPartition { partition } => format!("ATTACH PARTITION {partition}"),
            TableCmd::DetachPartition { partition, .. } => format!("DETACH PARTITION {partition}"),
            TableCmd::EnableRowSecurity => "ENABLE ROW LEVEL SECURITY".into(),
            TableCmd::DisableRowSecurity => "DISABLE ROW LEVEL SECURITY".into(),
            TableCmd::AddIdentity { column } => format!("ALTER COLUMN {column} ADD IDENTITY"),
            TableCmd::DropIdentity { column } => format!("ALTER COLUMN {column} DROP IDENTITY"),
            TableCmd::DropExpression { column } => format!("ALTER COLUMN {column} DROP EXPRESSION"),
            TableCmd::NoInherit => "NO INHERIT".into(),
            TableCmd::ColumnSetting { column, setting } => {
                format!("ALTER COLUMN {column} {}", setting.name())
            }
            TableCmd::Maintenance(what) | TableCmd::Other(what) => (*what).to_string(),
            TableCmd::TriggerState { label, .. } => (*label).to_string(),
            TableCmd::OwnerTo => "OWNER TO".into(),
            TableCmd::RestartIdentity { column } => format!("ALTER COLUMN {column} RESTART"),
        }
    }
}
