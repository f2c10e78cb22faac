//! Procedural code in the statement model: the statements a `DO` block or a called function
//! runs, the calls still to be resolved by the schema replay, and what stays opaque. The
//! dialect's reader (`postgres/plpgsql.rs`) fills these; the replay resolves calls through the
//! routines created so far; rules read the result like any other fact.

use std::fmt;

use super::change::Change;
use crate::source::Span;

/// One statement inside procedural code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerStatement {
    /// Where it is written in the unit's file; for code reached through a function, the span
    /// of the call (where the marker that approves it goes), with `via` saying where it is.
    pub span: Span,
    /// `DROP TABLE`, `CREATE TYPE`, ...
    pub kind: String,
    /// Its changes, already in the outer statement's `changes`.
    pub changes: Vec<Change>,
    /// Behind an existence check (`IF NOT EXISTS (SELECT … FROM pg_type …)`) or an exception
    /// handler that swallows "already exists": re-running it succeeds.
    pub guarded: bool,
    /// The function it was reached through, when it is not written in the statement itself.
    pub via: Option<Via>,
}

/// The routine a statement or opaque part was reached through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// The function or procedure called (or fired as a trigger) by the statement.
    pub routine: String,
    /// Where the code itself is written: `path:line:column`.
    pub at: String,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}() at {}", self.routine, self.at)
    }
}

/// A function or procedure call still to be resolved against the routines of the replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// As written, lower-cased (`f`, `app.f`, `pg_catalog.now`).
    pub name: String,
    pub span: Span,
    /// The arguments, when every one is a constant (`SELECT f('users', 3)`): a body's
    /// `EXECUTE format(..., param)` is then read as the SQL this call makes it.
    pub args: Option<Vec<String>>,
}

/// Why rollsafe cannot see what some code does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpaqueReason {
    /// `EXECUTE` of a string built at run time: the expression as written (empty when it
    /// cannot be re-read), evaluated again when a call binds the routine's parameters.
    DynamicSql(String),
    /// A call of a function or procedure that is neither defined in the migration set nor one
    /// of PostgreSQL's known catalog functions.
    UnknownFunction(String),
    /// A body the parser rejects.
    UnparseableBody(String),
    /// A body in a language other than `sql` and `plpgsql`.
    Language(String),
    /// A statement kind rollsafe has no facts for.
    UnknownStatement(String),
    /// Functions calling each other deeper than rollsafe follows (or recursively).
    TooDeep(String),
    /// An event trigger runs its function on later DDL, which rollsafe does not follow.
    EventTrigger,
    /// `EXECUTE name` of a statement not prepared earlier in the unit (in another session,
    /// or by code rollsafe cannot see).
    UnknownPrepared(String),
}

impl fmt::Display for OpaqueReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpaqueReason::DynamicSql(_) => write!(f, "EXECUTE of SQL built at run time"),
            OpaqueReason::UnknownFunction(name) => write!(
                f,
                "a call of {name}(), which is not defined in the migrations and is not a known PostgreSQL function"
            ),
            OpaqueReason::UnparseableBody(message) => {
                write!(f, "a body PostgreSQL's parser rejects ({message})")
            }
            OpaqueReason::Language(language) => {
                write!(
                    f,
                    "code in language `{language}`, which rollsafe cannot read"
                )
            }
            OpaqueReason::UnknownStatement(kind) => {
                write!(f, "a `{kind}` statement, which rollsafe has no facts for")
            }
            OpaqueReason::TooDeep(name) => write!(
                f,
                "a call of {name}() nested deeper (or more recursively) than rollsafe follows"
            ),
            OpaqueReason::UnknownPrepared(name) => write!(
                f,
                "EXECUTE of prepared statement {name}, which is not prepared earlier in this migration"
            ),
            OpaqueReason::EventTrigger => write!(
                f,
                "an event trigger, whose function runs on later DDL that rollsafe does not follow"
            ),
        }
    }
}

/// Code rollsafe could not see into: an error (E004) unless approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    pub span: Span,
    pub reason: OpaqueReason,
    pub via: Option<Via>,
}

/// What procedural code runs: its statements, the calls it makes, what stays opaque.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    pub statements: Vec<InnerStatement>,
    pub calls: Vec<Call>,
    pub opaque: Vec<Opaque>,
    /// Functions, procedures and triggers the code creates (`CREATE FUNCTION` inside a `DO`).
    pub definitions: Vec<Definition>,
}

