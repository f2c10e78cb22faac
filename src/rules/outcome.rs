//! What the rules stage hands to the reports: every analysed unit with its findings, and the
//! input problems discovery met. Reports read this and nothing else.

use super::{Code, Diagnostic};
use crate::analyze::snapshot::UnitRollback;
use crate::analyze::{Positions, StatementFacts, StatementPosition};
use crate::config::Severity;
use crate::discover::{InputProblem, Migration};
use crate::parse::Marker;
use crate::source::LineCol;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    Contract,
    Allow,
    BreakGlass,
}

impl SuppressionKind {
    /// The kind as written in markers and JSON.
    pub fn name(self) -> &'static str {
        match self {
            SuppressionKind::Contract => "contract",
            SuppressionKind::Allow => "allow",
            SuppressionKind::BreakGlass => "break-glass",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub justification: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub severity: Severity,
    pub start: LineCol,
    pub end: LineCol,
    pub suppression: Option<Suppression>,
}

impl Finding {
    pub fn code(&self) -> Code {
        self.diagnostic.code
    }
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

pub struct UnitReport {
    pub migration: Migration,
    /// Empty when the run streamed (the output reads no statement facts): `slimmed` holds
    /// their positions and markers then.
    pub statements: Vec<StatementFacts>,
    pub slimmed: Vec<StatementPosition>,
    pub markers: Vec<Marker>,
    pub findings: Vec<Finding>,
    /// Generated inverses (up units) and the down-migration comparison (down units).
    pub rollback: UnitRollback,
}

impl UnitReport {
    /// Every statement's position and markers, whether or not the run streamed.
    pub fn positions(&self) -> Positions<'_> {
        Positions {
            statements: &self.statements,
            slimmed: &self.slimmed,
        }
    }
}

/// A finding about a file rather than a statement of a migration unit: a file discovery could
/// not read (E002), or the config weakening the gate (RS007, at the line of the key).
pub struct ProblemReport {
    pub code: Code,
    pub problem: InputProblem,
    pub finding_message: String,
    pub severity: Severity,
    /// Where in the file (1-based); 1:1 when the problem is about the whole file.
    pub start: LineCol,
}

pub struct Report {
    pub units: Vec<UnitReport>,
    pub problems: Vec<ProblemReport>,
}

/// Where a run that writes its report as it goes hands it over: the input problems first,
/// then the units, a window at a time and in order. Each unit is dropped once handed over, so
/// a long history's findings are never all held at once.
pub trait ReportSink: Send {
    fn problems(&mut self, problems: &[ProblemReport]);
    fn units(&mut self, units: &[UnitReport]);
}
