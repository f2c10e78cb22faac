//! The JSON output: a public, versioned interface (documented in the README). Every statement
//! appears, not only those with findings.

use serde::Serialize;

use crate::analyze::{LockFact, Phase, TableWork};
use crate::rules::{Finding, Report};

pub const VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Output<'a> {
    pub version: u32,
    pub files: Vec<File<'a>>,
    pub summary: Summary,
}

#[derive(Serialize)]
pub struct File<'a> {
    pub path: String,
    pub layout: Option<&'static str>,
    pub direction: Option<&'static str>,
    pub version: Option<&'a str>,
    pub in_transaction: Option<bool>,
    pub statements: Vec<Statement<'a>>,
    pub diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Serialize)]
pub struct Statement<'a> {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub kind: &'a str,
    pub phase: Phase,
    pub destructive: bool,
    pub locks: &'a [LockFact],
    pub rewrites: &'a [TableWork],
    pub scans: &'a [TableWork],
    pub idempotent: bool,
    pub transactional: bool,
    /// MySQL/MariaDB: the weakest `ALGORITHM=` the server accepts for this statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<crate::analyze::mysql::Algorithm>,
    /// MySQL/MariaDB: the weakest `LOCK=` the server accepts (NONE: writes continue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ddl_lock: Option<crate::analyze::mysql::DdlLock>,
    /// SQLite: the table whose rebuild (create, copy, drop, rename) this statement is part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebuild_of: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub suppressed: bool,
    pub suppression: Option<&'static str>,
    pub justification: Option<String>,
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
}

fn diagnostic(f: &Finding) -> JsonDiagnostic {
    JsonDiagnostic {
        code: f.code().as_str(),
        severity: f.severity.name(),
        message: f.diagnostic.message.clone(),
        help: f.diagnostic.help.as_deref().map(str::to_owned),
        line: f.start.line,
        column: f.start.column,
        end_line: f.end.line,
        end_column: f.end.column,
        suppressed: f.is_suppressed(),
        suppression: f.suppression.as_ref().map(|s| s.kind.name()),
        justification: f.suppression.as_ref().map(|s| s.justification.clone()),
    }
}

pub fn build(report: &Report) -> Output<'_> {
    let totals = super::Totals::of(report);
    let summary = Summary {
        files: report.units.len() + report.problems.len(),
        statements: totals.statements,
        errors: totals.errors,
        warnings: totals.warnings,
        infos: totals.notes,
        suppressed: totals.suppressed,
    };
    let mut files = Vec::new();
    for p in &report.problems {
        files.push(File {
            path: crate::source::display_path(&p.problem.path),
            layout: None,
            direction: None,
            version: None,
            in_transaction: None,
            statements: Vec::new(),
            diagnostics: vec![JsonDiagnostic {
                code: p.code.as_str(),
                severity: p.severity.name(),
                message: p.finding_message.clone(),
                help: None,
                line: p.start.line,
                column: p.start.column,
                end_line: p.start.line,
                end_column: p.start.column,
                suppressed: false,
                suppression: None,
                justification: None,
            }],
        });
    }
    for unit in &report.units {
        let m = &unit.migration;
        files.push(File {
            path: m.source.display_path(),
            layout: Some(m.layout.name()),
            direction: Some(m.direction.name()),
            version: m.version.as_deref(),
            in_transaction: Some(m.transaction.wrapped()),
            statements: unit
                .statements
                .iter()
                .map(|s| Statement {
                    line: s.start.line,
                    column: s.start.column,
                    end_line: s.end.line,
                    end_column: s.end.column,
                    kind: &s.kind,
                    phase: s.phase,
                    destructive: s.destructive,
                    locks: &s.locks,
                    rewrites: &s.rewrites,
                    scans: &s.scans,
                    idempotent: s.idempotent,
                    transactional: s.transactional,
                    algorithm: s.online.as_ref().map(|o| o.algorithm),
                    ddl_lock: s.online.as_ref().map(|o| o.lock),
                    rebuild_of: s.sqlite.as_ref().and_then(|q| q.rebuild_of.as_deref()),
                })
                .collect(),
            diagnostics: unit.findings.iter().map(diagnostic).collect(),
        });
    }
    Output {
        version: VERSION,
        files,
        summary,
    }
}

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&build(report))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