impl Body {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
            && self.calls.is_empty()
            && self.opaque.is_empty()
            && self.definitions.is_empty()
    }

    /// Keep every position inside `outer` (the statement's span in `text`) and on character
    /// boundaries, whatever the mapping of the code to the file got wrong.
    pub fn clamp(&mut self, outer: Span, text: &str) {
        let fit = |s: &mut Span| {
            let boundary = |mut o: usize| {
                o = o.min(text.len());
                while !text.is_char_boundary(o) {
                    o -= 1;
                }
                o
            };
            let start = s.start.clamp(outer.start, outer.end.max(outer.start));
            let end = s.end.clamp(start, outer.end.max(start));
            *s = Span::new(boundary(start), boundary(end));
        };
        self.statements.iter_mut().for_each(|x| fit(&mut x.span));
        self.calls.iter_mut().for_each(|x| fit(&mut x.span));
        self.opaque.iter_mut().for_each(|x| fit(&mut x.span));
        for d in &mut self.definitions {
            if let Definition::Routine { body, .. } = d {
                body.clamp(outer, text);
            }
        }
    }
}

/// What a statement defines for later statements to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definition {
    /// `CREATE [OR REPLACE] FUNCTION | PROCEDURE`: the body a later call runs.
    Routine {
        name: String,
        /// The input parameters' names, in order (empty strings for unnamed ones).
        params: Vec<String>,
        body: Body,
    },
    /// Functions a table's defaults, CHECK constraints, generated columns and index expressions
    /// call: they run on every row written to it.
    TableCode {
        table: String,
        functions: Vec<String>,
    },
    /// `CREATE TRIGGER ... ON table ... EXECUTE FUNCTION f()`.
    Trigger {
        name: String,
        table: String,
        function: String,
        events: TriggerEvents,
    },
}

/// The data changes a trigger fires on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TriggerEvents {
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
}

impl TriggerEvents {
    /// Whether `change` fires a trigger with these events.
    pub fn fired_by(&self, change: &Change) -> bool {
        match change {
            Change::Insert { .. } => self.insert,
            Change::Copy { from: true, .. } => self.insert,
            Change::Update { .. } => self.update,
            Change::Delete { .. } => self.delete,
            Change::Merge { .. } => self.insert || self.update || self.delete,
            Change::Truncate { .. } => self.truncate,
            _ => false,
        }
    }
}

/// Whether `change` writes rows (so a table's defaults, checks and index expressions run).
pub fn writes_rows(change: &Change) -> bool {
    matches!(
        change,
        Change::Insert { .. }
            | Change::Update { .. }
            | Change::Merge { .. }
            | Change::Copy { from: true, .. }
    )
}

/// The table a data change fires triggers on.
pub fn dml_table(change: &Change) -> Vec<&str> {
    match change {
        Change::Insert { table, .. }
        | Change::Update { table, .. }
        | Change::Delete { table, .. }
        | Change::Merge { table } => vec![table.as_str()],
        Change::Copy {
            table: Some(table),
            from: true,
        } => vec![table.as_str()],
        Change::Truncate { tables } => tables.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The same change, in the form that succeeds when re-run, where SQL has one (`IF NOT
/// EXISTS`, `IF EXISTS`, `ON CONFLICT`): a guard makes the statement behave that way.
pub fn guarded_form(change: &Change) -> Change {
    use super::change::TableCmd;
    let mut c = change.clone();
    match &mut c {
        Change::CreateTable { if_not_exists, .. }
        | Change::CreateIndex { if_not_exists, .. }
        | Change::Create { if_not_exists, .. }
        | Change::AddEnumValue { if_not_exists, .. } => *if_not_exists = true,
        Change::Drop { if_exists, .. } => *if_exists = true,
        Change::Insert { on_conflict, .. } => *on_conflict = true,
        Change::AlterTable { cmd, .. } => match cmd {
            TableCmd::AddColumn { if_not_exists, .. } => *if_not_exists = true,
            TableCmd::DropColumn { if_exists, .. } | TableCmd::DropConstraint { if_exists, .. } => {
                *if_exists = true
            }
            _ => {}
        },
        _ => {}
    }
    c
}
