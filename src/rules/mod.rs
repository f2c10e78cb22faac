//! Rules: one file per rule, each a small pure function from facts to diagnostics. A rule's
//! user documentation lives in `rules/<CODE>.md` at the top of the repository and is embedded in
//! the binary: it is the single source for `rollsafe explain`, SARIF help and the README table.

pub mod contract;

use crate::analyze::StatementFacts;
use crate::config::{Config, Severity};
use crate::discover::Migration;
use crate::parse::Marker;
use crate::parse::markers::Date;
use crate::source::Span;

/// What a rule emits: where, what, and the safe alternative.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub span: Span,
    /// The statement (index into the unit's statements) the finding is about, if any.
    pub statement: Option<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            span,
            statement: None,
            message: message.into(),
            help: None,
        }
    }
    pub fn at_statement(
        code: Code,
        index: usize,
        facts: &StatementFacts,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            statement: Some(index),
            ..Diagnostic::new(code, facts.span, message)
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Everything a rule may read about one migration unit.
pub struct Context<'a> {
    pub unit: &'a Migration,
    pub statements: &'a [StatementFacts],
    pub markers: &'a [Marker],
    pub config: &'a Config,
    pub today: Date,
    pub pg_version: u32,
}

impl Context<'_> {
    /// Markers that cover statement `index`: its own and the file-scoped ones.
    pub fn markers_for(&self, index: usize) -> impl Iterator<Item = &Marker> {
        let own = &self.statements[index].markers;
        self.markers
            .iter()
            .enumerate()
            .filter(move |(i, m)| m.file_scope || own.contains(i))
            .map(|(_, m)| m)
    }
}

/// Grouping used for SARIF tags and the README table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Input,
    Contract,
    Lock,
    Idempotency,
    Transaction,
    Rollback,
    /// Produced by `rollsafe verify` against a real server.
    Verify,
}

impl Family {
    pub fn tag(self) -> &'static str {
        match self {
            Family::Input => "input",
            Family::Contract => "destructive",
            Family::Lock => "lock",
            Family::Idempotency => "idempotency",
            Family::Transaction => "transaction",
            Family::Rollback => "rollback",
            Family::Verify => "verify",
        }
    }
}

pub struct Rule {
    pub code: Code,
    /// kebab-case name, e.g. `destructive-without-approval`.
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// The Markdown doc (`rules/<CODE>.md`).
    pub doc: &'static str,
    pub check: fn(&Context, &mut Vec<Diagnostic>),
}

impl Rule {
    /// The doc's title line without the leading `# CODE: `.
    pub fn summary(&self) -> &'static str {
        let first = self.doc.lines().next().unwrap_or("");
        let title = first.trim_start_matches('#').trim();
        match title.split_once(": ") {
            Some((_, rest)) => rest,
            None => title,
        }
    }
    /// Diagnostics produced by the pipeline itself (input problems) have no check of their own.
    pub fn no_check(_: &Context, _: &mut Vec<Diagnostic>) {}
}

macro_rules! rules {
    ($($code:ident => $module:ident),* $(,)?) => {
        $(pub mod $module;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($code),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code),*];
            pub fn rule(self) -> &'static Rule {
                match self { $(Code::$code => &$module::RULE),* }
            }
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code)),* }
            }
            pub fn parse(s: &str) -> Option<Code> {
                match s.trim().to_ascii_uppercase().as_str() {
                    $(stringify!($code) => Some(Code::$code),)*
                    _ => None,
                }
            }
        }
    };
}

rules! {
    E001 => e001_syntax_error,
    E002 => e002_unreadable_file,
    E003 => e003_invalid_marker,
    E004 => e004_unknown_statement,
    RS001 => rs001_unapproved_contract,
    RS002 => rs002_mixed_expand_contract,
    RS003 => rs003_window_open,
    RS004 => rs004_incomplete_approval,
    RS005 => rs005_marker_covers_nothing,
    RS006 => rs006_break_glass,
    RS101 => rs101_create_index_blocking,
    RS102 => rs102_drop_index_blocking,
    RS103 => rs103_reindex_blocking,
    RS104 => rs104_foreign_key_not_valid,
    RS105 => rs105_check_not_valid,
    RS106 => rs106_unique_without_index,
    RS107 => rs107_set_not_null_scan,
    RS108 => rs108_column_type_rewrite,
    RS109 => rs109_add_column_rewrite,
    RS110 => rs110_full_table_rewrite,
    RS111 => rs111_refresh_without_concurrently,
    RS112 => rs112_missing_lock_timeout,
    RS113 => rs113_work_under_exclusive_lock,
    RS114 => rs114_add_not_null_column_without_default,
    RS201 => rs201_create_without_if_not_exists,
    RS202 => rs202_drop_without_if_exists,
    RS203 => rs203_add_column_without_if_not_exists,
    RS204 => rs204_insert_without_on_conflict,
    RS205 => rs205_repeatable_not_rerunnable,
    RS301 => rs301_non_transactional_in_transaction,
    RS302 => rs302_non_transactional_mixed,
    RS303 => rs303_unbalanced_transaction,
    RS401 => rs401_edited_applied_migration,
    RS402 => rs402_out_of_order_migration,
    RS403 => rs403_duplicate_version,
    RS501 => rs501_observed_facts_differ,
    RS502 => rs502_down_does_not_restore,
    RS503 => rs503_up_not_reapplicable,
    RS504 => rs504_statement_failed,
    RS505 => rs505_fails_on_existing_rows,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Run every enabled rule on one unit.
pub fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for code in Code::ALL {
        if ctx.config.rules.get(code.as_str()) == Some(&crate::config::RuleLevel::Off) {
            continue;
        }
        (code.rule().check)(ctx, &mut out);
    }
    out
}
